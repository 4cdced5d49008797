/*
 * ex7_2_not_null_test.c - the test of exercise 7.2, not_null (BOOK.md, chapter 7).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). Two users are stored (one without
 * an email) before the learner's revision runs: it must succeed, fill their names, and
 * leave a column that refuses NULL; its downgrade must take the column away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex7_2_not_null.h"
#include "testdb.h"
#include "versions.h"

static int try_sql(orm_engine *engine, const char *sql)
{
	orm_conn *conn;
	int rc;

	assert_int_equal(orm_engine_connect(&conn, engine), ORM_OK);
	rc = orm_conn_execute(NULL, conn, sql, NULL, 0);
	orm_conn_close(conn);
	return rc;
}

static int64_t count(orm_engine *engine, const char *sql)
{
	orm_conn *conn;
	orm_result *res;
	int64_t n = -1;

	assert_int_equal(orm_engine_connect(&conn, engine), ORM_OK);
	assert_int_equal(orm_conn_execute(&res, conn, sql, NULL, 0), ORM_OK);
	if (orm_result_next(res) == ORM_ROW)
		n = orm_result_int(res, 0);
	orm_result_free(res);
	orm_conn_close(conn);
	return n;
}

static void not_null__existing_rows_filled_then_column_refuses_null(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	const orm_revision *chain[] = {ch07_revisions[0], ch07_revisions[1], &ex7_2_user_name};
	orm_revisions *revs;
	int rc;
	(void)state;

	assert_int_equal(orm_revisions_new(&revs, chain, 3), ORM_OK);
	assert_int_equal(orm_migrate_upgrade(revs, engine, "9c7e5b2a1f04", NULL), ORM_OK);
	orm_test_exec(engine, "INSERT INTO users (id, email) VALUES (1, 'ada@example.com')");
	orm_test_exec(engine, "INSERT INTO users (id, email) VALUES (2, NULL)");

	rc = orm_migrate_upgrade(revs, engine, "head", NULL);
	if (rc < 0)
		fail_msg("upgrade on a table with rows: %s", orm_revisions_errmsg(revs));
	assert_int_equal(count(engine, "SELECT count(*) FROM users WHERE name = 'ada@example.com'"),
	                 1);
	assert_int_equal(count(engine, "SELECT count(*) FROM users WHERE name = 'unknown'"), 1);
	if (try_sql(engine, "INSERT INTO users (id, email) VALUES (3, 'grace@example.com')") ==
	    ORM_OK)
		fail_msg("users.name accepts NULL: it should be NOT NULL after the upgrade");

	assert_int_equal(orm_migrate_downgrade(revs, engine, "-1", NULL), ORM_OK);
	assert_int_not_equal(try_sql(engine, "SELECT name FROM users"), ORM_OK);
	assert_int_equal(count(engine, "SELECT count(*) FROM users"), 2);
	orm_revisions_free(revs);
	orm_engine_free(engine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(not_null__existing_rows_filled_then_column_refuses_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
