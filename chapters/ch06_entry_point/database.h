/*
 * database.h - chapter 6's engine and sessionmaker: the FastAPI tutorial's
 * sql_app/database.py, which is the write-up's own database file.
 *
 *     engine = create_engine(SQLALCHEMY_DATABASE_URL)
 *     SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
 *     Base = declarative_base()
 *
 * Lifecycle: database_open() once at startup, database_close() after the server stopped
 * (every session closed).
 */
#ifndef CH06_DATABASE_H
#define CH06_DATABASE_H

#include "orm/orm.h"
#include "orm/schema.h"
#include "orm/session.h"

typedef struct database {
	orm_engine *engine;              /* the pool every request draws from */
	orm_metadata *base;              /* Base: User and Event registered */
	orm_sessionmaker *session_local; /* SessionLocal */
} database;

/*
 * Creates the engine for `url` with `options` (NULL for the defaults), Base with the
 * models, and SessionLocal (autoflush off, expire_on_commit on, as the write-up sets them).
 * No connection is made yet. On error everything made is freed and the message is in
 * orm_error_last().
 */
int database_open(database *db, const char *url, const orm_engine_options *options);

/* Frees what database_open made. Accepts a zeroed struct. */
void database_close(database *db);

#endif
