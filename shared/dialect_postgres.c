/*
 * dialect_postgres.c - the PostgreSQL dialect, spoken through libpq.
 *
 * Introduced in chapter 1 (the engine). This is the only file of the
 * library that includes libpq-fe.h: everything that knows it is talking to
 * PostgreSQL lives here, behind the function pointers of dialect.h. For the
 * layers above it, this file
 *   - turns an orm_url into libpq's keyword/value connection parameters
 *     (every ?key=value of the URL is passed through as a libpq keyword);
 *   - rewrites the library's '?' placeholders into PostgreSQL's $1, $2, ...;
 *   - prepares each statement under a name unique on its connection, and
 *     binds values as text, letting the server infer each parameter's type
 *     from the SQL around it (as psql users write '42' for an integer);
 *   - reads columns back as orm_values typed from the column's type OID;
 *   - maps SQLSTATE codes onto the library's short list of error codes,
 *     keeping PostgreSQL's own message, DETAIL and HINT on one line.
 *
 * Every call is synchronous: one command is in flight per connection at a
 * time. Batched inserts in libpq's pipeline mode, when they come, add their
 * state to struct orm_dbconn, which nothing outside this file sees.
 */
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
	unsigned last_stmt_id; /* statements are named orm_1, orm_2, ... */
	orm_dbstmt *stmts;     /* live statements, orphaned by disconnect */
	/* Statements finalized while the transaction was aborted, when even
	 * DEALLOCATE is refused; they are deallocated at the next chance. */
	unsigned *stale;
	size_t nstale, capstale;
};

struct orm_dbstmt {
	orm_dbconn *conn; /* NULL once the connection has been closed */
	orm_dbstmt *prev, *next;
	unsigned id;
	char name[16]; /* "orm_<id>", its name on the server */
	char *sql;     /* as sent: '?' rewritten to $n */
	int nparams;
	PGresult *res; /* rows of the last execute, or NULL */
	int row;       /* current row; -1 before the first next() */
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

/* ---- Messages ------------------------------------------------------------------------------ */

/*
 * Appends `s` to the message in dst (of `size` bytes, holding *len
 * characters), as one line: runs of white space containing a line break
 * become a single space, so libpq's "Connection refused\n\tIs the server
 * running..." reads "Connection refused Is the server running...", and a
 * final line break is dropped. Truncates silently at `size`.
 */
static void put_line(char *dst, size_t size, size_t *len, const char *s)
{
	size_t n = *len;
	bool pending_space = false;

	for (; *s && n + 1 < size; s++) {
		if (*s == '\n' || *s == '\r') {
			while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\t'))
				n--;
			while (s[1] == ' ' || s[1] == '\t' || s[1] == '\n' || s[1] == '\r')
				s++;
			pending_space = n > 0;
			continue;
		}
		if (pending_space) {
			dst[n++] = ' ';
			pending_space = false;
			if (n + 1 >= size)
				break;
		}
		dst[n++] = *s;
	}
	dst[n] = '\0';
	*len = n;
}

/* The library's code for a SQLSTATE (see PostgreSQL's "Error Codes"). */
static int code_for_sqlstate(const char *state)
{
	if (!state || strlen(state) != 5)
		return ORM_ERROR;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
		return ORM_EBUSY; /* serialization failure, deadlock, lock not available */
	if (!strcmp(state, "57014"))
		return ORM_ETIMEOUT; /* canceled: statement_timeout, or our cancel request */
	if (!strcmp(state, "25006"))
		return ORM_EREADONLY; /* read-only transaction (or a hot standby) */
	if (!strcmp(state, "XX001") || !strcmp(state, "XX002"))
		return ORM_ECORRUPT; /* data corrupted, index corrupted */
	if (!strcmp(state, "53200"))
		return ORM_ENOMEM;
	if (!strncmp(state, "23", 2))
		return ORM_ECONSTRAINT; /* unique, not-null, foreign key, check, exclusion */
	if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
		return ORM_ECONNECT; /* connection exception; server shutting down */
	if (!strncmp(state, "42", 2))
		return ORM_ESQL; /* syntax error, undefined table or column, privileges */
	if (!strncmp(state, "22", 2))
		return ORM_EINVAL; /* data exception: bad input syntax, value too long */
	if (!strncmp(state, "25", 2))
		return ORM_ESTATE; /* "current transaction is aborted" */
	return ORM_ERROR;
}

/*
 * Records the failure of a command in err: `res` is its result, or NULL
 * when libpq could not even produce one (out of memory, connection lost).
 * The message is the server's primary message followed by its DETAIL,
 * HINT and constraint name when those add something, e.g.
 *     duplicate key value violates unique constraint "ix_users_email"
 *     DETAIL: Key (email)=(a@x) already exists.
 * (on one line). Returns the error code.
 */
static int result_error(orm_err *err, PGconn *pg, const PGresult *res)
{
	char msg[ORM_ERRMSG_MAX];
	size_t len = 0;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	int code;

	msg[0] = '\0';
	if (primary) {
		put_line(msg, sizeof msg, &len, primary);
		if (detail) {
			put_line(msg, sizeof msg, &len, " DETAIL: ");
			put_line(msg, sizeof msg, &len, detail);
		}
		if (hint) {
			put_line(msg, sizeof msg, &len, " HINT: ");
			put_line(msg, sizeof msg, &len, hint);
		}
		if (constraint && !strstr(primary, constraint)) {
			put_line(msg, sizeof msg, &len, " (constraint \"");
			put_line(msg, sizeof msg, &len, constraint);
			put_line(msg, sizeof msg, &len, "\")");
		}
		code = code_for_sqlstate(state);
		/* A label its enum type does not list is a data exception to
		 * PostgreSQL, a CHECK constraint to SQLite: one fault, one code. */
		if (state && !strcmp(state, "22P02") &&
		    !strncmp(primary, "invalid input value for enum", 28))
			code = ORM_ECONSTRAINT;
	} else {
		/* An error raised by libpq itself, without a SQLSTATE. */
		const char *why = res ? PQresultErrorMessage(res) : "";
		if (!*why)
			why = PQerrorMessage(pg);
		put_line(msg, sizeof msg, &len, *why ? why : "out of memory");
		if (PQstatus(pg) == CONNECTION_BAD)
			code = ORM_ECONNECT;
		else if (state)
			code = code_for_sqlstate(state);
		else
			code = *why ? ORM_ERROR : ORM_ENOMEM;
	}
	return orm_err_set(err, code, "%s", msg);
}

/* True when `res` is the result of a command that worked. */
static bool result_ok(const PGresult *res)
{
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return true;
	default:
		return false;
	}
}

