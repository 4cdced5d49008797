/*
 * ex1_3_transfer.h - exercise 1.3: all or nothing, with a transaction.
 * BOOK.md, "Chapter 1 - The engine", exercise 1.3.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in ex1_3_transfer.c;
 * `./workbook check 1` runs its test on SQLite;
 * `./workbook check 1 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX1_3_TRANSFER_H
#define EX1_3_TRANSFER_H

#include <stdint.h>

#include "orm/orm.h"

/* book:begin contract */
/*
 * Moves `amount` from account `from_id` to account `to_id` of the table
 *     accounts(id INTEGER PRIMARY KEY, owner VARCHAR(50), balance INTEGER NOT NULL
 *              CHECK (balance >= 0))
 * so that both balances change or neither does. `conn` is not in a transaction when called.
 *
 * Returns ORM_OK when the money moved, and otherwise leaves both balances as they were and
 * no transaction open on `conn`:
 *     ORM_EINVAL       amount is zero or negative (nothing is sent to the database)
 *     ORM_ENOTFOUND    either account does not exist
 *     ORM_ECONSTRAINT  from_id's balance is smaller than amount (the CHECK refuses it)
 *     another code     whatever else failed, message in orm_conn_errmsg(conn)
 */
int transfer(orm_conn *conn, int64_t from_id, int64_t to_id, int64_t amount);
/* book:end contract */

#endif
