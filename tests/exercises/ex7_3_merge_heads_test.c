/*
 * ex7_3_merge_heads_test.c - the test of exercise 7.3, merge_heads (BOOK.md, chapter 7).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE): the shipped chain, both pairs'
 * revisions and the learner's merge must form a graph with one head; `upgrade head` must
 * run both pairs' revisions and leave one row in the version table; `downgrade -1` from
 * the merge gives the two heads back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex7_3_merge_heads.h"
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

static void merge_heads__one_head_runs_both_branches(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	const orm_revision *chain[] = {ch07_revisions[0], ch07_revisions[1], &ex7_3_pair_a,
	                               &ex7_3_pair_b, &ex7_3_merge};
	orm_revisions *revs;
	size_t nheads;
	char **current;
	size_t ncurrent;
	(void)state;

	assert_int_equal(orm_revisions_new(&revs, chain, 5), ORM_OK);
	orm_revisions_heads(revs, &nheads);
	if (nheads != 1)
		fail_msg("the graph has %zu heads, not one: the merge must follow both pairs' "
		         "revisions",
		         nheads);
	if (orm_migrate_upgrade(revs, engine, "head", NULL) < 0)
		fail_msg("upgrade head: %s", orm_revisions_errmsg(revs));
	assert_int_equal(try_sql(engine, "SELECT location, capacity FROM events"), ORM_OK);
	assert_int_equal(orm_migrate_current(&current, &ncurrent, revs, engine), ORM_OK);
	assert_int_equal(ncurrent, 1);
	assert_string_equal(current[0], "3e43e3e43e43");
	orm_migrate_current_free(current, ncurrent);

	assert_int_equal(orm_migrate_downgrade(revs, engine, "-1", NULL), ORM_OK);
	assert_int_equal(orm_migrate_current(&current, &ncurrent, revs, engine), ORM_OK);
	assert_int_equal(ncurrent, 2);
	assert_string_equal(current[0], "a1a1a1a1a1a1");
	assert_string_equal(current[1], "b2b2b2b2b2b2");
	orm_migrate_current_free(current, ncurrent);
	orm_revisions_free(revs);
	orm_engine_free(engine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(merge_heads__one_head_runs_both_branches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
