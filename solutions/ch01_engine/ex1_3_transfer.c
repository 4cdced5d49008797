/*
 * ex1_3_transfer.c - exercise 1.3 solved (BOOK.md, "Chapter 1 - The engine").
 *
 * Both UPDATEs run in one transaction; any failure after BEGIN rolls it back, so the
 * database only ever sees the whole transfer or none of it.
 */
#include "ex1_3_transfer.h"

/* Runs one UPDATE of a balance; ORM_ENOTFOUND when no account has that id. */
static int move(orm_conn *conn, const char *sql, int64_t amount, int64_t id)
{
	orm_value params[] = {orm_int(amount), orm_int(id)};
	int rc = orm_conn_execute(NULL, conn, sql, params, 2);
	if (rc < 0)
		return rc;
	return orm_conn_changes(conn) == 1 ? ORM_OK : ORM_ENOTFOUND;
}

int transfer(orm_conn *conn, int64_t from_id, int64_t to_id, int64_t amount)
{
	int rc;

	if (amount <= 0)
		return ORM_EINVAL;
	if ((rc = orm_conn_begin(conn)) < 0)
		return rc;
	if ((rc = move(conn, "UPDATE accounts SET balance = balance - ? WHERE id = ?", amount,
	               from_id)) < 0)
		goto done;
	if ((rc = move(conn, "UPDATE accounts SET balance = balance + ? WHERE id = ?", amount,
	               to_id)) < 0)
		goto done;
	/* A commit that fails has rolled back already (orm/engine.h). */
	return orm_conn_commit(conn);

done:
	orm_conn_rollback(conn); /* the first error is the one to report */
	return rc;
}
