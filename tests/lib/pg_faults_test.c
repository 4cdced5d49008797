/*
 * pg_faults_test.c - a PostgreSQL server that restarts, kills a
 * connection or stops answering (issue 10). PostgreSQL only: SQLite has
 * no server to lose.
 *
 *   - a restart under a full idle pool: 0 units of work fail afterwards,
 *     since the pool finds and replaces the dead connections (pre-ping);
 *   - a restart under a running unit of work, and under a session with
 *     a flushed change: that one fails with ORM_ECONNECT, its connection
 *     is closed, the next one works;
 *   - a connection killed while idle is replaced the same way;
 *   - a backend that stops answering (SIGSTOP) fails the statement with
 *     ORM_ETIMEOUT soon after statement_timeout_ms, and the connection,
 *     abandoned, is closed rather than reused.
 *
 * Restarting needs the throwaway server of tests/pg_server.sh, whose
 * directory `./workbook test` passes in ORM_TEST_PG_DIR; with a server of
 * your own (ORM_TEST_POSTGRES_URL only) those two tests are skipped.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <cmocka.h>

#include "session_fixture.h"
#include "testdb.h"

static void check(orm_conn *c, int rc, const char *what)
{
	if (rc < 0)
		fail_msg("%s: %s (%s)", what, c ? orm_conn_errmsg(c) : orm_error_last(),
		         orm_strerror(rc));
}

static int64_t conn_int(orm_conn *c, const char *sql)
{
	orm_result *res;
	int64_t value;

	check(c, orm_conn_execute(&res, c, sql, NULL, 0), sql);
	assert_int_equal(orm_result_next(res), ORM_ROW);
	value = orm_result_int(res, 0);
	orm_result_free(res);
	return value;
}

static double ms_since(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1000.0 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/* Restarts the throwaway server; false (test skipped) without one. */
static bool restart_server(void)
{
	const char *dir = getenv("ORM_TEST_PG_DIR");
	char cmd[512];

	if (!dir || !*dir) {
		print_message("skipped: ORM_TEST_PG_DIR is not set (./workbook test sets it for "
		              "its own server; a server of yours is never restarted)\n");
		return false;
	}
	snprintf(cmd, sizeof cmd, "bash '%s' restart '%s'", ORM_PG_SERVER_SCRIPT, dir);
	assert_int_equal(system(cmd), 0);
	return true;
}

/* A unit of work: BEGIN, INSERT, SELECT, COMMIT on a connection of the
 * pool. ORM_OK or the first failure's code. */
static int unit_of_work(orm_engine *engine, int k)
{
	orm_conn *conn = NULL;
	orm_value v = orm_int(k);
	int rc;

	if ((rc = orm_engine_connect(&conn, engine)) < 0)
		return rc;
	if ((rc = orm_conn_begin(conn)) < 0 ||
	    (rc = orm_conn_execute(NULL, conn, "INSERT INTO units (k) VALUES (?)", &v, 1)) < 0 ||
	    (rc = orm_conn_execute(NULL, conn, "SELECT count(*) FROM units", NULL, 0)) < 0 ||
	    (rc = orm_conn_commit(conn)) < 0)
		print_message("unit %d: %s: %s\n", k, orm_strerror(rc), orm_conn_errmsg(conn));
	orm_conn_close(conn);
	return rc;
}

static orm_engine *units_engine(int pool_size)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *engine;

	options.pool_size = pool_size;
	options.pool_timeout_ms = 5000;
	engine = orm_test_engine(&options);
	orm_test_exec(engine, "CREATE TABLE units (k INTEGER)");
	return engine;
}

static void restart__full_idle_pool_loses_no_unit_of_work(void **state)
{
	orm_engine *engine;
	orm_conn *conns[4];
	int failed = 0;

	(void)state;
	engine = units_engine(4);
	/* Four connections open, used, and back in the pool. */
	for (int i = 0; i < 4; i++)
		check(NULL, orm_engine_connect(&conns[i], engine), "connect");
	for (int i = 0; i < 4; i++) {
		assert_int_equal(conn_int(conns[i], "SELECT 1"), 1);
		orm_conn_close(conns[i]);
	}
	if (!restart_server()) {
		orm_engine_free(engine);
		skip();
	}
	for (int k = 0; k < 20; k++)
		failed += unit_of_work(engine, k) < 0;
	print_message("units of work failed after a restart with 4 idle connections: %d of 20\n",
	              failed);
	assert_int_equal(failed, 0);
	orm_engine_free(engine);
}

