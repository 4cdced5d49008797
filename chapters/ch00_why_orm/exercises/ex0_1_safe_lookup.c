/*
 * ex0_1_safe_lookup.c - exercise 0.1 (BOOK.md, "Chapter 0 - Why an ORM").
 *
 * This lookup works for ada@example.com, and that is the trouble: it pastes the email into
 * the SQL text, so an email with a quote in it breaks the statement, ' OR '1'='1 matches
 * every user, and x'; DROP TABLE users; -- deletes the table (sqlite3_exec runs every
 * statement in the text). Run `./workbook check 0` to watch its test fail, then fix it.
 *
 * TODO: make the lookup safe. Whatever the email holds, the SQL text must stay the same,
 * and the email must reach SQLite as a value beside it, never as part of the SQL. The three
 * outcomes stay those of the contract (found, not found, SQLite's error), and no path,
 * errors included, may leave anything behind. Section 0.2 of the book shows the way;
 * `./workbook hint 0.1` points there, `./workbook hint 0.1 --more` names the functions.
 */
#include <stdio.h>

#include "ex0_1_safe_lookup.h"

/* Called by sqlite3_exec() for each row; keeps the first id. */
static int keep_first_id(void *arg, int ncols, char **values, char **names)
{
	sqlite3_int64 *id = arg;
	(void)ncols;
	(void)names;
	if (*id < 0 && values[0])
		sscanf(values[0], "%lld", id);
	return 0;
}

int safe_lookup(sqlite3_int64 *out, sqlite3 *db, const char *email)
{
	char sql[512];
	sqlite3_int64 id = -1;
	int rc;

	snprintf(sql, sizeof sql, "SELECT id FROM users WHERE email = '%s'", email);
	rc = sqlite3_exec(db, sql, keep_first_id, &id, NULL);
	if (rc != SQLITE_OK)
		return rc;
	if (id < 0)
		return SQLITE_NOTFOUND;
	*out = id;
	return SQLITE_OK;
}
