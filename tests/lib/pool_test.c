/*
 * pool_test.c - the engine's connection pool, on SQLite and PostgreSQL:
 * idle connections are reused and come back clean, the pool never grows
 * past its size, a caller waits at most pool_timeout_ms, threads share one
 * engine, and an in-memory SQLite database is one connection.
 */
#include <pthread.h>
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

static int64_t query_int(orm_conn *c, const char *sql)
{
	orm_result *res;
	int64_t value;

	ok(c, orm_conn_execute(&res, c, sql, NULL, 0), sql);
	assert_int_equal(orm_result_next(res), ORM_ROW);
	value = orm_result_int(res, 0);
	orm_result_free(res);
	return value;
}

static orm_engine *pool_engine(int size, int timeout_ms)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;

	options.pool_size = size;
	options.pool_timeout_ms = timeout_ms;
	return orm_test_engine(&options);
}

static double elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1000.0 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

static void pool__reuses_an_idle_connection(void **state)
{
	orm_engine *engine = pool_engine(5, 1000);
	orm_conn *a, *b;

	(void)state;
	ok(NULL, orm_engine_connect(&a, engine), "connect");
	/* A temporary table lives exactly as long as its connection. */
	ok(a, orm_conn_execute(NULL, a, "CREATE TEMPORARY TABLE mine (x INTEGER)", NULL, 0),
	   "create temp");
	orm_conn_close(a);
	ok(NULL, orm_engine_connect(&b, engine), "connect again");
	assert_ptr_equal(a, b);
	assert_int_equal(query_int(b, "SELECT count(*) FROM mine"), 0);
	orm_conn_close(b);
	orm_engine_free(engine);
}

static void pool__connection_comes_back_clean(void **state)
{
	orm_engine *engine = pool_engine(1, 1000);
	orm_conn *c;

	(void)state;
	ok(NULL, orm_engine_connect(&c, engine), "connect");
	ok(c, orm_conn_execute(NULL, c, "CREATE TABLE t (x INTEGER)", NULL, 0), "create");
	ok(c, orm_conn_begin(c), "begin");
	ok(c, orm_conn_execute(NULL, c, "INSERT INTO t VALUES (1)", NULL, 0), "insert");
	assert_true(orm_conn_execute(NULL, c, "SELECT nosuch FROM t", NULL, 0) < 0);
	orm_conn_close(c);

	ok(NULL, orm_engine_connect(&c, engine), "connect again");
	assert_false(orm_conn_in_transaction(c));
	assert_string_equal(orm_conn_errmsg(c), "");
	assert_int_equal(orm_conn_changes(c), 0);
	assert_int_equal(query_int(c, "SELECT count(*) FROM t"), 0);
	assert_ptr_equal(orm_conn_engine(c), engine);
	orm_conn_close(c);
	orm_engine_free(engine);
}

static void pool__exhausted_pool_is_busy_after_the_timeout(void **state)
{
	orm_engine *engine = pool_engine(2, 50);
	orm_conn *a, *b, *c = (orm_conn *)1;
	struct timespec start;
	double waited;

	(void)state;
	ok(NULL, orm_engine_connect(&a, engine), "first");
	ok(NULL, orm_engine_connect(&b, engine), "second");
	assert_ptr_not_equal(a, b);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(orm_engine_connect(&c, engine), ORM_EBUSY);
	waited = elapsed_ms(&start);
	assert_null(c);
	assert_string_equal(orm_errmsg(engine),
	                    "connection pool of size 2 exhausted after waiting 50 ms");
	assert_string_equal(orm_error_last(), orm_errmsg(engine));
	if (waited < 45 || waited > 5000)
		fail_msg("waited %.0f ms for a 50 ms pool timeout", waited);

	/* One back, one out again. */
	orm_conn_close(b);
	ok(NULL, orm_engine_connect(&c, engine), "after a close");
	assert_ptr_equal(c, b);
	orm_conn_close(a);
	orm_conn_close(c);
	orm_engine_free(engine);
}

static void pool__zero_timeout_does_not_wait(void **state)
{
	orm_engine *engine = pool_engine(1, 0);
	orm_conn *a, *b;

	(void)state;
	ok(NULL, orm_engine_connect(&a, engine), "first");
	assert_int_equal(orm_engine_connect(&b, engine), ORM_EBUSY);
	assert_string_equal(orm_errmsg(engine),
	                    "connection pool of size 1 exhausted after waiting 0 ms");
	orm_conn_close(a);
	orm_engine_free(engine);
}

struct late_return {
	orm_conn *conn;
	int delay_ms;
};

static void *return_later(void *arg)
{
	struct late_return *lr = arg;
	struct timespec delay = {0, (long)lr->delay_ms * 1000000L};

	nanosleep(&delay, NULL);
	orm_conn_close(lr->conn);
	return NULL;
}

