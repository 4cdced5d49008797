/*
 * timeout_test.c - statement_timeout_ms and read-only databases, on
 * SQLite and PostgreSQL from one source (issue 10).
 *
 *   - a statement that runs too long fails with ORM_ETIMEOUT soon after
 *     the timeout (SQLite: the progress handler; PostgreSQL: the server's
 *     statement_timeout), and the connection works afterwards;
 *   - without a timeout, nothing is cut short;
 *   - a write to a read-only database (SQLite: a file opened ?mode=ro;
 *     PostgreSQL: a READ ONLY transaction) is ORM_EREADONLY on both.
 * (A server that stops answering altogether is in pg_faults_test.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "testdb.h"

static void ok(orm_conn *c, int rc, const char *what)
{
	if (rc < 0)
		fail_msg("%s: %s (%s)", what, c ? orm_conn_errmsg(c) : orm_error_last(),
		         orm_strerror(rc));
}

static double ms_since(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1000.0 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/* A statement that runs for seconds: counting to 30 million on SQLite,
 * sleeping on PostgreSQL. */
static const char *slow_sql(void)
{
	return orm_test_is_postgres() ? "SELECT pg_sleep(3)"
	                              : "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
	                                "FROM c WHERE x < 30000000) SELECT count(*) FROM c";
}

static void timeout__slow_statement_fails_soon_after_the_timeout(void **state)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *engine;
	orm_conn *conn;
	orm_result *res = NULL;
	struct timespec start;
	double took;
	int rc;

	(void)state;
	options.statement_timeout_ms = 200;
	engine = orm_test_engine(&options);
	ok(NULL, orm_engine_connect(&conn, engine), "connect");
	clock_gettime(CLOCK_MONOTONIC, &start);
	rc = orm_conn_execute(&res, conn, slow_sql(), NULL, 0);
	took = ms_since(&start);
	assert_int_equal(rc, ORM_ETIMEOUT);
	assert_null(res);
	print_message("%s: ORM_ETIMEOUT after %.0f ms (statement_timeout_ms=200): %s\n",
	              orm_test_database(), took, orm_conn_errmsg(conn));
	if (took < 190 || took > 1500)
		fail_msg("timed out after %.0f ms, for a 200 ms timeout", took);
	/* The connection is usable again, in a transaction too. */
	ok(conn, orm_conn_begin(conn), "begin");
	ok(conn, orm_conn_execute(&res, conn, "SELECT 7", NULL, 0), "select");
	assert_int_equal(orm_result_next(res), ORM_ROW);
	assert_int_equal(orm_result_int(res, 0), 7);
	orm_result_free(res);
	/* A timeout inside a transaction: the transaction is lost, the
	 * connection is not (rollback, then work again). */
	assert_int_equal(orm_conn_execute(NULL, conn, slow_sql(), NULL, 0), ORM_ETIMEOUT);
	(void)orm_conn_rollback(conn);
	ok(conn, orm_conn_execute(NULL, conn, "SELECT 1", NULL, 0), "after a rollback");
	/* Many rows at once (the session's flush; pipeline mode on
	 * PostgreSQL) are bounded too. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(orm_conn_execute_many(conn, slow_sql(), NULL, 0, 2, NULL, NULL),
	                 ORM_ETIMEOUT);
	if ((took = ms_since(&start)) > 1500)
		fail_msg("a batch timed out after %.0f ms, for a 200 ms timeout", took);
	ok(conn, orm_conn_execute(NULL, conn, "SELECT 1", NULL, 0), "after a batch");
	orm_conn_close(conn);
	/* Given back, it is handed out again and works. */
	ok(NULL, orm_engine_connect(&conn, engine), "connect again");
	ok(conn, orm_conn_execute(NULL, conn, "SELECT 1", NULL, 0), "select again");
	orm_conn_close(conn);
	orm_engine_free(engine);
}

static void timeout__zero_means_no_limit(void **state)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *engine;
	orm_conn *conn;

	(void)state;
	options.statement_timeout_ms = 0;
	engine = orm_test_engine(&options);
	ok(NULL, orm_engine_connect(&conn, engine), "connect");
	ok(conn,
	   orm_conn_execute(NULL, conn,
	                    orm_test_is_postgres()
	                        ? "SELECT pg_sleep(0.3)"
	                        : "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
	                          "WHERE x < 300000) SELECT count(*) FROM c",
	                    NULL, 0),
	   "a statement of a few hundred ms");
	orm_conn_close(conn);
	orm_engine_free(engine);
}

static void readonly__write_is_ereadonly_on_both_databases(void **state)
{
	orm_engine *engine = orm_test_engine(NULL), *reader = NULL;
	orm_conn *conn;
	char url[256];

	(void)state;
	orm_test_exec(engine, "CREATE TABLE notes (body TEXT)");
	if (orm_test_is_postgres()) {
		ok(NULL, orm_engine_connect(&conn, engine), "connect");
		ok(conn, orm_conn_begin(conn), "begin");
		ok(conn, orm_conn_execute(NULL, conn, "SET TRANSACTION READ ONLY", NULL, 0),
		   "read only");
	} else {
		snprintf(url, sizeof url, "%s?mode=ro", orm_test_url());
		ok(NULL, orm_create_engine(&reader, url, NULL), "create_engine");
		ok(NULL, orm_engine_connect(&conn, reader), "connect");
		ok(conn, orm_conn_begin(conn), "begin");
	}
	ok(conn, orm_conn_execute(NULL, conn, "SELECT count(*) FROM notes", NULL, 0), "read");
	assert_int_equal(
	    orm_conn_execute(NULL, conn, "INSERT INTO notes (body) VALUES ('x')", NULL, 0),
	    ORM_EREADONLY);
	print_message("%s: ORM_EREADONLY: %s\n", orm_test_database(), orm_conn_errmsg(conn));
	ok(conn, orm_conn_rollback(conn), "rollback");
	orm_conn_close(conn);
	orm_engine_free(reader);
	orm_engine_free(engine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(timeout__slow_statement_fails_soon_after_the_timeout),
	    cmocka_unit_test(timeout__zero_means_no_limit),
	    cmocka_unit_test(readonly__write_is_ereadonly_on_both_databases),
	};

	orm_test_url();
	return cmocka_run_group_tests_name(orm_test_database(), tests, NULL, NULL);
}
