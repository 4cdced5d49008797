/*
 * pool.c - the pool: the engine's open connections, lent out one caller at
 * a time and taken back still open (SQLAlchemy's pool/base.py and
 * QueuePool).
 *
 * Introduced in chapter 1, section 1.3. Up to pool_size connections are
 * open at once, shared by threads under one mutex; when all are checked
 * out, orm_engine_connect waits at most pool_timeout_ms for one to come
 * back. An idle connection is looked at before it is lent out again (the
 * pre-ping), and a dead one is replaced. The pool sits below engine.c:
 * the engine opens and empties it, and orm_conn_close gives a connection
 * back here once it has rolled back what its caller left open.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "dialect.h"
#include "engine_internal.h"
#include "internal.h"
#include "orm/engine.h"
#include "stmtcache.h"

void orm_pool_init(orm_engine *engine)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&engine->lock, NULL);
	/* Waits are measured on the monotonic clock, so a change of the
	 * wall-clock time cannot stretch or cut them. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&engine->returned, &attr);
	pthread_condattr_destroy(&attr);
}

/* Opens a new connection (called without the pool lock held: connecting
 * to a server can take seconds, and other threads may return theirs). */
static int open_conn(orm_conn **out, orm_engine *engine, orm_err *err)
{
	orm_conn *conn;
	int rc;

	*out = NULL;
	if (!(conn = orm_calloc(1, sizeof *conn)))
		return orm_err_set(err, ORM_ENOMEM, "out of memory opening a connection");
	if ((rc = engine->dialect->connect(&conn->db, engine->url, &engine->options, err)) < 0) {
		orm_free(conn);
		return rc;
	}
	conn->engine = engine;
	orm_stmt_cache_init(&conn->cache, engine->dialect);
	conn->schema_seen = atomic_load(&engine->schema_changes);
	*out = conn;
	return ORM_OK;
}

static void destroy_conn(orm_conn *conn)
{
	orm_stmt_cache_clear(&conn->cache);
	if (conn->spare) {
		orm_free(conn->spare->slots);
		orm_free(conn->spare);
	}
	conn->engine->dialect->disconnect(conn->db);
	orm_buf_free(&conn->echo);
	orm_free(conn);
}

void orm_pool_dispose(orm_engine *engine)
{
	int nidle = 0;

	for (orm_conn *c = engine->idle; c; c = c->next_idle)
		nidle++;
	/* Every connection must have been given back with orm_conn_close(). */
	assert(nidle == engine->nopen);
	while (engine->idle) {
		orm_conn *conn = engine->idle;

		engine->idle = conn->next_idle;
		destroy_conn(conn);
	}
	pthread_cond_destroy(&engine->returned);
	pthread_mutex_destroy(&engine->lock);
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static long ms_since(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - then->tv_sec) * 1000 + (now.tv_nsec - then->tv_nsec) / 1000000;
}

/*
 * The pre-ping (SQLAlchemy's pool_pre_ping): is an idle
 * connection still good? Always a local look, which costs no round trip
 * and catches a server that closed it (a restart); a ping as well when it
 * has been idle a while or its last use failed.
 */
static bool still_good(orm_conn *conn)
{
	const orm_engine_options *o = &conn->engine->options;
	bool ping = o->pool_pre_ping_ms >= 0 &&
	            (conn->failed || ms_since(&conn->idle_since) >= o->pool_pre_ping_ms);

	return conn->engine->dialect->is_alive(conn->db, ping);
}

/*
 * Takes the first idle connection, with the pool lock held. Returns it,
 * the lock released, when it is still good; a dead one is closed and its
 * place in the pool freed for a new connection: then NULL, the lock held
 * again.
 */
static orm_conn *take_idle(orm_engine *engine)
{
	orm_conn *conn = engine->idle;

	engine->idle = conn->next_idle;
	pthread_mutex_unlock(&engine->lock);
	if (still_good(conn))
		return conn;
	destroy_conn(conn);
	pthread_mutex_lock(&engine->lock);
	engine->nopen--;
	return NULL;
}

/*
 * Opens a connection in a free place of the pool, with the pool lock held;
 * returns with it released. On failure the place is freed again, the
 * error kept on the engine, and a waiting caller woken to try in its turn.
 */
static int open_in_pool(orm_conn **out, orm_engine *engine)
{
	orm_err err = {0, ""};
	int rc;

	engine->nopen++;
	pthread_mutex_unlock(&engine->lock);
	if ((rc = open_conn(out, engine, &err)) < 0) {
		pthread_mutex_lock(&engine->lock);
		engine->nopen--;
		orm_err_copy(&engine->err, &err);
		pthread_cond_signal(&engine->returned);
		pthread_mutex_unlock(&engine->lock);
	}
	return rc;
}

int orm_engine_connect(orm_conn **out, orm_engine *engine)
{
	orm_conn *conn = NULL;
	struct timespec deadline;
	bool timed_out;
	int rc;

	assert(out && engine);
	*out = NULL;
	timed_out = engine->options.pool_timeout_ms == 0;
	deadline_after(&deadline, engine->options.pool_timeout_ms);

	pthread_mutex_lock(&engine->lock);
	for (;;) {
		if (engine->idle) {
			if ((conn = take_idle(engine)))
				break;
			continue;
		}
		if (engine->nopen < engine->options.pool_size) {
			if ((rc = open_in_pool(&conn, engine)) < 0)
				return rc;
			break;
		}
		if (timed_out) {
			rc =
			    orm_err_set(&engine->err, ORM_EBUSY,
			                "connection pool of size %d exhausted after waiting %d ms",
			                engine->options.pool_size, engine->options.pool_timeout_ms);
			pthread_mutex_unlock(&engine->lock);
			return rc;
		}
		if (pthread_cond_timedwait(&engine->returned, &engine->lock, &deadline) ==
		    ETIMEDOUT)
			timed_out = true; /* look once more, then give up */
	}

	/* A connection is handed out clean: no transaction (close rolled it
	 * back), no error, no row count from its previous user. */
	conn->next_idle = NULL;
	conn->changes = 0;
	orm_err_clear(&conn->err);
	*out = conn;
	return ORM_OK;
}

void orm_pool_checkin(orm_conn *conn, bool reusable)
{
	orm_engine *engine = conn->engine;

	/* A connection whose server went away, or that could not roll back,
	 * is not given to the next caller: it is closed instead. */
	if (conn->err.code == ORM_ECONNECT || !engine->dialect->is_alive(conn->db, false))
		reusable = false;
	conn->failed = conn->err.code < 0;
	clock_gettime(CLOCK_MONOTONIC, &conn->idle_since);

	pthread_mutex_lock(&engine->lock);
	if (reusable) {
		conn->next_idle = engine->idle;
		engine->idle = conn;
	} else {
		engine->nopen--;
	}
	pthread_cond_signal(&engine->returned);
	pthread_mutex_unlock(&engine->lock);
	if (!reusable)
		destroy_conn(conn);
}
