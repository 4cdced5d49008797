/*
 * database.c - the engine, Base and SessionLocal of chapter 6 (sql_app/database.py).
 */
#include "database.h"

#include <string.h>

#include "models.h"

/* book:begin sqlite */
/*
 * SQLite only, the way the tutorial's database.py has connect_args={"check_same_thread":
 * False} for SQLite only. For a file, the engine's defaults (BOOK.md 1.8) turn on
 * write-ahead-log mode, which lets requests read while one of them writes, and open every
 * transaction with BEGIN IMMEDIATE, which makes writers queue. Most requests of a web app
 * only read, and under BEGIN IMMEDIATE each of them would queue for the one write lock too
 * (and a session a handler forgets to close would stop every other request, 6.7). So the
 * app opens plain, deferred transactions, and runs again from the start the rare request
 * that loses the race for the write lock (BOOK.md 6.3).
 */
static orm_engine_options app_options(const char *url, const orm_engine_options *given)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;

	if (given)
		options = *given;
	if (strncmp(url, "sqlite", 6) == 0)
		options.sqlite_begin_immediate = false;
	return options;
}
/* book:end sqlite */

int database_open(database *db, const char *url, const orm_engine_options *options)
{
	orm_engine_options engine_options = app_options(url, options);
	int rc;

	memset(db, 0, sizeof *db);
	/* book:begin database */
	if ((rc = orm_create_engine(&db->engine, url, &engine_options)) < 0)
		goto done;
	if ((rc = orm_metadata_new(&db->base, NULL)) < 0 || (rc = models_register(db->base)) < 0)
		goto done;
	if ((rc = orm_sessionmaker_new(&db->session_local, db->engine, db->base, NULL)) < 0)
		goto done;
	/* book:end database */
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
