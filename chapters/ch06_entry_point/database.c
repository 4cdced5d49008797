/*
 * database.c - the engine, Base and SessionLocal of chapter 6 (sql_app/database.py).
 */
#include "database.h"

#include <string.h>

#include "models.h"

int database_open(database *db, const char *url, const orm_engine_options *options)
{
	int rc;

	memset(db, 0, sizeof *db);
	/* book:begin database */
	if ((rc = orm_create_engine(&db->engine, url, options)) < 0)
		goto done;
	if ((rc = orm_metadata_new(&db->base, NULL)) < 0 || (rc = models_register(db->base)) < 0)
		goto done;
	rc = orm_sessionmaker_new(&db->session_local, db->engine, db->base, NULL);
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