/* ---- Waiting for an answer, with a deadline ---------------------------------------------- */

/*
 * libpq's PQexec() waits for as long as the server takes. With
 * statement_timeout_ms set, the server cancels a statement itself
 * (statement_timeout, sent at connect); a server that has stopped
 * answering cannot, so the client waits at most CLIENT_GRACE_MS more,
 * sends a cancel request, and waits CANCEL_WAIT_MS for the answer. No
 * answer even then: the connection is abandoned (broken), since the
 * answer could still arrive later and be read as another statement's.
 */
#define CLIENT_GRACE_MS 200
#define CANCEL_WAIT_MS  300

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads until libpq holds a whole result (or none is due): 1; past
 * `deadline` (ms on now_ms's clock; 0 = none): 0; the connection failed: -1. */
static int wait_ready(PGconn *pg, long deadline)
{
	while (PQisBusy(pg)) {
		struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
		int timeout = -1, n;

		if (deadline) {
			long left = deadline - now_ms();

			if (left <= 0)
				return 0;
			timeout = (int)left;
		}
		n = poll(&p, 1, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (!PQconsumeInput(pg))
			return -1;
	}
	return 1;
}

static int result_error(orm_err *err, PGconn *pg, const PGresult *res);

/* Asks the server to cancel what the connection runs (a separate, short
 * connection to the server: PQcancel). */
static void send_cancel(PGconn *pg)
{
	PGcancel *cancel = PQgetCancel(pg);
	char why[256];

	if (cancel) {
		(void)PQcancel(cancel, why, sizeof why);
		PQfreeCancel(cancel);
	}
}

/* The deadline of a statement starting now (0: no timeout). */
static long statement_deadline(const orm_dbconn *conn)
{
	return conn->timeout_ms > 0 ? now_ms() + conn->timeout_ms + CLIENT_GRACE_MS : 0;
}

/*
 * After a command was sent (PQsendQuery, PQsendPrepare, ...): reads its
 * results to the end and hands back the first failed one, or else the
 * last, in *out (NULL when there was none), as PQexec does. A failure to
 * even get one is returned as a code, with err set.
 */
static int finish(orm_dbconn *conn, PGresult **out, orm_err *err)
{
	long deadline = statement_deadline(conn);
	bool cancelled = false;
	PGresult *res = NULL, *r;
	int ready;

	*out = NULL;
	for (;;) {
		ready = wait_ready(conn->pg, deadline);
		if (ready == 0 && !cancelled) {
			send_cancel(conn->pg);
			cancelled = true;
			deadline = now_ms() + CANCEL_WAIT_MS;
			continue;
		}
		if (ready == 0) {
			PQclear(res);
			conn->broken = true;
			return orm_err_set(
			    err, ORM_ETIMEOUT,
			    "the statement ran past statement_timeout_ms (%d ms) and "
			    "the server answered neither it nor a cancel request: "
			    "the connection is abandoned",
			    conn->timeout_ms);
		}
		if (ready < 0) {
			int rc = result_error(err, conn->pg, NULL);

			PQclear(res);
			conn->broken = true;
			err->code = ORM_ECONNECT;
			return rc < 0 ? ORM_ECONNECT : rc;
		}
		if (!(r = PQgetResult(conn->pg)))
			break;
		if (!res) {
			res = r;
		} else if (!result_ok(res)) {
			PQclear(r); /* keep the first error */
		} else {
			PQclear(res);
			res = r;
		}
	}
	*out = res;
	return ORM_OK;
}

/* PQexec with the deadline: the result (to PQclear) or NULL with err set
 * and the code in *rc. */
static PGresult *exec_timed(orm_dbconn *conn, const char *sql, orm_err *err, int *rc)
{
	PGresult *res = NULL;

	if (!PQsendQuery(conn->pg, sql)) {
		*rc = result_error(err, conn->pg, NULL);
		return NULL;
	}
	*rc = finish(conn, &res, err);
	return res;
}

/*
 * In pipeline mode (pg_execute_batch): waits until the next PQgetResult
 * will not block, with the same deadline, cancel request and abandoning
 * as finish(). *deadline (0: none) is the current statement's; *cancelled
 * tells whether the cancel request has been sent.
 */
static int wait_pipeline(orm_dbconn *conn, long *deadline, bool *cancelled, orm_err *err)
{
	for (;;) {
		int ready = wait_ready(conn->pg, *deadline);

		if (ready == 1)
			return ORM_OK;
		if (ready == 0 && !*cancelled) {
			send_cancel(conn->pg);
			*cancelled = true;
			*deadline = now_ms() + CANCEL_WAIT_MS;
			continue;
		}
		conn->broken = true;
		if (ready == 0)
			return orm_err_set(
			    err, ORM_ETIMEOUT,
			    "the statement ran past statement_timeout_ms (%d ms) and "
			    "the server answered neither it nor a cancel request: "
			    "the connection is abandoned",
			    conn->timeout_ms);
		(void)result_error(err, conn->pg, NULL);
		err->code = ORM_ECONNECT;
		return ORM_ECONNECT;
	}
}

/* The message for a command refused on an abandoned connection. */
static int abandoned(orm_err *err)
{
	return orm_err_set(err, ORM_ECONNECT,
	                   "the connection was abandoned after a statement timed out");
}

/*
 * The pool's check (dialect.h). Without `ping`: an idle connection has
 * nothing to say, so anything waiting on its socket - most often the
 * server's "terminating connection" before it closes it (a restart) - is
 * a reason to ping. The ping is an empty query: one round trip.
 */
static bool pg_is_alive(orm_dbconn *conn, bool ping)
{
	PGresult *res;
	orm_err err = {0, ""};
	int rc;

	if (conn->broken || PQstatus(conn->pg) != CONNECTION_OK)
		return false;
	if (!ping) {
		struct pollfd p = {.fd = PQsocket(conn->pg), .events = POLLIN};

		if (poll(&p, 1, 0) == 0)
			return true;
	}
	if (PQtransactionStatus(conn->pg) != PQTRANS_IDLE)
		return false; /* mid-transaction, yet given back: not ours to judge */
	res = exec_timed(conn, "", &err, &rc);
	rc = res && result_ok(res) && PQstatus(conn->pg) == CONNECTION_OK;
	PQclear(res);
	return rc;
}

/* ---- Connecting ---------------------------------------------------------------------------- */

/* libpq accepts these for the URL's "+driver" part: the C library is the
 * driver; the Python names are accepted so the write-up's URLs work. */
static const char *const drivers[] = {"libpq", "psycopg2", "psycopg", NULL};

/* The URL for a message, password masked. */
static const char *shown_url(const orm_url *url, char *buf, size_t size)
{
	orm_url_render(url, buf, size);
	return buf;
}

/*
 * Checks that every ?key of the URL is a libpq connection keyword, so a
 * typo (?sslmod=require) is reported by name rather than as libpq's
 * 'invalid connection option' at the first connect.
 */
static int check_query_keys(const orm_url *url, orm_err *err)
{
	PQconninfoOption *known = PQconndefaults();
	char shown[256];
	int rc = ORM_OK;

	if (!known)
		return orm_err_set(err, ORM_ENOMEM, "out of memory");
	for (size_t i = 0; i < url->nquery; i++) {
		const char *key = url->query[i].key;
		bool found = false;
		for (const PQconninfoOption *o = known; o->keyword && !found; o++)
			found = !strcmp(o->keyword, key);
		if (!found) {
			rc = orm_err_set(
			    err, ORM_EINVAL,
			    "invalid URL '%s': unknown PostgreSQL connection parameter '%s'",
			    shown_url(url, shown, sizeof shown), key);
			break;
		}
	}
	PQconninfoFree(known);
	return rc;
}

static int pg_validate_url(const orm_url *url, orm_err *err)
{
	if (!url->database || !*url->database) {
		char shown[256];
		return orm_err_set(err, ORM_EINVAL, "invalid URL '%s': no database name",
		                   shown_url(url, shown, sizeof shown));
	}
	return check_query_keys(url, err);
}

static bool pg_single_connection(const orm_url *url)
{
	(void)url;
	return false;
}

/* Drops NOTICE and WARNING messages instead of letting libpq print them to
 * stderr: a library must not write to the program's terminal. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/*
 * Writes where we tried to connect into dst, for the error message:
 * "at 127.0.0.1:5432" or "on socket /run/postgresql/.s.PGSQL.5432". What
 * the URL says comes first; libpq's defaults (PGHOST, the compiled-in
 * socket directory) fill the gaps.
 */
static void describe_server(char *dst, size_t size, const orm_url *url, PGconn *pg)
{
	const char *host = orm_url_query_get(url, "host");
	const char *port = orm_url_query_get(url, "port");
	char portbuf[16];

	if (!host)
		host = url->host;
	if (!host && pg)
		host = PQhost(pg);
	if (!host || !*host)
		host = "localhost";
	if (!port && url->port > 0) {
		snprintf(portbuf, sizeof portbuf, "%d", url->port);
		port = portbuf;
	}
	if (!port && pg)
		port = PQport(pg);
	if (!port || !*port)
		port = "5432";
	if (host[0] == '/')
		snprintf(dst, size, "on socket %s/.s.PGSQL.%s", host, port);
	else
		snprintf(dst, size, "at %s:%s", host, port);
}

static int pg_connect(orm_dbconn **out, const orm_url *url, const orm_engine_options *opts,
                      orm_err *err)
{
	/* The fixed keywords below, then one per query parameter, then NULL. */
	enum { NFIXED = 13 };
	const char **keys = NULL, **vals = NULL;
	char port[16], timeout[16], shown[256], statement_timeout[48];
	orm_buf options = ORM_BUF_INIT;
	orm_dbconn *conn = NULL;
	PGconn *pg = NULL;
	size_t n = 0;
	int rc;

	assert(out && url);
	*out = NULL;
	if ((rc = pg_validate_url(url, err)) < 0)
		goto done;

	keys = orm_calloc(NFIXED + url->nquery + 1, sizeof *keys);
	vals = orm_calloc(NFIXED + url->nquery + 1, sizeof *vals);
	conn = orm_calloc(1, sizeof *conn);
	if (!keys || !vals || !conn) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}

	/* Later entries win in libpq, so the URL's query parameters, added
	 * last, override the parts and defaults above them. */
	if (url->host) {
		keys[n] = "host";
		vals[n++] = url->host;
	}
	if (url->port > 0) {
		snprintf(port, sizeof port, "%d", url->port);
		keys[n] = "port";
		vals[n++] = port;
	}
	if (url->username) {
		keys[n] = "user";
		vals[n++] = url->username;
	}
	if (url->password) {
		keys[n] = "password";
		vals[n++] = url->password;
	}
	keys[n] = "dbname";
	vals[n++] = url->database;
	if (opts && opts->connect_timeout > 0) {
		snprintf(timeout, sizeof timeout, "%d", opts->connect_timeout);
		keys[n] = "connect_timeout";
		vals[n++] = timeout;
	}
	keys[n] = "client_encoding";
	vals[n++] = "UTF8";
	keys[n] = "fallback_application_name";
	vals[n++] = "orm-workbook";
	/* TCP keepalives: a server that vanished without closing
	 * the connection (a cable, a crashed host) is noticed in about a
	 * minute instead of hours. The URL's ?keepalives... settings win. */
	keys[n] = "keepalives";
	vals[n++] = "1";
	keys[n] = "keepalives_idle";
	vals[n++] = "30";
	keys[n] = "keepalives_interval";
	vals[n++] = "10";
	keys[n] = "keepalives_count";
	vals[n++] = "3";
	orm_buf_puts(&options, SESSION_OPTIONS);
	if (opts && opts->statement_timeout_ms > 0) {
		snprintf(statement_timeout, sizeof statement_timeout, " -c statement_timeout=%d",
		         opts->statement_timeout_ms);
		orm_buf_puts(&options, statement_timeout);
	}
	for (size_t i = 0; i < url->nquery; i++) {
		if (!strcmp(url->query[i].key, "options")) {
			orm_buf_putc(&options, ' ');
			orm_buf_puts(&options, url->query[i].value);
			continue;
		}
		keys[n] = url->query[i].key;
		vals[n++] = url->query[i].value ? url->query[i].value : "";
	}
	if (options.failed) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}
	keys[n] = "options";
	vals[n++] = orm_buf_cstr(&options);
	assert(n <= NFIXED + url->nquery);

	/* expand_dbname = 0: the database name is only ever a name, never
	 * a connection string smuggled in through the URL. */
	pg = PQconnectdbParams(keys, vals, 0);
	if (!pg) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		char why[ORM_ERRMSG_MAX], where[256];
		size_t len = 0;
		const char *user = url->username ? url->username : PQuser(pg);

		put_line(why, sizeof why, &len, PQerrorMessage(pg));
		/* libpq rejects a bad option value itself ('invalid sslmode
		 * value: "x"', 'invalid integer value "x" for connection option
		 * "connect_timeout"'): that is a bad URL, not a server down. */
		const char *invalid = strstr(why, "invalid ");
		if (invalid && (invalid == why || strstr(invalid, "for connection option"))) {
			rc = orm_err_set(err, ORM_EINVAL, "invalid URL '%s': %s",
			                 shown_url(url, shown, sizeof shown), invalid);
			goto done;
		}
		describe_server(where, sizeof where, url, pg);
		rc = orm_err_set(err, ORM_ECONNECT,
		                 "cannot connect to PostgreSQL %s (database '%s', user '%s'): %s",
		                 where, url->database, user ? user : "", why);
		goto done;
	}
	PQsetNoticeProcessor(pg, ignore_notice, NULL);

	conn->pg = pg;
	conn->timeout_ms = opts ? opts->statement_timeout_ms : 0;
	pg = NULL;
	*out = conn;
	conn = NULL;
	rc = ORM_OK;
