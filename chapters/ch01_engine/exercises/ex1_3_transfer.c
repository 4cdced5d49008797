/*
 * ex1_3_transfer.c - exercise 1.3 (BOOK.md, "Chapter 1 - The engine").
 *
 * As shipped, the two UPDATEs run on their own, each committed the moment it runs. A transfer
 * to an account that does not exist takes the money from the first account and puts it
 * nowhere. And nothing stops a negative amount from moving money backwards.
 *
 * TODO: make the transfer all or nothing. A zero or negative amount is refused before the
 * database is touched; when either account is missing or anything fails, neither balance
 * changes, the connection is left with no transaction open, and the caller gets the first
 * error (not one from cleaning up). Section 1.6 of the book; `./workbook hint 1.3`.
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