static void pool__waiter_gets_a_returned_connection(void **state)
{
	orm_engine *engine = pool_engine(1, 10000);
	struct late_return lr = {NULL, 100};
	orm_conn *c;
	pthread_t thread;
	struct timespec start;

	(void)state;
	ok(NULL, orm_engine_connect(&lr.conn, engine), "first");
	assert_int_equal(pthread_create(&thread, NULL, return_later, &lr), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	ok(NULL, orm_engine_connect(&c, engine), "waiting for the first");
	assert_true(elapsed_ms(&start) < 5000);
	pthread_join(thread, NULL);
	assert_ptr_equal(c, lr.conn);
	orm_conn_close(c);
	orm_engine_free(engine);
}

enum { THREADS = 4, ROUNDS = 25 };

static void *insert_rows(void *arg)
{
	orm_engine *engine = arg;
	intptr_t failures = 0;

	for (int i = 0; i < ROUNDS; i++) {
		orm_conn *c;

		if (orm_engine_connect(&c, engine) < 0) {
			failures++;
			continue;
		}
		if (orm_conn_begin(c) < 0 ||
		    orm_conn_execute(NULL, c, "INSERT INTO hits (n) VALUES (?)",
		                     (orm_value[]){orm_int(i)}, 1) < 0 ||
		    orm_conn_commit(c) < 0) {
			fprintf(stderr, "insert: %s\n", orm_conn_errmsg(c));
			failures++;
		}
		orm_conn_close(c);
	}
	return (void *)failures;
}

static void pool__threads_share_one_engine(void **state)
{
	orm_engine *engine = pool_engine(2, 30000);
	pthread_t threads[THREADS];
	orm_conn *c;

	(void)state;
	orm_test_exec(engine, "CREATE TABLE hits (n INTEGER)");
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, insert_rows, engine), 0);
	for (int i = 0; i < THREADS; i++) {
		void *failures;

		pthread_join(threads[i], &failures);
		assert_int_equal((intptr_t)failures, 0);
	}
	ok(NULL, orm_engine_connect(&c, engine), "connect");
	assert_int_equal(query_int(c, "SELECT count(*) FROM hits"), THREADS * ROUNDS);
	orm_conn_close(c);
	orm_engine_free(engine);
}

static void pool__memory_database_is_one_connection(void **state)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *engine;
	orm_conn *a, *b;

	(void)state;
	if (orm_test_is_postgres())
		skip(); /* an SQLite matter */
	options.pool_size = 5;
	options.pool_timeout_ms = 0;
	assert_int_equal(orm_create_engine(&engine, "sqlite:///:memory:", &options), ORM_OK);
	ok(NULL, orm_engine_connect(&a, engine), "connect");
	ok(a, orm_conn_execute(NULL, a, "CREATE TABLE t (x INTEGER)", NULL, 0), "create");
	ok(a, orm_conn_execute(NULL, a, "INSERT INTO t VALUES (7)", NULL, 0), "insert");
	/* A second connection would be a second, empty database: there is none. */
	assert_int_equal(orm_engine_connect(&b, engine), ORM_EBUSY);
	orm_conn_close(a);
	ok(NULL, orm_engine_connect(&b, engine), "connect again");
	assert_int_equal(query_int(b, "SELECT x FROM t"), 7);
	orm_conn_close(b);
	orm_engine_free(engine);
}

static void pool__lost_connection_is_not_reused(void **state)
{
	orm_engine *engine;
	orm_conn *victim, *killer, *fresh;
	int64_t pid;

	(void)state;
	if (!orm_test_is_postgres())
		skip(); /* a server matter: SQLite has no connection to lose */
	engine = pool_engine(2, 1000);
	ok(NULL, orm_engine_connect(&victim, engine), "connect");
	ok(NULL, orm_engine_connect(&killer, engine), "connect");
	pid = query_int(victim, "SELECT pg_backend_pid()");
	ok(killer,
	   orm_conn_execute(NULL, killer, "SELECT pg_terminate_backend(?::integer)",
	                    (orm_value[]){orm_int(pid)}, 1),
	   "terminate");
	/* The server went away under it: a connection error... */
	assert_int_equal(orm_conn_execute(NULL, victim, "SELECT 1", NULL, 0), ORM_ECONNECT);
	orm_conn_close(victim);
	/* ...after which the pool opens a new one instead of handing it out. */
	orm_conn_close(killer);
	ok(NULL, orm_engine_connect(&fresh, engine), "connect again");
	ok(NULL, orm_engine_connect(&victim, engine), "and again");
	assert_int_equal(query_int(fresh, "SELECT 1") + query_int(victim, "SELECT 1"), 2);
	orm_conn_close(fresh);
	orm_conn_close(victim);
	orm_engine_free(engine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pool__reuses_an_idle_connection),
	    cmocka_unit_test(pool__connection_comes_back_clean),
	    cmocka_unit_test(pool__exhausted_pool_is_busy_after_the_timeout),
	    cmocka_unit_test(pool__zero_timeout_does_not_wait),
	    cmocka_unit_test(pool__waiter_gets_a_returned_connection),
	    cmocka_unit_test(pool__threads_share_one_engine),
	    cmocka_unit_test(pool__memory_database_is_one_connection),
	    cmocka_unit_test(pool__lost_connection_is_not_reused),
	};

	orm_test_url();
	return cmocka_run_group_tests_name(orm_test_database(), tests, NULL, NULL);
}
