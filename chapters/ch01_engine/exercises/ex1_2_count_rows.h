/*
 * ex1_2_count_rows.h - exercise 1.2: a query with a bound parameter, read with a typed getter.
 * BOOK.md, "Chapter 1 - The engine", exercise 1.2.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in ex1_2_count_rows.c;
 * `./workbook check 1` runs its test on SQLite;
 * `./workbook check 1 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX1_2_COUNT_ROWS_H
#define EX1_2_COUNT_ROWS_H

#include <stdint.h>

#include "orm/orm.h"

/* book:begin contract */
/*
 * Counts the rows of users(id, email) whose email is at `domain`: that ends with '@' followed
 * by exactly `domain`. For "example.com" it counts ada@example.com, but not
 * ada@example.com.au nor eve@notexample.com. Every character of `domain` is matched as
 * itself, including ', % and _.
 *
 * The count is stored in *out. Returns ORM_OK, or the error code of the call that failed,
 * with its message in orm_conn_errmsg(conn). The connection is left as it was found: no
 * result is left open and no transaction is started or ended.
 */
int count_rows(int64_t *out, orm_conn *conn, const char *domain);
/* book:end contract */

#endif
