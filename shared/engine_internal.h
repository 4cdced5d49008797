/*
 * engine_internal.h - the engine's, a connection's and a result's insides
 * (private), shared by engine.c (engines, the pool, running statements)
 * and result.c (reading rows).
 *
 * Introduced in chapter 1.
 */
#ifndef ORM_ENGINE_INTERNAL_H
#define ORM_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "dialect.h"
#include "internal.h"
#include "orm/engine.h"
#include "stmtcache.h"

struct orm_engine {
	const orm_dialect *dialect;
	orm_url *url;
	orm_engine_options options;

	/* The pool. `lock` guards everything below it. */
	pthread_mutex_t lock;
	pthread_cond_t returned; /* signalled when a connection comes back */
	orm_conn *idle;          /* idle connections, linked by next_idle */
	int nopen;               /* open (idle or checked out) or being opened */
	orm_err err;             /* the last connect error */

	/* Counts the schema changes (CREATE, ALTER, DROP) run through this
	 * engine. A connection whose statement cache is older empties it
	 * before its next statement: PostgreSQL refuses to run a prepared
	 * SELECT * whose table has changed columns ("cached plan must not
	 * change result type"), where SQLite quietly re-prepares. */
	atomic_ulong schema_changes;
};

struct orm_conn {
	orm_engine *engine;
	orm_dbconn *db;
	orm_conn *next_idle;
	struct timespec idle_since; /* when it was given back to the pool */
	bool failed;                /* its last user saw an error on it */
	orm_stmt_cache cache;
	orm_result *spare; /* a freed result kept for the next execute */
	int nresults;      /* results open on this connection */
	bool in_transaction;
	int64_t changes;
	orm_buf echo; /* reused to build each echo line */
	orm_err err;
	unsigned long schema_seen; /* engine->schema_changes when the cache was last valid */
};

/* A statement's text conversion of a non-text column (for
 * orm_result_text) needs room for "-9223372036854775808" or a double. */
typedef char orm_text_slot[32];

struct orm_result {
	orm_conn *conn;
	orm_dbstmt *stmt;
	orm_stmt_entry *entry; /* the cache entry, or NULL: stmt is ours to finalize */
	int state;             /* 0 before the first row, then ORM_ROW or ORM_DONE */
	int ncols;             /* asked of the dialect once, at execute: read per column */
	orm_text_slot *slots;  /* per column, for orm_result_text of numbers */
	int nslots;
};

/* Columns first .. first + n - 1 of the current row into out[0..n-1], as
 * orm_result_value reads each, in one call through the dialect (its row()):
 * for the loader, which reads every column of a row. Text is borrowed
 * until the next orm_result_next. */
void orm_result_values(const orm_result *res, int first, int n, orm_value *out);

/* Gives a statement back: to the cache when it came from there (entry),
 * else finalizes it. */
void orm_conn_release_stmt(orm_conn *conn, orm_dbstmt *stmt, orm_stmt_entry *entry);

#endif
