/*
 * ex1_2_count_rows_test.c - the test of exercise 1.2, count_rows (BOOK.md, chapter 1).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE), each test on an empty database with
 * the same users. No email differs from another only by letter case: SQLite's LIKE ignores
 * case for ASCII letters and PostgreSQL's does not. One domain holds a backslash, LIKE's
 * escape character here: a solution that does not escape it counts no one there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ex1_2_count_rows.h"
#include "testdb.h"

typedef struct fixture {
	orm_engine *engine;
	orm_conn *conn;
} fixture;

static int setup(void **state)
{
	static fixture f;
	f.engine = orm_test_engine(NULL);
	orm_test_exec(f.engine, "CREATE TABLE users (id INTEGER PRIMARY KEY,"
	                        " email VARCHAR(100) NOT NULL UNIQUE)");
	orm_test_exec(f.engine,
	              "INSERT INTO users (id, email) VALUES"
	              " (1, 'ada@example.com'), (2, 'grace@example.com'),"
	              " (3, 'alan@example.org'), (4, 'linus@example.com.au'),"
	              " (5, 'eve@notexample.com'), (6, 'bob@o''hara.ie'),"
	              " (7, 'x@ex_mple.com'), (8, 'y@100%.net'), (9, 'z@back\\slash.io')");
	if (orm_engine_connect(&f.conn, f.engine) != ORM_OK)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	orm_conn_close(f->conn);
	orm_engine_free(f->engine);
	return 0;
}

/* Asserts that count_rows() counts `want` users at `domain`. */
static void assert_count(fixture *f, const char *domain, int64_t want)
{
	int64_t n = -1;
	int rc = count_rows(&n, f->conn, domain);
	if (rc != ORM_OK)
		fail_msg("count_rows(\"%s\") returned %s: %s", domain, orm_strerror(rc),
		         orm_conn_errmsg(f->conn));
	if (n != want)
		fail_msg("count_rows(\"%s\") counted %lld users, expected %lld", domain,
		         (long long)n, (long long)want);
}

static void count_rows__counts_the_users_of_a_domain(void **state)
{
	assert_count(*state, "example.com", 2);
}

static void count_rows__counts_other_domains_apart(void **state)
{
	assert_count(*state, "example.org", 1);
	assert_count(*state, "example.com.au", 1);
	assert_count(*state, "nowhere.net", 0);
}

static void count_rows__takes_a_quote_as_a_character(void **state)
{
	assert_count(*state, "o'hara.ie", 1);
}

static void count_rows__takes_like_wildcards_literally(void **state)
{
	assert_count(*state, "ex_mple.com", 1);
	assert_count(*state, "100%.net", 1);
	assert_count(*state, "%", 0);
}

static void count_rows__takes_a_backslash_as_a_character(void **state)
{
	/* Unescaped, "\s" in the pattern would mean a plain "s": no one is at backslash.io. */
	assert_count(*state, "back\\slash.io", 1);
}

static void count_rows__leaves_the_connection_usable(void **state)
{
	fixture *f = *state;
	orm_result *res = NULL;
	assert_count(f, "example.com", 2);
	if (orm_conn_in_transaction(f->conn))
		fail_msg("count_rows() left a transaction open");
	/* The same statement again must work: the first result has been freed. */
	assert_count(f, "example.com", 2);
	assert_int_equal(orm_conn_execute(&res, f->conn, "SELECT count(*) FROM users", NULL, 0),
	                 ORM_OK);
	orm_result_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(count_rows__counts_the_users_of_a_domain, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(count_rows__counts_other_domains_apart, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(count_rows__takes_a_quote_as_a_character, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(count_rows__takes_like_wildcards_literally, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(count_rows__takes_a_backslash_as_a_character, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(count_rows__leaves_the_connection_usable, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests_name("exercise 1.2 count_rows", tests, NULL, NULL);
}
