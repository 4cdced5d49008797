/*
 * ex0_1_safe_lookup.c - exercise 0.1 solved (BOOK.md, "Chapter 0 - Why an ORM").
 *
 * The SQL text never changes; the email travels beside it as a bound parameter, so whatever
 * characters it holds are compared as data and can never become SQL.
 */
#include <stddef.h>

#include "ex0_1_safe_lookup.h"

int safe_lookup(sqlite3_int64 *out, sqlite3 *db, const char *email)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT id FROM users WHERE email = ?", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		goto done;
	rc = sqlite3_bind_text(stmt, 1, email, -1, SQLITE_TRANSIENT);
	if (rc != SQLITE_OK)
		goto done;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_NOTFOUND;
	}

done:
	/* finalize accepts NULL, and keeps the error of a failed step for sqlite3_errmsg(). */
	sqlite3_finalize(stmt);
	return rc;
}
