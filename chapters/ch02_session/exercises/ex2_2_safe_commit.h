/*
 * ex2_2_safe_commit.h - exercise 2.2: all of a batch or none of it, and a session that
 * survives the failure. BOOK.md, "Chapter 2 - The session", exercise 2.2.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex2_2_safe_commit.c; `./workbook check 2` runs its test on SQLite;
 * `./workbook check 2 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX2_2_SAFE_COMMIT_H
#define EX2_2_SAFE_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "orm/schema.h"
#include "orm/session.h"

/* The model the exercise stores: users(id, email VARCHAR(100) NOT NULL UNIQUE). */
typedef struct User {
	int64_t id;
	char *email;
} User;

extern const orm_model User_model;

/* book:begin contract */
/*
 * Stores one User per address in emails[0..n-1], in one transaction: either every one of
 * them is stored, or none is. `db` is an open session with nothing pending in it.
 *
 * An address without an '@' is refused with ORM_EINVAL. Any other failure (an address that
 * is already taken makes the commit fail with ORM_ECONSTRAINT) returns the code of the call
 * that failed. On every failure:
 *   - no user of the batch is in the database;
 *   - `db` is usable, and nothing of the batch is left in it to be stored by a later commit;
 *   - `report` (`size` bytes) holds one line, "could not store N users: " followed by the
 *     reason: the session's message; for a refused address "'<address>' is not an email
 *     address"; for a failure before the session was involved (memory running out while a
 *     user is made), words of your own that say so, e.g. "out of memory".
 * On success `report` holds "" (when size > 0).
 */
int safe_commit(orm_session *db, const char *const *emails, size_t n, char *report, size_t size);
/* book:end contract */

#endif