done:
	if (pg)
		PQfinish(pg);
	orm_free(conn);
	orm_buf_free(&options);
	orm_free(keys);
	orm_free(vals);
	return rc;
}

static void pg_disconnect(orm_dbconn *conn)
{
	if (!conn)
		return;
	/* Statements still open keep working as far as freeing goes. */
	for (orm_dbstmt *s = conn->stmts; s; s = s->next)
		s->conn = NULL;
	PQfinish(conn->pg);
	orm_free(conn->stale);
	orm_free(conn);
}

/* ---- Running SQL --------------------------------------------------------------------------- */

static int pg_exec(orm_dbconn *conn, const char *sql, orm_err *err)
{
	PGresult *res;
	int rc = ORM_OK;

	assert(conn && sql);
	if (conn->broken)
		return abandoned(err);
	res = exec_timed(conn, sql, err, &rc);
	if (rc < 0)
		return rc;
	if (!res || !result_ok(res))
		rc = result_error(err, conn->pg, res);
	else if (strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		/* After an error inside a transaction PostgreSQL answers COMMIT
		 * with a ROLLBACK and no error: report it, or the caller would
		 * believe its changes were kept. */
		rc = orm_err_set(err, ORM_ESTATE,
		                 "COMMIT was rolled back: an earlier statement of the transaction "
		                 "failed");
	PQclear(res);
	return rc;
}

/*
 * Sends DEALLOCATE for the statements finalized while the transaction was
 * aborted, once the connection accepts commands again. Errors are ignored:
 * at worst a statement lives on the server until the connection closes.
 */
static void deallocate_stale(orm_dbconn *conn)
{
	orm_buf sql = ORM_BUF_INIT;

	if (conn->nstale == 0 || PQtransactionStatus(conn->pg) == PQTRANS_INERROR)
		return;
	for (size_t i = 0; i < conn->nstale; i++)
		orm_buf_printf(&sql, "DEALLOCATE orm_%u;", conn->stale[i]);
	if (!sql.failed) {
		orm_err ignored = {0, ""};
		int rc;

		PQclear(exec_timed(conn, orm_buf_cstr(&sql), &ignored, &rc));
		conn->nstale = 0;
	}
	orm_buf_free(&sql);
}

/* True for the characters that may continue an identifier. */
static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Length of a dollar-quote tag ($$ or $name$) starting at s, or 0. */
static size_t dollar_tag(const char *s)
{
	size_t n = 1;

	if (isalpha((unsigned char)s[n]) || s[n] == '_' || (unsigned char)s[n] >= 0x80)
		while (is_ident(s[n]) && s[n] != '$')
			n++;
	return s[n] == '$' ? n + 1 : 0;
}

/*
 * Copies `sql` into b with every '?' placeholder written as $1, $2, ...,
 * and counts them into *nparams. A '?' inside a string literal ('...',
 * E'...', $tag$...$tag$), a quoted identifier ("...") or a comment (-- and
 * nested slash-star) is text, not a placeholder. An unterminated literal
 * is copied as it is; the server reports it.
 */
static void rewrite_placeholders(orm_buf *b, int *nparams, const char *sql)
{
	const char *p = sql;

	*nparams = 0;
	while (*p) {
		const char *start = p;
		char c = *p;

		if (c == '\'' || c == '"') {
			/* E'...' strings take backslash escapes. */
			bool escapes = c == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
			               (p - 1 == sql || !is_ident(p[-2]));
			p++;
			while (*p) {
				if (escapes && *p == '\\' && p[1]) {
					p += 2;
				} else if (*p == c && p[1] == c) {
					p += 2; /* '' or "" stands for one quote */
				} else if (*p == c) {
					p++;
					break;
				} else {
					p++;
				}
			}
		} else if (c == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (c == '/' && p[1] == '*') {
			int depth = 0;
			while (*p) {
				if (p[0] == '/' && p[1] == '*') {
					depth++;
					p += 2;
				} else if (p[0] == '*' && p[1] == '/') {
					p += 2;
					if (--depth == 0)
						break;
				} else {
					p++;
				}
			}
		} else if (c == '$' && (p == sql || !is_ident(p[-1])) && dollar_tag(p)) {
			size_t taglen = dollar_tag(p);
			const char *end;
			p += taglen;
			end = p;
			while (*end && strncmp(end, start, taglen) != 0)
				end++;
			p = *end ? end + taglen : end;
		} else if (c == '?') {
			orm_buf_printf(b, "$%d", ++*nparams);
			p++;
			continue;
		} else {
			p++;
		}
		orm_buf_put(b, start, (size_t)(p - start));
	}
}

static int pg_prepare(orm_dbstmt **out, orm_dbconn *conn, const char *sql, orm_err *err)
{
	orm_buf text = ORM_BUF_INIT;
	orm_dbstmt *stmt = NULL;
	PGresult *res = NULL;
	int nparams, rc;

	assert(out && conn && sql);
	*out = NULL;
	if (conn->broken)
		return abandoned(err);
	deallocate_stale(conn);

	stmt = orm_calloc(1, sizeof *stmt);
	rewrite_placeholders(&text, &nparams, sql);
	if (!stmt || text.failed) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}
	stmt->sql = orm_buf_detach(&text);
	if (!stmt->sql) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}
	stmt->nparams = nparams;
	stmt->values = orm_calloc((size_t)nparams + 1, sizeof *stmt->values);
	stmt->offsets = orm_calloc((size_t)nparams + 1, sizeof *stmt->offsets);
	if (!stmt->values || !stmt->offsets) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}
	stmt->id = ++conn->last_stmt_id;
	snprintf(stmt->name, sizeof stmt->name, "orm_%u", stmt->id);

	/* No parameter types: the server infers each from its context
	 * (a column it is compared with or inserted into), and the values
	 * are sent as text that it parses as that type. */
	if (!PQsendPrepare(conn->pg, stmt->name, stmt->sql, 0, NULL)) {
		rc = result_error(err, conn->pg, NULL);
		goto done;
	}
	if ((rc = finish(conn, &res, err)) < 0)
		goto done;
	if (!res || !result_ok(res)) {
		rc = result_error(err, conn->pg, res);
		goto done;
	}

	stmt->conn = conn;
	stmt->row = -1;
	stmt->next = conn->stmts;
	if (conn->stmts)
		conn->stmts->prev = stmt;
	conn->stmts = stmt;
	*out = stmt;
	stmt = NULL;
	rc = ORM_OK;
