/*
 * orm/engine.h - the engine: a URL, a dialect and a pool of connections.
 *
 * Introduced in chapter 1. This is SQLAlchemy's create_engine() in C.
 * The engine is where a program starts talking to a database: it knows
 * which database (the dialect), how to reach it (the URL) and keeps a small
 * pool of open connections. Everything above it - sessions, models - speaks
 * to the database only through the calls below, and so never knows whether
 * it talks to SQLite or PostgreSQL.
 *
 * Lifecycle of an engine:
 *   1. orm_create_engine()      parse the URL, pick the dialect (no connection yet)
 *   2. orm_engine_connect()     check a connection out of the pool (opens one if needed)
 *   3. orm_conn_execute() ...   run SQL with bound parameters, read rows
 *   4. orm_conn_close()         give the connection back to the pool
 *   5. orm_engine_free()        close every pooled connection and free the engine
 *
 * Lifecycle of a result (like SQLite's prepare/step/finalize):
 *   1. orm_conn_execute(&res, ...)   run the statement
 *   2. orm_result_next(res)          ORM_ROW while there are rows, then ORM_DONE
 *   3. orm_result_int(res, i) ...    read columns of the current row
 *   4. orm_result_free(res)          done (one open result per statement text
 *                                     and connection; free it before reusing)
 *
 * SQL text always uses '?' for parameters, on every database. The dialect
 * rewrites it to what its database wants ($1, $2, ... for PostgreSQL) and
 * caches the prepared statement, keyed by the text, on the connection. A
 * schema change (CREATE, ALTER or DROP) run through the engine empties
 * every connection's cache before its next statement, since a statement
 * prepared against the old tables may no longer fit them.
 *
 * Threads: an engine may be shared by threads; a connection, and whatever
 * came from it, is used by one thread at a time.
 */
#ifndef ORM_ENGINE_H
#define ORM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "orm/error.h"
#include "orm/url.h"
#include "orm/value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orm_engine orm_engine;
typedef struct orm_conn orm_conn;
typedef struct orm_result orm_result;

typedef struct orm_engine_options {
	/* Print every statement, its bound parameters, BEGIN, COMMIT and
	 * ROLLBACK, like SQLAlchemy's echo=True. */
	bool echo;
	/* Where echo goes; NULL means stderr. Not closed by the engine. */
	FILE *echo_stream;
	/* How many connections the pool keeps open at most. An in-memory
	 * SQLite database is always one connection, since every new
	 * connection to ":memory:" would be a new, empty database. */
	int pool_size;
	/* How long orm_engine_connect() waits for a connection when all are
	 * checked out, in milliseconds, before it fails with ORM_EBUSY. */
	int pool_timeout_ms;
	/* Seconds to wait for a server to answer (PostgreSQL), or for a lock
	 * to be released (SQLite's busy timeout). */
	int connect_timeout;
	/* Run "PRAGMA foreign_keys = ON" on every new SQLite connection, so
	 * SQLite enforces foreign keys the way PostgreSQL always does. */
	bool sqlite_foreign_keys;
	/* A statement still running after this many milliseconds
	 * is cancelled and fails with ORM_ETIMEOUT; 0 means no limit.
	 * PostgreSQL: the server's statement_timeout, and a client deadline
	 * a little later that sends a cancel request, for a server that has
	 * stopped answering (if even that goes unanswered, the connection is
	 * abandoned: its calls fail with ORM_ECONNECT, and it is closed when
	 * given back). SQLite: a progress handler interrupts the statement.
	 * Each call that waits on the database (running a statement, reading
	 * its next row on SQLite) gets the whole timeout. */
	int statement_timeout_ms;
	/* SQLAlchemy's pool_pre_ping, made cheap. Every checkout looks,
	 * without a round trip, whether the server has closed an idle
	 * connection (a restart does); a connection idle at least this many
	 * milliseconds, or whose last use failed, or with anything waiting
	 * on its socket, is also pinged (an empty query). A dead one is
	 * closed and replaced before the caller sees it. -1: never ping. */
	int pool_pre_ping_ms;
	/* SQLite files (not :memory:): switch the file to WAL journal mode,
	 * so readers do not wait for a writer. Kept by the file afterwards. */
	bool sqlite_wal;
	/* SQLite: open transactions with BEGIN IMMEDIATE, taking the write
	 * lock at BEGIN, where SQLite can wait for it (the busy timeout).
	 * With a plain BEGIN, a transaction that reads and then writes while
	 * another connection writes fails at once with ORM_EBUSY. */
	bool sqlite_begin_immediate;
} orm_engine_options;

/* clang-format off */
#define ORM_ENGINE_OPTIONS_INIT {false, NULL, 5, 30000, 10, true, 0, 10000, true, true}
/* clang-format on */

/*
 * Creates an engine for `url` (see orm/url.h). `options` may be NULL for
 * the defaults. No connection is opened yet: a wrong password shows up at
 * the first orm_engine_connect(), as in SQLAlchemy.
 *
 * Returns ORM_OK and an engine in *out, which the caller frees with
 * orm_engine_free(). On error *out is NULL and the return is ORM_EINVAL
 * (bad URL, unknown dialect or driver, bad option) or ORM_ENOMEM; the
 * message is in orm_error_last().
 *
 * The name is SQLAlchemy's create_engine(), kept on purpose rather than
 * orm_engine_create, so that the first line a reader writes matches the
 * Python they know; orm_errmsg below is short for the same reason (SQLite's
 * sqlite3_errmsg). Everything else follows orm_<module>_<verb>.
 */
int orm_create_engine(orm_engine **out, const char *url, const orm_engine_options *options);

/* Closes all pooled connections and frees the engine. Every connection
 * must have been closed first. Accepts NULL. */
