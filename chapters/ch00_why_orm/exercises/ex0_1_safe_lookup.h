/*
 * ex0_1_safe_lookup.h - exercise 0.1: find a user by email without letting the email rewrite
 * the SQL. BOOK.md, "Chapter 0 - Why an ORM", exercise 0.1.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in ex0_1_safe_lookup.c;
 * `./workbook check 0` runs the test (tests/exercises/ex0_1_safe_lookup_test.c) against it.
 */
#ifndef EX0_1_SAFE_LOOKUP_H
#define EX0_1_SAFE_LOOKUP_H

#include <sqlite3.h>

/* book:begin contract */
/*
 * Finds the id of the user whose email is exactly `email` in the table
 * users(id INTEGER PRIMARY KEY, email TEXT) of the open database `db`.
 *
 * Returns SQLITE_OK with the id in *out when such a user exists, SQLITE_NOTFOUND when none
 * does (then *out is left alone), or the SQLite error code of the call that failed (its message
 * is in sqlite3_errmsg(db)). Any email is an ordinary string: quotes, semicolons and dashes
 * included. Looking a user up never changes the database.
 */
int safe_lookup(sqlite3_int64 *out, sqlite3 *db, const char *email);
/* book:end contract */

#endif