static void restart__running_unit_of_work_fails_then_the_next_works(void **state)
{
	orm_engine *engine;
	orm_conn *conn;
	orm_value v = orm_int(1);

	(void)state;
	engine = units_engine(2);
	check(NULL, orm_engine_connect(&conn, engine), "connect");
	check(conn, orm_conn_begin(conn), "begin");
	check(conn, orm_conn_execute(NULL, conn, "INSERT INTO units (k) VALUES (?)", &v, 1),
	      "insert");
	if (!restart_server()) {
		orm_conn_close(conn);
		orm_engine_free(engine);
		skip();
	}
	/* The server went away mid-transaction: the caller is told so... */
	assert_int_equal(orm_conn_execute(NULL, conn, "SELECT count(*) FROM units", NULL, 0),
	                 ORM_ECONNECT);
	assert_int_equal(orm_conn_commit(conn), ORM_ECONNECT);
	orm_conn_close(conn);
	/* ...and the pool does not hand that connection out again. */
	assert_int_equal(unit_of_work(engine, 2), ORM_OK);
	check(NULL, orm_engine_connect(&conn, engine), "connect");
	/* The insert of the lost transaction is not there. */
	assert_int_equal(conn_int(conn, "SELECT count(*) FROM units WHERE k = 1"), 0);
	orm_conn_close(conn);
	orm_engine_free(engine);
}

static void restart__running_session_fails_once_then_the_next_works(void **state)
{
	static const orm_model *const models[] = {&User_model, &Event_model};
	bool restarted;
	int rc;

	(void)state;
	assert_int_equal(fixture_setup(models, 2, NULL), 0);
	ok(orm_session_add(fx.session, new_user("ada@example.com")));
	ok(orm_session_flush(fx.session)); /* sent, in a transaction still open */
	restarted = restart_server();
	if (restarted) {
		rc = orm_session_commit(fx.session);
		assert_int_equal(rc, ORM_ECONNECT);
		print_message("the session's commit: %s: %s\n", orm_strerror(rc),
		              orm_session_errmsg(fx.session));
		orm_session_close(fx.session);
		/* The next session gets a working connection, and the lost
		 * transaction's row is not there. */
		ok(orm_session_open(&fx.session, fx.maker));
		ok(orm_session_add(fx.session, new_user("grace@example.com")));
		ok(orm_session_commit(fx.session));
		assert_int_equal(count_rows("users"), 1);
	}
	fixture_teardown(NULL);
	if (!restarted)
		skip();
}

static void pool__connection_killed_while_idle_is_replaced(void **state)
{
	orm_engine *engine;
	orm_conn *victim, *killer;
	orm_value pid;

	(void)state;
	engine = units_engine(2);
	check(NULL, orm_engine_connect(&victim, engine), "connect");
	check(NULL, orm_engine_connect(&killer, engine), "connect");
	pid = orm_int(conn_int(victim, "SELECT pg_backend_pid()"));
	orm_conn_close(victim); /* idle in the pool */
	check(killer,
	      orm_conn_execute(NULL, killer, "SELECT pg_terminate_backend(?::integer)", &pid, 1),
	      "terminate");
	orm_conn_close(killer);
	/* Both pooled connections are handed out working; one is new. */
	assert_int_equal(unit_of_work(engine, 1), ORM_OK);
	assert_int_equal(unit_of_work(engine, 2), ORM_OK);
	check(NULL, orm_engine_connect(&victim, engine), "connect");
	check(NULL, orm_engine_connect(&killer, engine), "connect");
	assert_int_not_equal(conn_int(victim, "SELECT pg_backend_pid()"), pid.u.i);
	assert_int_not_equal(conn_int(killer, "SELECT pg_backend_pid()"), pid.u.i);
	orm_conn_close(victim);
	orm_conn_close(killer);
	orm_engine_free(engine);
}

/* Ends server process `pid` from another connection and waits until it
 * is gone. */
