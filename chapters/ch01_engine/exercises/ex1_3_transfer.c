/*
 * ex1_3_transfer.c - exercise 1.3 (BOOK.md, "Chapter 1 - The engine").
 *
 * As shipped, the two UPDATEs run on their own, each committed the moment it runs. A transfer
 * to an account that does not exist takes the money from the first account and puts it
 * nowhere. And nothing stops a negative amount from moving money backwards.
 *
 * TODO:
 *   1. refuse amount <= 0 with ORM_EINVAL before touching the database;
 *   2. orm_conn_begin(conn) before the first UPDATE;
 *   3. after each UPDATE, orm_conn_changes(conn) tells whether a row was found;
 *   4. on every error after the begin, orm_conn_rollback(conn) and return the first error
 *      (not the rollback's result); on success, return orm_conn_commit(conn).
 * One `done:` label that rolls back when rc < 0 keeps it short.
 */
#include "ex1_3_transfer.h"

int transfer(orm_conn *conn, int64_t from_id, int64_t to_id, int64_t amount)
{
	orm_value debit[] = {orm_int(amount), orm_int(from_id)};
	orm_value credit[] = {orm_int(amount), orm_int(to_id)};
	int rc;

	rc = orm_conn_execute(NULL, conn, "UPDATE accounts SET balance = balance - ? WHERE id = ?",
	                      debit, 2);
	if (rc < 0)
		return rc;
	if (orm_conn_changes(conn) != 1)
		return ORM_ENOTFOUND;
	rc = orm_conn_execute(NULL, conn, "UPDATE accounts SET balance = balance + ? WHERE id = ?",
	                      credit, 2);
	if (rc < 0)
		return rc;
	if (orm_conn_changes(conn) != 1)
		return ORM_ENOTFOUND;
	return ORM_OK;
}
