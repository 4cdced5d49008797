/*
 * ex2_3_get_db.c - exercise 2.3 (BOOK.md, "Chapter 2 - The session").
 *
 * As shipped, the happy path works: the work runs, its changes are committed, the session is
 * closed. But when the work fails, with_session() returns straight away: the session is
 * never closed, so it keeps its connection (a web app doing this runs out of connections
 * after a few failed requests) and every object in it leaks.
 *
 * TODO: make every path after a successful open go through one cleanup label that closes
 * the session - the C spelling of the write-up's try/finally - and roll back when the work
 * failed. Keep the work's error code: that is what the caller needs to see.
 */
#include "ex2_3_get_db.h"

int with_session(orm_sessionmaker *maker, session_work work, void *arg)
{
	orm_session *db = NULL;
	int rc;

	if ((rc = orm_session_open(&db, maker)) < 0)
		return rc;
	if ((rc = work(db, arg)) < 0)
		return rc;
	rc = orm_session_commit(db);
	orm_session_close(db);
	return rc;
}
