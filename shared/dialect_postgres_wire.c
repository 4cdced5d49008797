/*
 * dialect_postgres_wire.c - talking to the PostgreSQL server: SQL and
 * parameters written as it reads them ($1 placeholders, values as text),
 * its errors turned into the library's codes and one-line messages, and
 * waiting for its answers with a deadline (the statement timeout, and
 * cancelling), BEGIN queued ahead of a transaction's first statement.
 *
 * Introduced in chapter 1; see dialect_postgres.c for the dialect as a
 * whole.
 */
#include "dialect_postgres_internal.h"

/* ---- Messages ------------------------------------------------------------------------------ */

/*
 * Appends `s` to the message in dst (of `size` bytes, holding *len
 * characters), as one line: runs of white space containing a line break
 * become a single space, so libpq's "Connection refused\n\tIs the server
 * running..." reads "Connection refused Is the server running...", and a
 * final line break is dropped. Truncates silently at `size`.
 */
void orm_pg_put_line(char *dst, size_t size, size_t *len, const char *s)
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

/* ---- SQL and values as the server reads them ------------------------------------------------ */

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
void orm_pg_rewrite_placeholders(orm_buf *b, int *nparams, const char *sql)
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
int orm_pg_params_as_text(orm_buf *text, const char **values, size_t *offsets,
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

/* ---- Errors ------------------------------------------------------------------------------ */

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
int orm_pg_result_error(orm_err *err, PGconn *pg, const PGresult *res)
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
		orm_pg_put_line(msg, sizeof msg, &len, primary);
		if (detail) {
			orm_pg_put_line(msg, sizeof msg, &len, " DETAIL: ");
			orm_pg_put_line(msg, sizeof msg, &len, detail);
		}
		if (hint) {
			orm_pg_put_line(msg, sizeof msg, &len, " HINT: ");
			orm_pg_put_line(msg, sizeof msg, &len, hint);
		}
		if (constraint && !strstr(primary, constraint)) {
			orm_pg_put_line(msg, sizeof msg, &len, " (constraint \"");
			orm_pg_put_line(msg, sizeof msg, &len, constraint);
			orm_pg_put_line(msg, sizeof msg, &len, "\")");
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
		orm_pg_put_line(msg, sizeof msg, &len, *why ? why : "out of memory");
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
bool orm_pg_result_ok(const PGresult *res)
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
long orm_pg_statement_deadline(const orm_dbconn *conn)
{
	return conn->timeout_ms > 0 ? now_ms() + conn->timeout_ms + CLIENT_GRACE_MS : 0;
}

/*
 * Reads the results of one command to the end (the NULL after them) and
 * hands back the first failed one, or else the last, in *out (NULL when
 * there was none), as PQexec does. A failure to even get one is returned
 * as a code, with err set.
 */
static int read_results(orm_dbconn *conn, PGresult **out, orm_err *err)
{
	long deadline = orm_pg_statement_deadline(conn);
	bool cancelled = false;
	PGresult *res = NULL, *r;
	int rc;

	*out = NULL;
	for (;;) {
		if ((rc = orm_pg_wait_pipeline(conn, &deadline, &cancelled, err)) < 0) {
			PQclear(res);
			return rc;
		}
		if (!(r = PQgetResult(conn->pg)))
			break;
		if (!res) {
			res = r;
		} else if (!orm_pg_result_ok(res)) {
			PQclear(r); /* keep the first error */
		} else {
			PQclear(res);
			res = r;
		}
	}
	*out = res;
	return ORM_OK;
}

/*
 * Reads the answer to a ROLLBACK sent without waiting for it (pg_exec),
 * before the connection is used again. Its failure - the connection lost
 * meanwhile - is the next command's.
 */
int orm_pg_settle(orm_dbconn *conn, orm_err *err)
{
	PGresult *res;
	int rc;

	if (!conn->rollback_unread)
		return ORM_OK;
	conn->rollback_unread = false;
	if ((rc = read_results(conn, &res, err)) < 0)
		return rc;
	if (!res || !orm_pg_result_ok(res))
		rc = orm_pg_result_error(err, conn->pg, res);
	PQclear(res);
	return rc;
}

/*
 * Queues the deferred BEGIN (pg_exec), if there is one, ahead of the
 * command about to be sent: pipeline mode lets both go out before either
 * answer is read, and orm_pg_finish reads BEGIN's first. A failure here
 * is BEGIN's, reported as it would have been at BEGIN itself.
 */
int orm_pg_queue_begin(orm_dbconn *conn, orm_err *err)
{
	if (!conn->begin_deferred)
		return ORM_OK;
	conn->begin_deferred = false;
	if (!PQenterPipelineMode(conn->pg) ||
	    !PQsendQueryParams(conn->pg, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)) {
		conn->broken = PQpipelineStatus(conn->pg) != PQ_PIPELINE_OFF;
		return orm_pg_result_error(err, conn->pg, NULL);
	}
	conn->begin_queued = true;
	return ORM_OK;
}

/* A command could not be sent (the connection is lost, or out of
 * memory): its error, and a BEGIN queued ahead of it is given up with the
 * connection, which is now out of step with the server. */
int orm_pg_send_failed(orm_dbconn *conn, orm_err *err)
{
	if (conn->begin_queued) {
		conn->begin_queued = false;
		conn->broken = true;
	}
	return orm_pg_result_error(err, conn->pg, NULL);
}

/* orm_pg_finish for a command sent behind a queued BEGIN: BEGIN's answer,
 * the command's, the sync's; BEGIN's failure is the one reported. */
static int finish_after_begin(orm_dbconn *conn, PGresult **out, orm_err *err)
{
	PGresult *begin = NULL, *sync;
	long deadline;
	bool cancelled = false;
	int rc;

	*out = NULL;
	conn->begin_queued = false;
	if (!PQpipelineSync(conn->pg)) {
		conn->broken = true;
		(void)orm_pg_result_error(err, conn->pg, NULL);
		return err->code = ORM_ECONNECT;
	}
	if ((rc = read_results(conn, &begin, err)) < 0 || (rc = read_results(conn, out, err)) < 0)
		goto done;
	deadline = orm_pg_statement_deadline(conn);
	if ((rc = orm_pg_wait_pipeline(conn, &deadline, &cancelled, err)) < 0)
		goto done;
	sync = PQgetResult(conn->pg);
	if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC || !PQexitPipelineMode(conn->pg)) {
		conn->broken = true; /* out of step with the server */
		rc = orm_pg_result_error(err, conn->pg, sync);
	}
	PQclear(sync);
	if (rc == ORM_OK && (!begin || !orm_pg_result_ok(begin))) {
		PQclear(*out); /* "aborted": BEGIN's own error says why */
		*out = begin;
		begin = NULL;
	}
done:
	PQclear(begin);
	if (rc < 0) {
		PQclear(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * After a command was sent (PQsendQuery, PQsendPrepare, ...): its results,
 * as read_results gives them, with a queued BEGIN's read first.
 */
int orm_pg_finish(orm_dbconn *conn, PGresult **out, orm_err *err)
{
	if (conn->begin_queued)
		return finish_after_begin(conn, out, err);
	return read_results(conn, out, err);
}

/* PQexec with the deadline: the result (to PQclear) or NULL with err set
 * and the code in *rc. */
PGresult *orm_pg_exec_timed(orm_dbconn *conn, const char *sql, orm_err *err, int *rc)
{
	PGresult *res = NULL;

	if (!PQsendQuery(conn->pg, sql)) {
		*rc = orm_pg_result_error(err, conn->pg, NULL);
		return NULL;
	}
	*rc = orm_pg_finish(conn, &res, err);
	return res;
}

/*
 * Waits until the next PQgetResult will not block (in pipeline mode too),
 * sending a cancel request at *deadline (0: none; the current statement's)
 * and abandoning the connection if even that goes unanswered. *cancelled
 * tells whether the cancel request has been sent.
 */
int orm_pg_wait_pipeline(orm_dbconn *conn, long *deadline, bool *cancelled, orm_err *err)
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
		(void)orm_pg_result_error(err, conn->pg, NULL);
		err->code = ORM_ECONNECT;
		return ORM_ECONNECT;
	}
}

/* The message for a command refused on an abandoned connection. */
int orm_pg_abandoned(orm_err *err)
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
bool orm_pg_is_alive(orm_dbconn *conn, bool ping)
{
	PGresult *res;
	orm_err err = {0, ""};
	int rc;

	if (conn->broken || orm_pg_settle(conn, &err) < 0 || PQstatus(conn->pg) != CONNECTION_OK)
		return false;
	if (!ping) {
		struct pollfd p = {.fd = PQsocket(conn->pg), .events = POLLIN};

		if (poll(&p, 1, 0) == 0)
			return true;
	}
	if (PQtransactionStatus(conn->pg) != PQTRANS_IDLE || conn->begin_deferred)
		return false; /* mid-transaction, yet given back: not ours to judge */
	res = orm_pg_exec_timed(conn, "", &err, &rc);
	rc = res && orm_pg_result_ok(res) && PQstatus(conn->pg) == CONNECTION_OK;
	PQclear(res);
	return rc;
}
