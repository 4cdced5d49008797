/*
 * ch01_engine/main.c - chapter 1: the engine. Read it with BOOK.md, "Chapter 1 - The engine".
 *
 * The write-up's first step, `engine = create_engine(DATABASE_URL, echo=True)`, in C. The
 * program
 *   1. takes a few database URLs apart, to show the three things a URL names (which database,
 *      which driver, where) and how a password is decoded and then hidden;
 *   2. creates an engine with echo on, so every statement the library sends is printed,
 *      prefixed with [orm], between the program's own lines;
 *   3. checks a connection out of the engine's pool, creates a small table, inserts rows with
 *      bound parameters inside a transaction, reads them back with typed getters;
 *   4. breaks a UNIQUE constraint on purpose, shows the error code and the database's own
 *      message, and rolls back;
 *   5. gives the connection back and frees the engine.
 *
 * The same binary runs on SQLite and on PostgreSQL, and not one line below says which:
 *     ./ch01_engine                                   sqlite:///ch01_engine.db here
 *     ./ch01_engine postgresql://user@localhost/dbname
 * Only the echo differs: PostgreSQL is sent $1, $2 where the program wrote ?.
 */
#include <inttypes.h>
#include <stdio.h>

#include "check.h"
#include "orm/orm.h"

/* Prints the parts of a URL the way orm_url_parse() sees them. */
static void show_url(const char *text)
{
	orm_url *url = NULL;
	char safe[256];

	/* book:begin parse-url */
	check(orm_url_parse(&url, text), "parse URL");
	orm_url_render(url, safe, sizeof safe); /* the password becomes *** */
	printf("%s\n", safe);
	printf("    dialect=%s driver=%s database=%s\n", url->dialect,
	       url->driver ? url->driver : "(default)", url->database ? url->database : "(none)");
	if (url->host)
		printf("    user=%s host=%s port=%d password=%s\n", url->username, url->host,
		       url->port, url->password ? "(given, not shown)" : "(none)");
	orm_url_free(url);
	/* book:end parse-url */
}

/* Shows what orm_create_engine() says about a URL it cannot use. */
static void show_bad_url(const char *text)
{
	orm_engine *engine = NULL;

	/* book:begin bad-url */
	int rc = orm_create_engine(&engine, text, NULL);
	printf("%s: %s\n", orm_strerror(rc), orm_error_last());
	/* book:end bad-url */
	orm_engine_free(engine); /* NULL here; free it anyway, in case it was not refused */
}

int main(int argc, char **argv)
{
	const char *url = database_url(argc, argv, "sqlite:///ch01_engine.db");
	orm_engine *engine = NULL;
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	int rc;

	printf("== 1. A URL names the database, the driver and the place ==\n");
	/* book:begin urls */
	show_url("sqlite+pysqlite:///:memory:"); /* the write-up's URL: accepted as it is */
	show_url("sqlite:///events.db");         /* a file in the current directory */
	show_url("postgresql+psycopg2://app%40corp:s3cr%40t@db.example.com:5432/eventdb");
	/* book:end urls */

	/* book:begin bad-urls */
	printf("\nURLs the engine refuses, and why:\n");
	show_bad_url("mysql://app@localhost/eventdb");
	show_bad_url("postgresql+asyncpg://app@localhost/eventdb");
	show_bad_url("postgresql://app:s3cret@localhost:99999/eventdb");
	show_bad_url("postgresql://app:p@ss@localhost/eventdb");
	show_bad_url("sqlite://");
	/* book:end bad-urls */

	printf("\n== 2. An engine, with echo on ==\n");
	/* book:begin create-engine */
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	options.echo = true;          /* print every statement, like echo=True */
	options.echo_stream = stdout; /* between our own lines, in order */
	check(orm_create_engine(&engine, url, &options), "create engine");
	printf("engine ready, no connection opened yet: dialect %s, pool of %d connections\n",
	       orm_engine_dialect_name(engine), orm_engine_get_options(engine)->pool_size);
	/* book:end create-engine */

	/* book:begin connect */
	check(orm_engine_connect(&conn, engine), "connect");
	check(orm_conn_execute(NULL, conn, "DROP TABLE IF EXISTS users", NULL, 0), "drop table");
	check(orm_conn_execute(NULL, conn,
	                       "CREATE TABLE users (id INTEGER PRIMARY KEY,"
	                       " email VARCHAR(100) NOT NULL UNIQUE)",
	                       NULL, 0),
	      "create table");
	/* book:end connect */

	printf("\n== 3. Rows in, rows out, with bound parameters ==\n");
	/* book:begin insert */
	const char *emails[] = {"ada@example.com", "grace@example.com", "linus@example.org"};
	check(orm_conn_begin(conn), "begin");
	for (int i = 0; i < 3; i++) {
		orm_value params[] = {orm_int(i + 1), orm_text(emails[i])};
		check(orm_conn_execute(NULL, conn, "INSERT INTO users (id, email) VALUES (?, ?)",
		                       params, 2),
		      "insert");
	}
	check(orm_conn_commit(conn), "commit");
	/* book:end insert */

	/* book:begin select */
	orm_value pattern = orm_text("%@example.com");
	check(orm_conn_execute(&res, conn,
	                       "SELECT id, email FROM users WHERE email LIKE ? ORDER BY id",
	                       &pattern, 1),
	      "select");
	while ((rc = orm_result_next(res)) == ORM_ROW)
		printf("user %" PRId64 ": %s\n", orm_result_int(res, 0), orm_result_text(res, 1));
	check(rc, "read row");
	orm_result_free(res);
	/* book:end select */

	printf("\n== 4. A broken constraint, and a rollback ==\n");
	/* book:begin constraint */
	orm_value alan[] = {orm_int(4), orm_text("alan@example.com")};
	orm_value ada_again[] = {orm_int(5), orm_text("ada@example.com")};
	check(orm_conn_begin(conn), "begin");
	check(orm_conn_execute(NULL, conn, "INSERT INTO users (id, email) VALUES (?, ?)", alan, 2),
	      "insert alan");
	rc = orm_conn_execute(NULL, conn, "INSERT INTO users (id, email) VALUES (?, ?)", ada_again,
	                      2);
	printf("second insert: %s: %s\n", orm_strerror(rc), orm_conn_errmsg(conn));
	check(orm_conn_rollback(conn), "rollback");
	/* book:end constraint */

	/* book:begin count */
	check(orm_conn_execute(&res, conn, "SELECT count(*) FROM users", NULL, 0), "count");
	check(orm_result_next(res), "read count");
	printf("users after the rollback: %" PRId64 " (alan went with it)\n",
	       orm_result_int(res, 0));
	orm_result_free(res);
	/* book:end count */

	/* book:begin close */
	orm_conn_close(conn);    /* back to the pool, still open */
	orm_engine_free(engine); /* closes every pooled connection */
	/* book:end close */
	return 0;
}
