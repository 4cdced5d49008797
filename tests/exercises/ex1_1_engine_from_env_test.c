/*
 * ex1_1_engine_from_env_test.c - the test of exercise 1.1, engine_from_env (BOOK.md, ch. 1).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE): orm_test_url() is the database of
 * the run, and the fallback URL is always an in-memory SQLite database, so the test can tell
 * which of the two the engine was made from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex1_1_engine_from_env.h"
#include "testdb.h"

#define FALLBACK "sqlite:///:memory:"

/* The database named by a URL, as the library parses it (a copy the caller frees). */
static char *database_of(const char *text)
{
	orm_url *url = NULL;
	char *db;
	assert_int_equal(orm_url_parse(&url, text), ORM_OK);
	db = orm_strdup(url->database ? url->database : "");
	orm_url_free(url);
	return db;
}

/* Asserts that `engine` was made from `url`, and frees it. */
static void assert_engine_is(orm_engine *engine, const char *url)
{
	char *want = database_of(url);
	const orm_url *got = orm_engine_url(engine);
	char msg[512];
	int same = got->database && strcmp(got->database, want) == 0;
	snprintf(msg, sizeof msg, "the engine is on database '%s', expected '%s'",
	         got->database ? got->database : "(none)", want);
	orm_free(want);
	orm_engine_free(engine);
	if (!same)
		fail_msg("%s", msg);
}

static void engine_from_env__uses_the_variable_when_set(void **state)
{
	orm_engine *engine = NULL;
	orm_conn *conn = NULL;
	(void)state;
	setenv("ORM_DATABASE_URL", orm_test_url(), 1);
	assert_int_equal(engine_from_env(&engine, FALLBACK, NULL), ORM_OK);
	assert_non_null(engine);
	/* The engine must really reach that database, not just carry its name. */
	if (orm_engine_connect(&conn, engine) != ORM_OK) {
		orm_engine_free(engine);
		fail_msg("connect: %s", orm_error_last());
	}
	orm_conn_close(conn);
	assert_engine_is(engine, orm_test_url());
}

static void engine_from_env__uses_the_fallback_when_unset(void **state)
{
	orm_engine *engine = NULL;
	(void)state;
	unsetenv("ORM_DATABASE_URL");
	assert_int_equal(engine_from_env(&engine, orm_test_url(), NULL), ORM_OK);
	assert_non_null(engine);
	assert_engine_is(engine, orm_test_url());
}

static void engine_from_env__refuses_an_empty_variable(void **state)
{
	orm_engine *engine = NULL;
	int rc;
	(void)state;
	setenv("ORM_DATABASE_URL", "", 1);
	rc = engine_from_env(&engine, FALLBACK, NULL);
	if (engine) {
		orm_engine_free(engine);
		fail_msg("ORM_DATABASE_URL=\"\" gave an engine: an empty setting must not silently "
		         "mean the fallback");
	}
	assert_int_equal(rc, ORM_EINVAL);
}

static void engine_from_env__reports_a_bad_url(void **state)
{
	orm_engine *engine = NULL;
	int rc;
	(void)state;
	setenv("ORM_DATABASE_URL", "mysql://app@localhost/eventdb", 1);
	rc = engine_from_env(&engine, FALLBACK, NULL);
	if (engine) {
		orm_engine_free(engine);
		fail_msg("ORM_DATABASE_URL=mysql://... gave an engine: the variable was ignored");
	}
	assert_int_equal(rc, ORM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(engine_from_env__uses_the_variable_when_set),
	    cmocka_unit_test(engine_from_env__uses_the_fallback_when_unset),
	    cmocka_unit_test(engine_from_env__refuses_an_empty_variable),
	    cmocka_unit_test(engine_from_env__reports_a_bad_url),
	};
	return cmocka_run_group_tests_name("exercise 1.1 engine_from_env", tests, NULL, NULL);
}
