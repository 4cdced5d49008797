/*
 * ex7_1_hand_written_test.c - the test of exercise 7.1, hand_written (BOOK.md, chapter 7).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE): chapter 7's shipped revisions
 * plus the learner's, upgraded to head (the column is there, rows keep their values),
 * then downgraded one step: the column must be gone and the rows still there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex7_1_hand_written.h"
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

static void migrated(int rc, orm_revisions *revs)
{
	if (rc < 0)
		fail_msg("%s: %s", orm_strerror(rc), orm_revisions_errmsg(revs));
}

static void hand_written__downgrade_undoes_upgrade(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	const orm_revision *chain[] = {ch07_revisions[0], ch07_revisions[1],
	                               &ex7_1_add_description};
	orm_revisions *revs;
	(void)state;

	assert_int_equal(orm_revisions_new(&revs, chain, 3), ORM_OK);
	migrated(orm_migrate_upgrade(revs, engine, "9c7e5b2a1f04", NULL), revs);
	orm_test_exec(engine, "INSERT INTO events (id, title) VALUES (1, 'tea')");

	migrated(orm_migrate_upgrade(revs, engine, "head", NULL), revs);
	assert_int_equal(try_sql(engine, "UPDATE events SET description = 'with Grace'"), ORM_OK);

	migrated(orm_migrate_downgrade(revs, engine, "-1", NULL), revs);
	if (try_sql(engine, "SELECT description FROM events") == ORM_OK)
		fail_msg("after downgrade -1, events still has the column description");
	assert_int_equal(try_sql(engine, "SELECT title FROM events WHERE title = 'tea'"), ORM_OK);

	/* And up again: the downgrade left nothing in the way. */
	migrated(orm_migrate_upgrade(revs, engine, "head", NULL), revs);
	orm_revisions_free(revs);
	orm_engine_free(engine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hand_written__downgrade_undoes_upgrade),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