static void terminate_pid(orm_engine *engine, orm_value pid)
{
	orm_conn *killer;

	check(NULL, orm_engine_connect(&killer, engine), "connect");
	check(killer,
	      orm_conn_execute(NULL, killer, "SELECT pg_terminate_backend(?::integer)", &pid, 1),
	      "terminate");
	for (int i = 0; i < 200; i++) {
		orm_result *res;
		bool gone;

		check(killer,
		      orm_conn_execute(
		          &res, killer,
		          "SELECT count(*) FROM pg_stat_activity WHERE pid = ?::integer", &pid, 1),
		      "look");
		assert_int_equal(orm_result_next(res), ORM_ROW);
		gone = orm_result_int(res, 0) == 0;
		orm_result_free(res);
		if (gone)
			break;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	orm_conn_close(killer);
}

/* Ends `victim`'s server process (asking it its pid). */
static void terminate(orm_engine *engine, orm_conn *victim)
{
	terminate_pid(engine, orm_int(conn_int(victim, "SELECT pg_backend_pid()")));
}

/* BEGIN waits for the first statement to go out with it, but not on a
 * connection the server has closed: that BEGIN fails, as it always did. */
static void begin__fails_on_a_connection_killed_between_transactions(void **state)
{
	orm_engine *engine;
	orm_conn *conn;
	int rc;

	(void)state;
	engine = units_engine(2);
	check(NULL, orm_engine_connect(&conn, engine), "connect");
	terminate(engine, conn);
	rc = orm_conn_begin(conn);
	print_message("BEGIN on a killed connection: %s: %s\n", orm_strerror(rc),
	              orm_conn_errmsg(conn));
	assert_int_equal(rc, ORM_ECONNECT);
	assert_non_null(strstr(orm_conn_errmsg(conn), "terminating connection"));
	assert_null(strchr(orm_conn_errmsg(conn), '\n'));
	assert_false(orm_conn_in_transaction(conn));
	orm_conn_close(conn);
	assert_int_equal(unit_of_work(engine, 1), ORM_OK);
	orm_engine_free(engine);
}

/* Killed after BEGIN: the first statement, which carries BEGIN, fails with
 * the server's words, and the connection is not handed out again. */
static void begin__killed_before_the_first_statement_fails_that_statement(void **state)
{
	orm_engine *engine;
	orm_conn *conn;
	orm_value v = orm_int(1);
	int rc;

	(void)state;
	engine = units_engine(2);
	check(NULL, orm_engine_connect(&conn, engine), "connect");
	(void)conn_int(conn, "SELECT 1"); /* prepared before */
	check(conn, orm_conn_begin(conn), "begin");
	terminate(engine, conn);
	rc = orm_conn_execute(NULL, conn, "INSERT INTO units (k) VALUES (?)", &v, 1);
	print_message("the first statement after BEGIN on a killed connection: %s: %s\n",
	              orm_strerror(rc), orm_conn_errmsg(conn));
	assert_int_equal(rc, ORM_ECONNECT);
	assert_true(orm_conn_errmsg(conn)[0] != '\0');
	assert_null(strchr(orm_conn_errmsg(conn), '\n'));
	(void)orm_conn_rollback(conn);
	orm_conn_close(conn);
	assert_int_equal(unit_of_work(engine, 2), ORM_OK);
	check(NULL, orm_engine_connect(&conn, engine), "connect");
	assert_int_equal(conn_int(conn, "SELECT count(*) FROM units WHERE k = 1"), 0);
	orm_conn_close(conn);
	orm_engine_free(engine);
}

/* ROLLBACK is sent without waiting for its answer, which is read before
 * the connection's next command: a connection lost meanwhile fails that
 * command, and the pool replaces it. */
static void rollback__connection_lost_after_it_fails_the_next_command(void **state)
{
	orm_engine *engine;
	orm_conn *conn;
	orm_value v = orm_int(1), pid;
	int rc;

	(void)state;
	engine = units_engine(2);
	check(NULL, orm_engine_connect(&conn, engine), "connect");
	pid = orm_int(conn_int(conn, "SELECT pg_backend_pid()"));
	check(conn, orm_conn_begin(conn), "begin");
	check(conn, orm_conn_execute(NULL, conn, "INSERT INTO units (k) VALUES (?)", &v, 1),
	      "insert");
	check(conn, orm_conn_rollback(conn), "rollback");
	terminate_pid(engine, pid);
	rc = orm_conn_execute(NULL, conn, "SELECT 1", NULL, 0);
	print_message("the next command after ROLLBACK on a killed connection: %s: %s\n",
	              orm_strerror(rc), orm_conn_errmsg(conn));
	assert_int_equal(rc, ORM_ECONNECT);
	assert_true(orm_conn_errmsg(conn)[0] != '\0');
	assert_null(strchr(orm_conn_errmsg(conn), '\n'));
	orm_conn_close(conn);
	assert_int_equal(unit_of_work(engine, 2), ORM_OK);
	check(NULL, orm_engine_connect(&conn, engine), "connect");
	assert_int_equal(conn_int(conn, "SELECT count(*) FROM units WHERE k = 1"), 0);
	orm_conn_close(conn);
	orm_engine_free(engine);
}

static pid_t stopped_backend;

static void timeout__stalled_backend_times_out_and_is_abandoned(void **state)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *engine;
	orm_conn *conn;
	struct timespec start;
	double took;

	(void)state;
	options.statement_timeout_ms = 300;
	options.pool_size = 1;
	engine = orm_test_engine(&options);
	check(NULL, orm_engine_connect(&conn, engine), "connect");
	stopped_backend = (pid_t)conn_int(conn, "SELECT pg_backend_pid()");
	/* The server process stops answering: it cannot time out itself. */
	assert_int_equal(kill(stopped_backend, SIGSTOP), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(orm_conn_execute(NULL, conn, "SELECT 1", NULL, 0), ORM_ETIMEOUT);
	took = ms_since(&start);
	print_message("a stalled backend: ORM_ETIMEOUT after %.0f ms (statement_timeout_ms=300)\n",
	              took);
	assert_string_equal(orm_conn_errmsg(conn),
	                    "the statement ran past statement_timeout_ms (300 ms) and the server "
	                    "answered neither it nor a cancel request: the connection is "
	                    "abandoned");
	if (took < 300 || took > 2500)
		fail_msg("timed out after %.0f ms, for a 300 ms timeout", took);
	/* Abandoned: never read again, closed when given back. */
	assert_int_equal(orm_conn_execute(NULL, conn, "SELECT 1", NULL, 0), ORM_ECONNECT);
	orm_conn_close(conn);
	kill(stopped_backend, SIGCONT);
	stopped_backend = 0;
	check(NULL, orm_engine_connect(&conn, engine), "connect again");
	assert_int_equal(conn_int(conn, "SELECT 2"), 2);
	orm_conn_close(conn);
	orm_engine_free(engine);
}

/* The same for many rows sent at once (pipeline mode, the session's
 * flush): the batch times out and the connection is abandoned. */
static void timeout__stalled_backend_times_out_a_batch(void **state)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_value rows[] = {orm_int(1), orm_int(2), orm_int(3)};
	const char *sql = "SELECT ?::integer";
	orm_engine *engine;
	orm_conn *conn;
	struct timespec start;
	double took;

	(void)state;
	options.statement_timeout_ms = 300;
	options.pool_size = 1;
	engine = orm_test_engine(&options);
	check(NULL, orm_engine_connect(&conn, engine), "connect");
	/* Prepared while the server answers, so the batch reuses it. */
	check(conn, orm_conn_execute(NULL, conn, sql, rows, 1), "prepare");
	stopped_backend = (pid_t)conn_int(conn, "SELECT pg_backend_pid()");
	assert_int_equal(kill(stopped_backend, SIGSTOP), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(orm_conn_execute_many(conn, sql, rows, 1, 3, NULL, NULL), ORM_ETIMEOUT);
	took = ms_since(&start);
	print_message("a stalled backend, a batch of 3: ORM_ETIMEOUT after %.0f ms\n", took);
	if (took < 300 || took > 2500)
		fail_msg("timed out after %.0f ms, for a 300 ms timeout", took);
	assert_int_equal(orm_conn_execute(NULL, conn, "SELECT 1", NULL, 0), ORM_ECONNECT);
	orm_conn_close(conn);
	kill(stopped_backend, SIGCONT);
	stopped_backend = 0;
	check(NULL, orm_engine_connect(&conn, engine), "connect again");
	check(conn, orm_conn_execute_many(conn, sql, rows, 1, 3, NULL, NULL), "a batch again");
	orm_conn_close(conn);
	orm_engine_free(engine);
}

static int teardown(void **state)
{
	(void)state;
	if (stopped_backend)
		kill(stopped_backend, SIGCONT);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(restart__full_idle_pool_loses_no_unit_of_work, teardown),
	    cmocka_unit_test_teardown(restart__running_unit_of_work_fails_then_the_next_works,
	                              teardown),
	    cmocka_unit_test_teardown(restart__running_session_fails_once_then_the_next_works,
	                              teardown),
	    cmocka_unit_test_teardown(pool__connection_killed_while_idle_is_replaced, teardown),
	    cmocka_unit_test_teardown(begin__fails_on_a_connection_killed_between_transactions,
	                              teardown),
	    cmocka_unit_test_teardown(begin__killed_before_the_first_statement_fails_that_statement,
	                              teardown),
	    cmocka_unit_test_teardown(rollback__connection_lost_after_it_fails_the_next_command,
	                              teardown),
	    cmocka_unit_test_teardown(timeout__stalled_backend_times_out_and_is_abandoned,
	                              teardown),
	    cmocka_unit_test_teardown(timeout__stalled_backend_times_out_a_batch, teardown),
	};

	orm_test_url(); /* exits 77 (skipped) without a server */
	return cmocka_run_group_tests_name("pg_faults", tests, NULL, NULL);
}
