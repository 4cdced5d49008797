/*
 * dialect_postgres_internal.h - what the PostgreSQL dialect's files share
 * (private): a connection's and a statement's insides, and the calls
 * dialect_postgres_wire.c gives the others.
 *
 * Introduced in chapter 1. The dialect is three files, each calling only
 * those before it: dialect_postgres_wire.c (messages, and waiting for the
 * server with a deadline), dialect_postgres_connect.c (connecting), and
 * dialect_postgres.c (running SQL, reading rows, and the dialect's table).
 */
#ifndef ORM_DIALECT_POSTGRES_INTERNAL_H
#define ORM_DIALECT_POSTGRES_INTERNAL_H

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "ddl.h"
#include "dialect.h"
#include "migrate_dialect.h"

/* Type OIDs of the built-in types we read back as something other than
 * text (from PostgreSQL's pg_type.dat; they never change). */
enum {
	OID_BOOL = 16,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_OID = 26,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_DATE = 1082,
	OID_TIMESTAMP = 1114,
	OID_TIMESTAMPTZ = 1184,
	OID_NUMERIC = 1700,
};

/* Settings every connection starts with, sent in the startup packet so
 * they cost no round trip. NOTICEs (e.g. "table does not exist, skipping")
 * are not sent at all, and dates come back as ISO 8601 text, which is what
 * orm/value.h promises whatever the server's own DateStyle is. A URL's
 * ?options=... is appended after these, so the user's settings win. */
#define SESSION_OPTIONS "-c client_min_messages=warning -c datestyle=ISO"

struct orm_dbconn {
	PGconn *pg;
	/* statement_timeout_ms (0: none), for the client-side deadline. */
	int timeout_ms;
	/* Abandoned: a statement outlived its deadline and the cancel
	 * request too, so its answer may still come; nothing more is sent,
	 * and the pool closes it (never left half-read). */
	bool broken;
	/* BEGIN was asked for and not sent yet: it goes out with the
	 * transaction's first statement, both before either answer is read,
	 * so the two cost one round trip (see pg_exec). */
	bool begin_deferred;
	/* That BEGIN is queued, in pipeline mode, ahead of the command being
	 * sent: orm_pg_finish reads its answer first. */
	bool begin_queued;
	/* ROLLBACK was sent and its answer is not read yet: nothing waits
	 * for it, so it is read before the connection's next command
	 * (orm_pg_settle), by when it has usually arrived. */
	bool rollback_unread;
	unsigned last_stmt_id; /* statements are named orm_1, orm_2, ... */
	orm_dbstmt *stmts;     /* live statements, orphaned by disconnect */
	/* Statements finalized while the transaction was aborted, when even
	 * DEALLOCATE is refused; they are deallocated at the next chance. */
	unsigned *stale;
	size_t nstale, capstale;
};

#define KNOWN_COLS 64

struct orm_dbstmt {
	orm_dbconn *conn; /* NULL once the connection has been closed */
	orm_dbstmt *prev, *next;
	unsigned id;
	char name[16]; /* "orm_<id>", its name on the server */
	char *sql;     /* as sent: '?' rewritten to $n */
	int nparams;
	PGresult *res; /* rows of the last execute, or NULL */
	int row;       /* current row; -1 before the first next() */
	/* How each column of `res` is read (KIND_*, dialect_postgres.c),
	 * from its type OID: found once per result, when next() reaches
	 * its first row, rather than once per value. For the first
	 * KNOWN_COLS columns; further ones are asked every time. */
	bool kinds_known;
	uint8_t kinds[KNOWN_COLS];
	int64_t changes;
	/* The parameters as text, and libpq's array of pointers into it:
	 * kept from one execute to the next, so running a cached statement
	 * allocates nothing once the buffer has grown to fit. */
	orm_buf text;        /* freed after use when it grew past KEEP_TEXT */
	const char **values; /* nparams + 1 entries */
	size_t *offsets;     /* nparams + 1 entries, scratch for params_as_text */
};

/* The most parameter text a statement keeps between runs: one huge value
 * should not stay in memory for as long as the statement is cached. */
#define KEEP_TEXT 16384

/* dialect_postgres_wire.c */
void orm_pg_rewrite_placeholders(orm_buf *b, int *nparams, const char *sql);
int orm_pg_params_as_text(orm_buf *text, const char **values, size_t *offsets,
                          const orm_value *params, size_t nparams, orm_err *err);
bool orm_pg_is_alive(orm_dbconn *conn, bool ping);
void orm_pg_put_line(char *dst, size_t size, size_t *len, const char *s);
int orm_pg_result_error(orm_err *err, PGconn *pg, const PGresult *res);
bool orm_pg_result_ok(const PGresult *res);
long orm_pg_statement_deadline(const orm_dbconn *conn);
int orm_pg_queue_begin(orm_dbconn *conn, orm_err *err);
int orm_pg_settle(orm_dbconn *conn, orm_err *err);
int orm_pg_send_failed(orm_dbconn *conn, orm_err *err);
int orm_pg_finish(orm_dbconn *conn, PGresult **out, orm_err *err);
PGresult *orm_pg_exec_timed(orm_dbconn *conn, const char *sql, orm_err *err, int *rc);
int orm_pg_wait_pipeline(orm_dbconn *conn, long *deadline, bool *cancelled, orm_err *err);
int orm_pg_abandoned(orm_err *err);

/* dialect_postgres_connect.c */
extern const char *const orm_pg_drivers[];
int orm_pg_validate_url(const orm_url *url, orm_err *err);
bool orm_pg_single_connection(const orm_url *url);
int orm_pg_connect(orm_dbconn **out, const orm_url *url, const orm_engine_options *opts,
                   orm_err *err);
void orm_pg_disconnect(orm_dbconn *conn);

#endif
