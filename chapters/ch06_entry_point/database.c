/*
 * database.c - the engine, Base and SessionLocal of chapter 6 (sql_app/database.py).
 */
#include "database.h"

#include <string.h>

#include "models.h"

/* book:begin wal */
/*
 * SQLite only, the way the tutorial's database.py has connect_args={"check_same_thread":
 * False} for SQLite only: a web app's SQLite file in write-ahead-log mode lets requests read
 * while one of them writes, and starts each read transaction with far fewer system calls
 * (BOOK.md 6.3). The mode is stored in the file, so this runs once per start, harmlessly.
 */
static int use_wal(orm_engine *engine)
{
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	int rc;

	if ((rc = orm_engine_connect(&conn, engine)) < 0)
		return rc;
	if ((rc = orm_conn_execute(&res, conn, "PRAGMA journal_mode = WAL", NULL, 0)) == ORM_OK)
		while ((rc = orm_result_next(res)) == ORM_ROW)
			;
	orm_result_free(res);
	orm_conn_close(conn);
	return rc < 0 ? rc : ORM_OK;
}
/* book:end wal */

int database_open(database *db, const char *url, const orm_engine_options *options)
{
	int rc;

	memset(db, 0, sizeof *db);
	/* book:begin database */
	if ((rc = orm_create_engine(&db->engine, url, options)) < 0)
		goto done;
	if ((rc = orm_metadata_new(&db->base, NULL)) < 0 || (rc = models_register(db->base)) < 0)
		goto done;
	if ((rc = orm_sessionmaker_new(&db->session_local, db->engine, db->base, NULL)) < 0)
		goto done;
	/* book:end database */
	if (strcmp(orm_engine_dialect_name(db->engine), "sqlite") == 0)
		rc = use_wal(db->engine);
done:
	if (rc < 0)
		database_close(db);
	return rc;
}

void database_close(database *db)
{
	orm_sessionmaker_free(db->session_local);
	orm_metadata_free(db->base);
	orm_engine_free(db->engine);
	memset(db, 0, sizeof *db);
}