done:
	PQclear(res);
	if (stmt) {
		orm_free(stmt->sql);
		orm_free(stmt->values);
		orm_free(stmt->offsets);
	}
	orm_free(stmt);
	orm_buf_free(&text);
	return rc;
}

static const char *pg_sql_sent(const orm_dbstmt *stmt)
{
	return stmt->sql;
}

static int pg_nparams(const orm_dbstmt *stmt)
{
	return stmt->nparams;
}

/* Writes f as the shortest decimal text that reads back as the same double,
 * so 0.1 is sent as "0.1" (which matters when the column is numeric). */
static void format_float(char *dst, size_t size, double f)
{
	if (isnan(f)) {
		snprintf(dst, size, "NaN");
		return;
	}
	if (isinf(f)) {
		snprintf(dst, size, f > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(dst, size, "%.*g", digits, f);
		if (strtod(dst, NULL) == f)
			return;
	}
}

static void pg_reset(orm_dbstmt *stmt)
{
	if (!stmt)
		return;
	PQclear(stmt->res);
	stmt->res = NULL;
	stmt->row = -1;
}

/* Appends i in decimal. snprintf("%" PRId64) does the same through the
 * whole printf machinery, a few hundred instructions for every integer of
 * every statement; this is a handful per digit. */
static void put_int64(orm_buf *b, int64_t i)
{
	char digits[24], *p = digits + sizeof digits;
	/* The magnitude as unsigned, so INT64_MIN has one too. */
	uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (i < 0)
		*--p = '-';
	orm_buf_put(b, p, (size_t)(digits + sizeof digits - p));
}

/*
 * Writes `params` as text, one after the other, into `text` (emptied
 * first), and points values[i] at each (NULL for SQL NULL) once the buffer
 * has stopped growing. `offsets` is scratch of nparams entries.
 */
static int params_as_text(orm_buf *text, const char **values, size_t *offsets,
                          const orm_value *params, size_t nparams, orm_err *err)
{
	orm_buf_reset(text);
	for (size_t i = 0; i < nparams; i++) {
		const orm_value *v = &params[i];
		char num[40];

		offsets[i] = text->len;
		switch (v->type) {
		case ORM_TYPE_NULL:
			offsets[i] = SIZE_MAX;
			continue;
		case ORM_TYPE_INT:
			put_int64(text, v->u.i);
			break;
		case ORM_TYPE_FLOAT:
			format_float(num, sizeof num, v->u.f);
			orm_buf_puts(text, num);
			break;
		case ORM_TYPE_BOOL:
			orm_buf_puts(text, v->u.b ? "true" : "false");
			break;
		case ORM_TYPE_TEXT:
		case ORM_TYPE_DATE:
		case ORM_TYPE_DATETIME:
			if (v->u.s.len > 0 && memchr(v->u.s.ptr, '\0', v->u.s.len))
				return orm_err_set(err, ORM_EINVAL,
				                   "parameter %zu contains a NUL character, which "
				                   "PostgreSQL text cannot hold",
				                   i + 1);
			orm_buf_put(text, v->u.s.ptr, v->u.s.len);
			break;
		}
		orm_buf_put(text, "", 1); /* keeps the terminating NUL */
	}
	if (text->failed)
		return orm_err_set(err, ORM_ENOMEM, "out of memory");
	for (size_t i = 0; i < nparams; i++)
		values[i] = offsets[i] == SIZE_MAX ? NULL : text->ptr + offsets[i];
	return ORM_OK;
}

/* Rows a command changed. PQcmdTuples also counts the rows of a SELECT;
 * only writes count as changes, as in SQLite's sqlite3_changes(). */
static int64_t changes_of(PGresult *res)
{
	const char *tag = PQcmdStatus(res);
	if (!strncmp(tag, "INSERT ", 7) || !strncmp(tag, "UPDATE ", 7) ||
	    !strncmp(tag, "DELETE ", 7) || !strncmp(tag, "MERGE ", 6))
		return strtoll(PQcmdTuples(res), NULL, 10);
	return 0;
}

static int pg_execute(orm_dbstmt *stmt, const orm_value *params, size_t nparams, orm_err *err)
{
	int rc;

	assert(stmt && (params || nparams == 0));
	pg_reset(stmt);
	stmt->changes = 0;
	if (!stmt->conn)
		return orm_err_set(err, ORM_ESTATE, "the statement's connection is closed");
	if (nparams != (size_t)stmt->nparams)
		return orm_err_set(err, ORM_EINVAL, "the statement takes %d parameters, %zu given",
		                   stmt->nparams, nparams);

	if (stmt->conn->broken)
		return abandoned(err);
	if ((rc = params_as_text(&stmt->text, stmt->values, stmt->offsets, params, nparams, err)) <
	    0)
		return rc;
	if (!PQsendQueryPrepared(stmt->conn->pg, stmt->name, (int)nparams, stmt->values, NULL, NULL,
	                         0))
		rc = result_error(err, stmt->conn->pg, NULL);
	else
		rc = finish(stmt->conn, &stmt->res, err);
	if (stmt->text.cap > KEEP_TEXT)
		orm_buf_free(&stmt->text);
	if (rc < 0) {
		pg_reset(stmt);
		return rc;
	}
	if (!stmt->res || !result_ok(stmt->res)) {
		rc = result_error(err, stmt->conn->pg, stmt->res);
		pg_reset(stmt);
		return rc;
	}
	stmt->changes = changes_of(stmt->res);
	return ORM_OK;
}

/* ---- Many rows in one round trip: pipeline mode (chapter 2) --------------------------------- */

/*
 * Statements sent before a sync collects their results. The connection
 * blocks while sending, so neither side may fill its buffers waiting for
 * the other to read: a thousand small results fit, as in the benchmark's
 * hand-written baseline.
 */
#define PIPELINE_ROWS 1000

/*
 * The session's flush sends one INSERT or UPDATE for many objects. Sent
 * one by one, each row waits a round trip for its answer; in libpq's
 * pipeline mode the rows are sent back to back (PQsendQueryPrepared),
 * a sync ends the batch, and the answers are read in order. The first
 * error is kept; the rows after it come back "aborted" and are skipped.
 * (What pg_execute does for one row, in one round trip for many.)
 */
static int pg_next(orm_dbstmt *stmt, orm_err *err);

static int pg_execute_batch(orm_dbstmt *stmt, const orm_value *params, size_t nparams, size_t nrows,
                            int (*on_row)(void *ctx, size_t row, const orm_dbstmt *stmt), void *ctx,
                            orm_err *err)
{
	int64_t changes = 0;
	PGresult *res;
	PGconn *pg;
	long deadline;
	bool cancelled = false;
	int rc = ORM_OK, wrc;

	assert(stmt && (params || nparams * nrows == 0));
	pg_reset(stmt);
	stmt->changes = 0;
	if (!stmt->conn)
		return orm_err_set(err, ORM_ESTATE, "the statement's connection is closed");
	if (nparams != (size_t)stmt->nparams)
		return orm_err_set(err, ORM_EINVAL, "the statement takes %d parameters, %zu given",
		                   stmt->nparams, nparams);
	if (nrows == 0)
		return ORM_OK;
	if (stmt->conn->broken)
		return abandoned(err);
	pg = stmt->conn->pg;
	if (!PQenterPipelineMode(pg)) {
		rc = result_error(err, pg, NULL);
		goto done;
	}

	for (size_t first = 0; first < nrows && rc == ORM_OK; first += PIPELINE_ROWS) {
		size_t n = nrows - first < PIPELINE_ROWS ? nrows - first : PIPELINE_ROWS, sent;

		for (sent = 0; sent < n; sent++) {
			if ((rc = params_as_text(&stmt->text, stmt->values, stmt->offsets,
			                         params + (first + sent) * nparams, nparams, err)) <
			    0)
				break;
			if (!PQsendQueryPrepared(pg, stmt->name, (int)nparams, stmt->values, NULL,
			                         NULL, 0)) {
				rc = result_error(err, pg, NULL);
				break;
			}
		}
		if (!PQpipelineSync(pg)) {
			if (rc == ORM_OK)
				rc = result_error(err, pg, NULL);
			goto done; /* the connection is broken: nothing to read */
		}
		/* Each statement's result, then the NULL ending it; then the sync's.
		 * Each wait is bounded by the statement timeout. */
		deadline = statement_deadline(stmt->conn);
		for (size_t k = 0; k < sent; k++) {
			if ((wrc = wait_pipeline(stmt->conn, &deadline, &cancelled, err)) < 0) {
				rc = wrc;
				goto done;
			}
			res = PQgetResult(pg);
			if (!res) {
				if (rc == ORM_OK)
					rc = result_error(err, pg, NULL);
				goto done;
			}
			if (PQresultStatus(res) == PGRES_PIPELINE_ABORTED) {
				/* skipped after an earlier error */
			} else if (!result_ok(res)) {
				if (rc == ORM_OK)
					rc = result_error(err, pg, res);
			} else if (rc == ORM_OK) {
				changes += changes_of(res);
				if (on_row) {
					stmt->res = res;
					stmt->row = -1;
					rc = on_row(ctx, first + k,
					            pg_next(stmt, err) == ORM_ROW ? stmt : NULL);
					stmt->res = NULL;
					stmt->row = -1;
				}
			}
			PQclear(res);
			PQclear(PQgetResult(pg));
			if (!cancelled)
				deadline = statement_deadline(stmt->conn);
		}
		if ((wrc = wait_pipeline(stmt->conn, &deadline, &cancelled, err)) < 0) {
			rc = wrc;
			goto done;
		}
		res = PQgetResult(pg);
		if (PQresultStatus(res) != PGRES_PIPELINE_SYNC && rc == ORM_OK)
			rc = result_error(err, pg, res);
		PQclear(res);
	}
done:
	if (!stmt->conn->broken && PQpipelineStatus(pg) != PQ_PIPELINE_OFF &&
	    !PQexitPipelineMode(pg) && rc == ORM_OK)
		rc = result_error(err, pg, NULL);
	stmt->changes = changes;
	if (stmt->text.cap > KEEP_TEXT)
		orm_buf_free(&stmt->text);
	return rc;
}

/* ---- Reading rows -------------------------------------------------------------------------- */

static int pg_next(orm_dbstmt *stmt, orm_err *err)
{
	(void)err;
	if (!stmt->res)
		return ORM_DONE;
	if (stmt->row < PQntuples(stmt->res))
		stmt->row++;
	return stmt->row < PQntuples(stmt->res) ? ORM_ROW : ORM_DONE;
}

static int pg_ncols(const orm_dbstmt *stmt)
{
	return stmt->res ? PQnfields(stmt->res) : 0;
}

static const char *pg_colname(const orm_dbstmt *stmt, int col)
{
	return stmt->res ? PQfname(stmt->res, col) : NULL;
}

/*
 * An integer column's text as int64_t. PostgreSQL writes integers plainly
 * (an optional '-', then digits), so the digits are added up here, without
 * strtoll()'s locale, white space and base handling; anything longer than
 * 18 digits, which could overflow, still goes through strtoll().
 */
static int64_t parse_int64(const char *text)
{
	const char *p = text + (*text == '-');
	uint64_t u = 0;
	size_t n = 0;

	for (; p[n] >= '0' && p[n] <= '9'; n++) {
		if (n == 18)
			return strtoll(text, NULL, 10);
		u = u * 10 + (uint64_t)(p[n] - '0');
	}
	return *text == '-' ? -(int64_t)u : (int64_t)u;
}

static orm_value pg_column(const orm_dbstmt *stmt, int col)
{
	const PGresult *res = stmt->res;
	const char *text;
	orm_value v = orm_null();
	Oid type;

	/* PQgetisnull() answers 1 for a row or column out of range too. */
	if (!res || PQgetisnull(res, stmt->row, col))
		return v;
	text = PQgetvalue(res, stmt->row, col);
	switch ((type = PQftype(res, col))) {
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		v.type = ORM_TYPE_INT;
		v.u.i = parse_int64(text);
		break;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		v.type = ORM_TYPE_FLOAT;
		v.u.f = strtod(text, NULL); /* also reads NaN and Infinity */
		break;
	case OID_BOOL:
		v.type = ORM_TYPE_BOOL;
		v.u.b = text[0] == 't';
		break;
	case OID_DATE:
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		v.type = type == OID_DATE ? ORM_TYPE_DATE : ORM_TYPE_DATETIME;
		v.u.s.ptr = text;
		v.u.s.len = (size_t)PQgetlength(res, stmt->row, col);
		break;
	default: /* text, varchar, enum types, uuid, json...: their text form */
		v.type = ORM_TYPE_TEXT;
		v.u.s.ptr = text;
		v.u.s.len = (size_t)PQgetlength(res, stmt->row, col);
		break;
	}
	return v;
}

static int64_t pg_changes(const orm_dbstmt *stmt)
{
	return stmt->changes;
}

/* Remembers statement `id` for deallocate_stale(). Out of memory, it is
 * forgotten instead and lives on the server until the connection closes:
 * harmless. */
static void deallocate_later(orm_dbconn *conn, unsigned id)
{
	if (conn->nstale == conn->capstale) {
		size_t cap = conn->capstale ? 2 * conn->capstale : 8;
		unsigned *grown = orm_realloc(conn->stale, cap * sizeof *grown);
		if (!grown)
			return;
		conn->stale = grown;
		conn->capstale = cap;
	}
	conn->stale[conn->nstale++] = id;
}

/*
 * Frees the statement and DEALLOCATEs it on the server, since statements
 * are also finalized while their connection lives on (evicted from the
 * engine's cache). In an aborted transaction the server refuses even
 * DEALLOCATE, so that waits for deallocate_stale().
 */
static void pg_finalize(orm_dbstmt *stmt)
{
	orm_dbconn *conn;

	if (!stmt)
		return;
	conn = stmt->conn;
	pg_reset(stmt);
	if (conn) {
		if (stmt->prev)
			stmt->prev->next = stmt->next;
		else
			conn->stmts = stmt->next;
		if (stmt->next)
			stmt->next->prev = stmt->prev;
	}
	if (conn && !conn->broken && PQstatus(conn->pg) == CONNECTION_OK) {
		if (PQtransactionStatus(conn->pg) == PQTRANS_INERROR) {
			deallocate_later(conn, stmt->id);
		} else {
			orm_err ignored = {0, ""};
			char sql[48];
			int rc;

			snprintf(sql, sizeof sql, "DEALLOCATE orm_%u", stmt->id);
			PQclear(exec_timed(conn, sql, &ignored, &rc));
			deallocate_stale(conn);
		}
	}
	orm_free(stmt->sql);
	orm_buf_free(&stmt->text);
	orm_free(stmt->values);
	orm_free(stmt->offsets);
	orm_free(stmt);
}

/* ---- DDL (chapter 3) ------------------------------------------------
 * PostgreSQL generates a key through a sequence, which SERIAL (BIGSERIAL
 * for a BIGINT) creates and attaches as the column's default; a datetime
 * is TIMESTAMP WITHOUT TIME ZONE; an enum is a type of its own, made by
 * CREATE TYPE before the tables that use it. Whether a table or type
 * exists is asked of the schema tables are created in, current_schema(). */

static void pg_column_type(orm_buf *out, const orm_column *col, bool autoincrement)
{
	if (autoincrement)
		orm_buf_puts(out, col->type == ORM_BIGINTEGER ? "BIGSERIAL" : "SERIAL");
	else if (col->type == ORM_DATETIME)
		orm_buf_puts(out, "TIMESTAMP WITHOUT TIME ZONE");
	else if (col->type == ORM_ENUM)
		orm_buf_puts(out, col->enum_type->name);
	else
		orm_ddl_standard_type(out, col);
}

/* PostgreSQL's foreign-key message names the constraint, and its DETAIL
 * the key: nothing for the session to add. */
static bool fk_violation_unnamed(const char *msg)
{
	(void)msg;
	return false;
}

const orm_dialect orm_dialect_postgres = {
    .name = "postgresql",
    .drivers = drivers,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .is_alive = pg_is_alive,
    .validate_url = pg_validate_url,
    .single_connection = pg_single_connection,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .sql_sent = pg_sql_sent,
    .nparams = pg_nparams,
    .execute = pg_execute,
    .next = pg_next,
    .ncols = pg_ncols,
    .colname = pg_colname,
    .column = pg_column,
    .changes = pg_changes,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .execute_batch = pg_execute_batch,
    .column_type = pg_column_type,
    .autoincrement_in_type = true,
    .native_enum = true,
    .has_table_sql = "SELECT table_name FROM information_schema.tables"
                     " WHERE table_schema = current_schema() AND table_name = ?",
    .has_type_sql = "SELECT t.typname FROM pg_catalog.pg_type t"
                    " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
                    " WHERE n.nspname = current_schema() AND t.typname = ?",
    .fk_violation_unnamed = fk_violation_unnamed,
    .migrate = &orm_migrate_postgres, /* chapter 7: dialect_postgres_migrate.c */
};
