/*
 * ex2_3_get_db.c - exercise 2.3 solved (BOOK.md, "Chapter 2 - The session").
 *
 * The write-up's get_db() with a transaction per unit of work: commit when the work
 * succeeded, roll back when it failed, and close on every path through one cleanup label.
 */
#include "ex2_3_get_db.h"

int with_session(orm_sessionmaker *maker, session_work work, void *arg)
{
	orm_session *db = NULL;
	int rc;

	if ((rc = orm_session_open(&db, maker)) < 0)
		return rc;
	if ((rc = work(db, arg)) < 0) {
		orm_session_rollback(db); /* the work's code is the one to report */
		goto done;
	}
	rc = orm_session_commit(db); /* a failed commit has rolled back already */
done:
	orm_session_close(db); /* finally: db.close() */
	return rc;
}