void orm_engine_free(orm_engine *engine);

/* The message of the engine's last error (connecting), or "". Borrowed. */
const char *orm_errmsg(const orm_engine *engine);

/* "sqlite" or "postgresql". */
const char *orm_engine_dialect_name(const orm_engine *engine);

/* The parsed URL. Borrowed; lives as long as the engine. Render it with
 * orm_url_render() to print it with the password masked. */
const orm_url *orm_engine_url(const orm_engine *engine);

/* The options the engine runs with (defaults filled in). Borrowed. */
const orm_engine_options *orm_engine_get_options(const orm_engine *engine);

/*
 * Checks a connection out of the pool into *out, opening a new one when
 * none is idle and the pool is not full. An idle connection is checked
 * first (pool_pre_ping_ms): one the server has closed, e.g. by restarting,
 * is replaced, so the caller never gets a dead one. Returns ORM_OK,
 * ORM_ECONNECT (the message names host and port and keeps the database's
 * reason, with the password masked) or ORM_EBUSY (pool exhausted past
 * pool_timeout_ms). The caller gives it back with orm_conn_close().
 */
int orm_engine_connect(orm_conn **out, orm_engine *engine);

/* Returns the connection to its pool. An open transaction is rolled back
 * first. A connection that was lost (ORM_ECONNECT) or abandoned after a
 * timeout is closed instead of pooled. Every result from it must have been
 * freed. Accepts NULL. */
void orm_conn_close(orm_conn *conn);

/* The message of the connection's last error, or "". Borrowed. */
const char *orm_conn_errmsg(const orm_conn *conn);

/* The engine the connection came from. Borrowed. */
orm_engine *orm_conn_engine(const orm_conn *conn);

/*
 * Transactions. begin fails with ORM_ESTATE when one is already open;
 * commit and rollback with ORM_ESTATE when none is. A failed commit leaves
 * nothing of the transaction in the database (it is rolled back).
 * Statements run outside a transaction commit on their own.
 */
int orm_conn_begin(orm_conn *conn);
int orm_conn_commit(orm_conn *conn);
int orm_conn_rollback(orm_conn *conn);
bool orm_conn_in_transaction(const orm_conn *conn);

/*
 * Runs one statement with `nparams` bound parameters (SQL uses '?').
 * Pass `out` to read the rows it returns (SELECT, or RETURNING); pass NULL
 * when there are none to read. Returns ORM_OK, or a negative code with
 * the database's own message in orm_conn_errmsg(), e.g.
 *     UNIQUE constraint failed: users.email
 * or ORM_ETIMEOUT past statement_timeout_ms (see the options: on
 * PostgreSQL the transaction is then aborted; roll it back). On error
 * *out is NULL.
 */
int orm_conn_execute(orm_result **out, orm_conn *conn, const char *sql, const orm_value *params,
                     size_t nparams);

/* Rows changed by the last INSERT, UPDATE or DELETE on this connection. */
int64_t orm_conn_changes(const orm_conn *conn);

/* Advances to the next row: ORM_ROW, ORM_DONE, or a negative code. */
int orm_result_next(orm_result *res);

/* Columns of the result, and the name of column i (borrowed). */
int orm_result_ncols(const orm_result *res);
const char *orm_result_colname(const orm_result *res, int col);

/*
 * Reading column `col` (from 0) of the current row. Text is borrowed from
 * the result and valid until the next orm_result_next() or
 * orm_result_free(); copy it to keep it. A NULL reads as 0, 0.0, false or
 * a NULL pointer; orm_result_is_null() tells them apart.
 */
bool orm_result_is_null(const orm_result *res, int col);
int64_t orm_result_int(const orm_result *res, int col);
double orm_result_float(const orm_result *res, int col);
bool orm_result_bool(const orm_result *res, int col);
const char *orm_result_text(const orm_result *res, int col);
/* The column as a value of the type the database reported. */
orm_value orm_result_value(const orm_result *res, int col);

/* Finishes with a result. Accepts NULL. */
void orm_result_free(orm_result *res);

/*
 * Runs one statement once per row of parameters (SQLAlchemy's
 * executemany): `params` holds `nrows` rows of `nparams` values, row after
 * row. The statement is prepared once; the dialect sends the rows as one
 * batch (PostgreSQL: pipeline mode, one round trip). When `on_row` is not
 * NULL it is called after each row ran, in order, with the first row that
 * row's statement returned (INSERT ... RETURNING id), readable with the
 * orm_result_* calls until the callback returns, or with NULL when it
 * returned none; a negative return stops the batch and is returned. Echo
 * shows the SQL once and the parameter sets as SQLAlchemy does:
 * [('a',), ('b',)], and of more than 10 the first 8 and the last 2; a
 * single row echoes as orm_conn_execute does. On error the rows sent
 * before the failing one stay sent: run it in a transaction.
 * orm_conn_changes() gives the rows changed by all of them.
 * (Added in chapter 2, for the session's flush.)
 */
int orm_conn_execute_many(orm_conn *conn, const char *sql, const orm_value *params, size_t nparams,
                          size_t nrows, int (*on_row)(void *ctx, size_t row, const orm_result *res),
                          void *ctx);

/*
 * Whether the database tells the key it generated for an INSERT without
 * a RETURNING clause (SQLite's rowid; Python's cursor.lastrowid), and that
 * key for the last row inserted on `conn` (0 where it does not: PostgreSQL
 * reports keys only through RETURNING). The session uses it on SQLite,
 * where RETURNING costs a temporary table per statement. (Chapter 2.)
 */
bool orm_engine_has_lastrowid(const orm_engine *engine);
int64_t orm_conn_lastrowid(const orm_conn *conn);

#ifdef __cplusplus
}
#endif

#endif
