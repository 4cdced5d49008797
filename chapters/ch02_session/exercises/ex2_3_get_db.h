/*
 * ex2_3_get_db.h - exercise 2.3: the write-up's get_db(), closing the session on every path,
 * with a transaction around the work. BOOK.md, "Chapter 2 - The session", exercise 2.3.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in ex2_3_get_db.c;
 * `./workbook check 2` runs its test on SQLite;
 * `./workbook check 2 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX2_3_GET_DB_H
#define EX2_3_GET_DB_H

#include "orm/session.h"

/* book:begin contract */
/* A unit of work: uses the session it is given; returns ORM_OK or a negative code. */
typedef int (*session_work)(orm_session *db, void *arg);

/*
 * Opens a session from `maker` and runs work(db, arg) in it. Then:
 *   - when the work returned ORM_OK, commits, and returns what the commit returned;
 *   - when the work failed, rolls back (nothing it did is stored) and returns the work's code,
 *     not the rollback's.
 * On every path - the work failing, the commit failing - the session is closed before
 * with_session() returns, so its connection is back in the engine's pool and every object
 * it held is freed. When no session can be opened, returns that error without calling work.
 */
int with_session(orm_sessionmaker *maker, session_work work, void *arg);
/* book:end contract */

#endif
