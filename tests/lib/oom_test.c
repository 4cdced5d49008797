/*
 * oom_test.c - running out of memory anywhere in the engine is an error,
 * never a crash or a leak.
 *
 * An allocator installed with orm_set_allocator() fails the Nth
 * allocation; a whole scenario (create an engine, connect, create a table,
 * insert in a transaction, read back, commit, close, free) runs for
 * N = 1, 2, ... until it gets through without the failure being hit. Each
 * step that fails must say ORM_ENOMEM, and the scenario then cleans up
 * whatever it holds; AddressSanitizer, in the sanitizer build, reports
 * anything left behind. Every build checks what can be seen: a failed run
 * leaves 0 rows (its transaction never committed), the run that gets
 * through did every step and leaves both rows, and that run comes within
 * a cap. (The databases' own allocations - SQLite's, libpq's
 * - do not go through our allocator and are not failed here.)
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oom.h"
#include "testdb.h"

/* A step of the scenario failed: it must be for want of memory. */
static void expect_nomem(int rc, const char *step, const char *message)
{
	if (rc != ORM_ENOMEM)
		fail_msg("with allocation %ld failing, %s gave %s: %s", oom_fail_at(), step,
		         orm_strerror(rc), message);
}

/* The scenario; returns after the first failing step, cleaned up. True
 * when it did every step, through the commit. */
static bool scenario(const char *url, FILE *echo)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *engine = NULL;
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	orm_value params[] = {orm_text("ada@example.com"), orm_int(36), orm_float(1.5)};
	bool completed = false;
	int rc;

	options.echo = true;
	options.echo_stream = echo;
	if ((rc = orm_create_engine(&engine, url, &options)) < 0) {
		expect_nomem(rc, "create_engine", orm_error_last());
		assert_null(engine);
		return false;
	}
	if ((rc = orm_engine_connect(&conn, engine)) < 0) {
		expect_nomem(rc, "connect", orm_errmsg(engine));
		goto done;
	}
	if ((rc = orm_conn_execute(NULL, conn,
	                           "CREATE TABLE users (email TEXT, age INTEGER, score DOUBLE "
	                           "PRECISION)",
	                           NULL, 0)) < 0) {
		expect_nomem(rc, "create table", orm_conn_errmsg(conn));
		goto done;
	}
	if ((rc = orm_conn_begin(conn)) < 0) {
		expect_nomem(rc, "begin", orm_conn_errmsg(conn));
		goto done;
	}
	for (int i = 0; i < 2; i++) {
		rc = orm_conn_execute(NULL, conn,
		                      "INSERT INTO users (email, age, score) VALUES (?, ?, ?)",
		                      params, 3);
		if (rc < 0) {
			expect_nomem(rc, "insert", orm_conn_errmsg(conn));
			goto done;
		}
	}
	if ((rc = orm_conn_execute(&res, conn, "SELECT email, age, score FROM users", NULL, 0)) <
	    0) {
		expect_nomem(rc, "select", orm_conn_errmsg(conn));
		goto done;
	}
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		/* Text of a number needs memory of its own: NULL when out. */
		const char *age = orm_result_text(res, 1);

		if (age)
			assert_string_equal(age, "36");
		assert_string_equal(orm_result_text(res, 0), "ada@example.com");
	}
	assert_int_equal(rc, ORM_DONE);
	orm_result_free(res);
	res = NULL;
	if ((rc = orm_conn_commit(conn)) < 0) {
		expect_nomem(rc, "commit", orm_conn_errmsg(conn));
		goto done;
	}
	completed = true;
done:
	orm_result_free(res);
	orm_conn_close(conn);
	orm_engine_free(engine);
	return completed;
}

/* Rows in the scenario's table, read with the library's own allocator;
 * -1 when the table was never created. */
static int64_t count_users(void)
{
	orm_engine *engine = NULL;
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	int64_t n = -1;

	/* Not orm_test_engine(), which would empty the database. */
	assert_int_equal(orm_create_engine(&engine, orm_test_url(), NULL), ORM_OK);
	assert_int_equal(orm_engine_connect(&conn, engine), ORM_OK);
	if (orm_conn_execute(&res, conn, "SELECT count(*) FROM users", NULL, 0) == ORM_OK &&
	    orm_result_next(res) == ORM_ROW)
		n = orm_result_int(res, 0);
	orm_result_free(res);
	orm_conn_close(conn);
	orm_engine_free(engine);
	return n;
}

static void oom__every_allocation_failure_is_an_error(void **state)
{
	const char *url = orm_test_url();
	FILE *echo = fopen("/dev/null", "w");
	long n;

	(void)state;
	assert_non_null(echo);
	for (n = 1;; n++) {
		bool completed;
		int failed;

		orm_engine_free(orm_test_engine(NULL)); /* empty the database */
		oom_start(n);
		completed = scenario(url, echo);
		failed = oom_stop();
		if (failed == 0) {
			/* Got through: every allocation has had its turn. */
			if (!completed)
				fail_msg("no allocation failed, yet the scenario stopped early");
			assert_int_equal(count_users(), 2);
			break;
		}
		/* Failed somewhere: the transaction did not commit (a failed
		 * COMMIT rolls back), so no row, or no table at all. */
		if (count_users() > 0 && !completed)
			fail_msg("with allocation %ld failing, %" PRId64 " rows were left", n,
			         count_users());
		if (n >= 5000)
			fail_msg("the scenario never got through without a failed allocation");
	}
	fclose(echo);
	if (n < 10)
		fail_msg("only %ld allocations in the whole scenario: is the allocator used?", n);
	print_message("%ld allocations, each failed once\n", n - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(oom__every_allocation_failure_is_an_error),
	};

	orm_test_url();
	return cmocka_run_group_tests_name(orm_test_database(), tests, NULL, NULL);
}
