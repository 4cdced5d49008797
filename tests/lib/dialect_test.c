/*
 * dialect_test.c - what the dialects do for speed, checked to change
 * nothing that can be seen, on SQLite and on PostgreSQL from this source:
 *
 *   - a whole row read at once (dialect.h's row(), through
 *     orm_result_values) gives what column() gives value by value, for
 *     every type, NULL and the empty text included;
 *   - a transaction's BEGIN (which PostgreSQL sends with the first
 *     statement) still fails, commits and rolls back where it did: a
 *     failed first statement, a failed batch, an empty transaction, a
 *     COMMIT refused by a deferred foreign key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine_internal.h"
#include "testdb.h"

static orm_engine *engine;
static orm_conn *conn;

static int setup(void **state)
{
	(void)state;
	engine = orm_test_engine(NULL);
	if (orm_engine_connect(&conn, engine) < 0) {
		fprintf(stderr, "connecting: %s\n", orm_errmsg(engine));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	orm_conn_close(conn);
	orm_engine_free(engine);
	conn = NULL;
	engine = NULL;
	return 0;
}

static void ok(int rc, const char *what)
{
	if (rc < 0)
		fail_msg("%s: %s (%s)", what, orm_conn_errmsg(conn), orm_strerror(rc));
}

static void run(const char *sql)
{
	ok(orm_conn_execute(NULL, conn, sql, NULL, 0), sql);
}

static int64_t count(const char *table)
{
	char sql[128];
	orm_result *res;
	int64_t n;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	ok(orm_conn_execute(&res, conn, sql, NULL, 0), sql);
	assert_int_equal(orm_result_next(res), ORM_ROW);
	n = orm_result_int(res, 0);
	orm_result_free(res);
	return n;
}

/* The same value, read two ways: type and contents. */
static void assert_same(const orm_value *a, const orm_value *b, int col)
{
	if (a->type != b->type)
		fail_msg("column %d: type %d read as a row, %d alone", col, (int)a->type,
		         (int)b->type);
	switch (a->type) {
	case ORM_TYPE_NULL:
		break;
	case ORM_TYPE_INT:
		assert_int_equal(a->u.i, b->u.i);
		break;
	case ORM_TYPE_FLOAT:
		assert_true(a->u.f == b->u.f);
		break;
	case ORM_TYPE_BOOL:
		assert_int_equal(a->u.b, b->u.b);
		break;
	case ORM_TYPE_TEXT:
	case ORM_TYPE_DATE:
	case ORM_TYPE_DATETIME:
		assert_int_equal(a->u.s.len, b->u.s.len);
		assert_memory_equal(a->u.s.ptr, b->u.s.ptr, a->u.s.len);
		assert_int_equal(a->u.s.ptr[a->u.s.len], '\0');
		break;
	}
}

/* ---- A row at once ----------------------------------------------------- */

static void row__reads_every_type_as_column_does(void **state)
{
	static const orm_type want[][7] = {
	    {ORM_TYPE_INT, ORM_TYPE_INT, ORM_TYPE_FLOAT, ORM_TYPE_BOOL, ORM_TYPE_TEXT,
	     ORM_TYPE_DATE, ORM_TYPE_DATETIME},
	    {ORM_TYPE_INT, ORM_TYPE_INT, ORM_TYPE_FLOAT, ORM_TYPE_BOOL, ORM_TYPE_TEXT,
	     ORM_TYPE_DATE, ORM_TYPE_DATETIME},
	    {ORM_TYPE_INT, ORM_TYPE_NULL, ORM_TYPE_NULL, ORM_TYPE_NULL, ORM_TYPE_NULL,
	     ORM_TYPE_NULL, ORM_TYPE_NULL},
	};
	orm_value row[7], alone;
	orm_result *res;
	int n = 0;

	(void)state;
	run("CREATE TABLE kinds (id INTEGER PRIMARY KEY, big BIGINT, f FLOAT, b BOOLEAN,"
	    " t VARCHAR(20), d DATE, dt TIMESTAMP)");
	run("INSERT INTO kinds VALUES (1, -9223372036854775807, 2.5, TRUE, 'ada', '2024-05-01',"
	    " '2024-05-01 10:30:00')");
	/* The empty text is not NULL, nor is zero, false or 0.0. */
	run("INSERT INTO kinds VALUES (2, 0, 0.0, FALSE, '', '1999-12-31', '1999-12-31 23:59:59')");
	run("INSERT INTO kinds (id) VALUES (3)");
	ok(orm_conn_execute(&res, conn, "SELECT id, big, f, b, t, d, dt FROM kinds ORDER BY id",
	                    NULL, 0),
	   "select");
	while (orm_result_next(res) == ORM_ROW) {
		orm_result_values(row, res, 0, 7);
		for (int col = 0; col < 7; col++) {
			alone = orm_result_value(res, col);
			assert_same(&row[col], &alone, col);
			assert_int_equal(row[col].type, want[n][col]);
		}
		/* A part of the row, as a joined load reads one model's columns. */
		orm_result_values(row, res, 4, 3);
		for (int col = 4; col < 7; col++) {
			alone = orm_result_value(res, col);
			assert_same(&row[col - 4], &alone, col);
		}
		n++;
	}
	assert_int_equal(n, 3);
	/* Past the last row: every column reads as NULL. */
	orm_result_values(row, res, 0, 7);
	for (int col = 0; col < 7; col++)
		assert_int_equal(row[col].type, ORM_TYPE_NULL);
	orm_result_free(res);
}

