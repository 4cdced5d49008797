/*
 * tour_reset.c - a clean slate before `./workbook tour` runs the chapters.
 *
 * Every chapter program drops the tables it is about to create, so it can
 * be run again. But a later chapter's `events` table points at chapter 0's
 * `users`, and a database refuses to drop a table others depend on: so
 * before a tour on a database that already holds the book's tables, this
 * drops them in dependency order (events, then users, then PostgreSQL's
 * enum type). It touches nothing else in the database.
 *
 *     tour_reset URL
 */
#include <string.h>

#include "check.h"

int main(int argc, char **argv)
{
	static const char *const drops[] = {"DROP TABLE IF EXISTS events",
	                                    "DROP TABLE IF EXISTS users"};
	orm_engine *engine;
	orm_conn *conn;

	if (argc != 2) {
		fprintf(stderr, "usage: tour_reset URL\n");
		return 2;
	}
	check(orm_create_engine(&engine, argv[1], NULL), "create engine");
	check(orm_engine_connect(&conn, engine), "connect");
	for (size_t i = 0; i < sizeof drops / sizeof drops[0]; i++)
		check(orm_conn_execute(NULL, conn, drops[i], NULL, 0), drops[i]);
	if (strcmp(orm_engine_dialect_name(engine), "postgresql") == 0)
		check(orm_conn_execute(NULL, conn, "DROP TYPE IF EXISTS socialstatus", NULL, 0),
		      "drop type");
	orm_conn_close(conn);
	orm_engine_free(engine);
	return 0;
}
