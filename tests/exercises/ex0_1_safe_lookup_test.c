/*
 * ex0_1_safe_lookup_test.c - the test of exercise 0.1, safe_lookup (BOOK.md, chapter 0).
 *
 * This exercise is about the raw sqlite3 API only, so ctest runs it on SQLite alone (it does
 * not include testdb.h; see orm_exercise in cmake/Workbook.cmake): each test gets a fresh
 * SQLite file in a temporary directory.
 *
 * As shipped, safe_lookup() pastes the email into its SQL, and the tests with a quote, a
 * match-everything email and a DROP TABLE email fail. With bound parameters all pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ex0_1_safe_lookup.h"

typedef struct fixture {
	char dir[64];
	char path[96];
	sqlite3 *db;
} fixture;

static const char *const EMAILS[] = {"ada@example.com", "grace@example.com", "o'brien@example.com"};

/* A temporary database with users 1, 2 and 3, stored with bound parameters. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	sqlite3_stmt *stmt = NULL;
	const char *tmp = getenv("TMPDIR");

	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/ex0_1.XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/users.db", f->dir);
	if (sqlite3_open(f->path, &f->db) != SQLITE_OK ||
	    sqlite3_exec(f->db, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)",
	                 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, "INSERT INTO users (email) VALUES (?)", -1, &stmt, NULL) !=
	        SQLITE_OK) {
		fprintf(stderr, "setup: %s\n", sqlite3_errmsg(f->db));
		return -1;
	}
	for (size_t i = 0; i < sizeof EMAILS / sizeof *EMAILS; i++) {
		sqlite3_bind_text(stmt, 1, EMAILS[i], -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			return -1;
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	if (!f)
		return 0;
	sqlite3_close(f->db);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static sqlite3_int64 count_users(sqlite3 *db)
{
	sqlite3_stmt *stmt = NULL;
	sqlite3_int64 n = -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM users", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

static void safe_lookup__finds_an_ordinary_email(void **state)
{
	fixture *f = *state;
	sqlite3_int64 id = 0;
	int rc = safe_lookup(&id, f->db, "grace@example.com");
	if (rc != SQLITE_OK || id != 2)
		fail_msg("grace@example.com gave code %d and id %lld, expected SQLITE_OK and 2", rc,
		         (long long)id);
}

static void safe_lookup__reports_an_unknown_email_as_not_found(void **state)
{
	fixture *f = *state;
	sqlite3_int64 id = 0;
	int rc = safe_lookup(&id, f->db, "nobody@example.com");
	if (rc != SQLITE_NOTFOUND)
		fail_msg("nobody@example.com gave code %d, expected SQLITE_NOTFOUND (%d)", rc,
		         SQLITE_NOTFOUND);
}

static void safe_lookup__finds_an_email_with_a_quote(void **state)
{
	fixture *f = *state;
	sqlite3_int64 id = 0;
	int rc = safe_lookup(&id, f->db, "o'brien@example.com");
	if (rc != SQLITE_OK)
		fail_msg("o'brien@example.com gave SQLite error %d: %s", rc, sqlite3_errmsg(f->db));
	if (id != 3)
		fail_msg("o'brien@example.com gave id %lld, expected 3", (long long)id);
}

static void safe_lookup__does_not_let_an_email_match_every_user(void **state)
{
	fixture *f = *state;
	sqlite3_int64 id = 0;
	int rc = safe_lookup(&id, f->db, "' OR '1'='1");
	if (rc == SQLITE_OK)
		fail_msg("the email ' OR '1'='1 found user %lld: it became part of the SQL",
		         (long long)id);
	if (rc != SQLITE_NOTFOUND)
		fail_msg("the email ' OR '1'='1 gave SQLite error %d: %s", rc,
		         sqlite3_errmsg(f->db));
}

static void safe_lookup__does_not_let_an_email_drop_the_table(void **state)
{
	fixture *f = *state;
	sqlite3_int64 id = 0;
	int rc = safe_lookup(&id, f->db, "x'; DROP TABLE users; --");
	if (count_users(f->db) != 3)
		fail_msg("after looking up x'; DROP TABLE users; -- the table is gone: %s",
		         sqlite3_errmsg(f->db));
	if (rc != SQLITE_NOTFOUND)
		fail_msg("x'; DROP TABLE users; -- gave code %d, expected SQLITE_NOTFOUND", rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(safe_lookup__finds_an_ordinary_email, setup, teardown),
	    cmocka_unit_test_setup_teardown(safe_lookup__reports_an_unknown_email_as_not_found,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(safe_lookup__finds_an_email_with_a_quote, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(safe_lookup__does_not_let_an_email_match_every_user,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(safe_lookup__does_not_let_an_email_drop_the_table,
	                                    setup, teardown),
	};
	return cmocka_run_group_tests_name("exercise 0.1 safe_lookup", tests, NULL, NULL);
}