static void row__values_match_the_inserted_ones(void **state)
{
	orm_value row[4];
	orm_result *res;

	(void)state;
	run("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(20), age INTEGER,"
	    " born DATE)");
	run("INSERT INTO people VALUES (7, 'grace', 85, '1906-12-09')");
	ok(orm_conn_execute(&res, conn, "SELECT id, name, age, born FROM people", NULL, 0),
	   "select");
	assert_int_equal(orm_result_next(res), ORM_ROW);
	orm_result_values(row, res, 0, 4);
	assert_int_equal(row[0].u.i, 7);
	assert_string_equal(row[1].u.s.ptr, "grace");
	assert_int_equal(row[1].u.s.len, 5);
	assert_int_equal(row[2].u.i, 85);
	assert_int_equal(row[3].type, ORM_TYPE_DATE);
	assert_string_equal(row[3].u.s.ptr, "1906-12-09");
	orm_result_free(res);
}

/* ---- BEGIN sent with the first statement ------------------------------- */

static void begin__a_failed_first_statement_reports_its_own_error(void **state)
{
	(void)state;
	run("CREATE TABLE t (k INTEGER PRIMARY KEY)");
	ok(orm_conn_begin(conn), "begin");
	assert_int_equal(orm_conn_execute(NULL, conn, "SELECT * FROM no_such_table", NULL, 0),
	                 ORM_ESQL);
	assert_string_equal(orm_conn_errmsg(conn), orm_test_is_postgres()
	                                               ? "relation \"no_such_table\" does not exist"
	                                               : "no such table: no_such_table");
	ok(orm_conn_rollback(conn), "rollback");
	/* The connection goes on: a new transaction, and its statements. */
	ok(orm_conn_begin(conn), "begin again");
	run("INSERT INTO t (k) VALUES (1)");
	ok(orm_conn_commit(conn), "commit");
	assert_int_equal(count("t"), 1);
}

static void begin__an_empty_transaction_commits_and_rolls_back(void **state)
{
	(void)state;
	ok(orm_conn_begin(conn), "begin");
	ok(orm_conn_commit(conn), "commit");
	ok(orm_conn_begin(conn), "begin");
	ok(orm_conn_rollback(conn), "rollback");
	assert_false(orm_conn_in_transaction(conn));
	/* Nothing was left open: DDL and a count work outside a transaction. */
	run("CREATE TABLE t (k INTEGER)");
	assert_int_equal(count("t"), 0);
}

static void begin__rolls_back_what_the_first_statement_wrote(void **state)
{
	(void)state;
	run("CREATE TABLE t (k INTEGER)");
	ok(orm_conn_begin(conn), "begin");
	run("INSERT INTO t (k) VALUES (1)");
	ok(orm_conn_rollback(conn), "rollback");
	assert_int_equal(count("t"), 0);
}

static void begin__then_a_batch_commits_or_fails_whole(void **state)
{
	orm_value good[] = {orm_int(1), orm_int(2), orm_int(3)};
	orm_value bad[] = {orm_int(4), orm_int(1), orm_int(5)};

	(void)state;
	run("CREATE TABLE t (k INTEGER PRIMARY KEY)");
	ok(orm_conn_begin(conn), "begin");
	ok(orm_conn_execute_many(conn, "INSERT INTO t (k) VALUES (?)", good, 1, 3, NULL, NULL),
	   "batch");
	ok(orm_conn_commit(conn), "commit");
	assert_int_equal(count("t"), 3);

	ok(orm_conn_begin(conn), "begin");
	assert_int_equal(
	    orm_conn_execute_many(conn, "INSERT INTO t (k) VALUES (?)", bad, 1, 3, NULL, NULL),
	    ORM_ECONSTRAINT);
	assert_non_null(strstr(orm_conn_errmsg(conn), orm_test_is_postgres()
	                                                  ? "duplicate key value"
	                                                  : "UNIQUE constraint failed"));
	ok(orm_conn_rollback(conn), "rollback");
	assert_int_equal(count("t"), 3);
}

static void commit__refused_by_a_deferred_key_says_so_in_one_line(void **state)
{
	(void)state;
	run("CREATE TABLE parents (id INTEGER PRIMARY KEY)");
	run("CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES "
	    "parents(id) DEFERRABLE INITIALLY DEFERRED)");
	ok(orm_conn_begin(conn), "begin");
	run("INSERT INTO children (id, parent_id) VALUES (1, 99)");
	assert_int_equal(orm_conn_commit(conn), ORM_ECONSTRAINT);
	assert_null(strchr(orm_conn_errmsg(conn), '\n'));
	if (orm_test_is_postgres())
		assert_string_equal(orm_conn_errmsg(conn),
		                    "insert or update on table \"children\" violates foreign key "
		                    "constraint \"children_parent_id_fkey\" DETAIL: Key "
		                    "(parent_id)=(99) is not present in table \"parents\".");
	else
		assert_string_equal(orm_conn_errmsg(conn), "FOREIGN KEY constraint failed");
	assert_int_equal(count("children"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(row__reads_every_type_as_column_does, setup, teardown),
	    cmocka_unit_test_setup_teardown(row__values_match_the_inserted_ones, setup, teardown),
	    cmocka_unit_test_setup_teardown(begin__a_failed_first_statement_reports_its_own_error,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(begin__an_empty_transaction_commits_and_rolls_back,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(begin__rolls_back_what_the_first_statement_wrote, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(begin__then_a_batch_commits_or_fails_whole, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(commit__refused_by_a_deferred_key_says_so_in_one_line,
	                                    setup, teardown),
	};

	return cmocka_run_group_tests_name(orm_test_database(), tests, NULL, NULL);
}
