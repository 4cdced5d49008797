/*
 * dialect_postgres.c - the PostgreSQL dialect, spoken through libpq.
 *
 * Introduced in chapter 1 (the engine). This file and the two beside it
 * (dialect_postgres_wire.c, dialect_postgres_connect.c) are the only ones
 * of the library that include libpq-fe.h: everything that knows it is
 * talking to PostgreSQL lives in them, behind the function pointers of
 * dialect.h. For the layers above it, the dialect
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
 * Every call waits for its answer before it returns, with two exceptions
 * that save round trips, both in libpq's pipeline mode: a batch of rows
 * (execute_batch) goes out at once, and BEGIN goes out with the
 * transaction's first statement rather than on its own (pg_exec).
 */
#include "dialect_postgres_internal.h"

/* ---- Running SQL --------------------------------------------------------------------------- */

static int exec_now(orm_dbconn *conn, const char *sql, orm_err *err)
{
	PGresult *res;
	int rc = ORM_OK;

	res = orm_pg_exec_timed(conn, sql, err, &rc);
	if (rc < 0)
		return rc;
	if (!res || !orm_pg_result_ok(res))
		rc = orm_pg_result_error(err, conn->pg, res);
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
 * Whether BEGIN can wait for the transaction's first statement: only on a
 * connection that is idle with nothing to say. Anything waiting on its
 * socket - most often the server's "terminating connection" before it
 * closes it - is read by sending BEGIN now, so that BEGIN fails, as it
 * would have without the wait.
 */
static bool can_defer_begin(orm_dbconn *conn)
{
	struct pollfd p = {.fd = PQsocket(conn->pg), .events = POLLIN};

	return PQtransactionStatus(conn->pg) == PQTRANS_IDLE && poll(&p, 1, 0) == 0;
}

/*
 * ROLLBACK cannot fail but for a lost connection, and nothing waits for
 * it: it is sent, and its answer read before the connection's next
 * command (orm_pg_settle), so ending a transaction costs no round trip.
 */
static int send_rollback(orm_dbconn *conn, orm_err *err)
{
	if (!PQsendQuery(conn->pg, "ROLLBACK"))
		return orm_pg_result_error(err, conn->pg, NULL);
	conn->rollback_unread = true;
	return ORM_OK;
}

/*
 * BEGIN, COMMIT, ROLLBACK, DDL... Each would cost a round trip; BEGIN's
 * answer tells nothing the transaction's first statement would not, so
 * BEGIN waits for it and goes out with it (orm_pg_queue_begin): a read
 * is one round trip instead of two. A transaction that sent nothing ends
 * without a word to the server.
 */
static int pg_exec(orm_dbconn *conn, const char *sql, orm_err *err)
{
	int rc;

	assert(conn && sql);
	if (conn->broken)
		return orm_pg_abandoned(err);
	if ((rc = orm_pg_settle(conn, err)) < 0)
		return rc;
	if (strcmp(sql, "BEGIN") == 0 && !conn->begin_deferred && can_defer_begin(conn)) {
		conn->begin_deferred = true;
		return ORM_OK;
	}
	if (conn->begin_deferred) {
		conn->begin_deferred = false;
		if (strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0)
			return ORM_OK;
		if ((rc = exec_now(conn, "BEGIN", err)) < 0)
			return rc;
	}
	if (strcmp(sql, "ROLLBACK") == 0)
		return send_rollback(conn, err);
	return exec_now(conn, sql, err);
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

		PQclear(orm_pg_exec_timed(conn, orm_buf_cstr(&sql), &ignored, &rc));
		conn->nstale = 0;
	}
	orm_buf_free(&sql);
}

/* Frees what new_stmt() allocated. */
static void free_stmt(orm_dbstmt *stmt)
{
	if (!stmt)
		return;
	orm_free(stmt->sql);
	orm_buf_free(&stmt->text);
	orm_free(stmt->values);
	orm_free(stmt->offsets);
	orm_free(stmt);
}

/* A statement for `sql`, rewritten and named, not yet on the server. */
static orm_dbstmt *new_stmt(orm_dbconn *conn, const char *sql)
{
	orm_buf text = ORM_BUF_INIT;
	orm_dbstmt *stmt = orm_calloc(1, sizeof *stmt);
	int nparams;

	orm_pg_rewrite_placeholders(&text, &nparams, sql);
	if (!stmt || text.failed || !(stmt->sql = orm_buf_detach(&text))) {
		orm_buf_free(&text);
		free_stmt(stmt);
		return NULL;
	}
	stmt->nparams = nparams;
	stmt->values = orm_calloc((size_t)nparams + 1, sizeof *stmt->values);
	stmt->offsets = orm_calloc((size_t)nparams + 1, sizeof *stmt->offsets);
	if (!stmt->values || !stmt->offsets) {
		free_stmt(stmt);
		return NULL;
	}
	stmt->id = ++conn->last_stmt_id;
	snprintf(stmt->name, sizeof stmt->name, "orm_%u", stmt->id);
	stmt->row = -1;
	return stmt;
}

static int pg_prepare(orm_dbstmt **out, orm_dbconn *conn, const char *sql, orm_err *err)
{
	orm_dbstmt *stmt;
	PGresult *res = NULL;
	int rc;

	assert(out && conn && sql);
	*out = NULL;
	if (conn->broken)
		return orm_pg_abandoned(err);
	if ((rc = orm_pg_settle(conn, err)) < 0)
		return rc;
	deallocate_stale(conn);
	if (!(stmt = new_stmt(conn, sql)))
		return orm_err_set(err, ORM_ENOMEM, "out of memory");

	/* No parameter types: the server infers each from its context
	 * (a column it is compared with or inserted into), and the values
	 * are sent as text that it parses as that type. */
	if ((rc = orm_pg_queue_begin(conn, err)) < 0)
		goto done;
	if (!PQsendPrepare(conn->pg, stmt->name, stmt->sql, 0, NULL)) {
		rc = orm_pg_send_failed(conn, err);
		goto done;
	}
	if ((rc = orm_pg_finish(conn, &res, err)) < 0)
		goto done;
	if (!res || !orm_pg_result_ok(res)) {
		rc = orm_pg_result_error(err, conn->pg, res);
		goto done;
	}

	stmt->conn = conn;
	stmt->next = conn->stmts;
	if (conn->stmts)
		conn->stmts->prev = stmt;
	conn->stmts = stmt;
	*out = stmt;
	stmt = NULL;
done:
	PQclear(res);
	free_stmt(stmt);
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

static void pg_reset(orm_dbstmt *stmt)
{
	if (!stmt)
		return;
	PQclear(stmt->res);
	stmt->res = NULL;
	stmt->row = -1;
	stmt->kinds_known = false;
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
		return orm_pg_abandoned(err);
	if ((rc = orm_pg_settle(stmt->conn, err)) < 0)
		return rc;
	if ((rc = orm_pg_params_as_text(&stmt->text, stmt->values, stmt->offsets, params, nparams,
	                                err)) < 0)
		return rc;
	if ((rc = orm_pg_queue_begin(stmt->conn, err)) == ORM_OK) {
		if (PQsendQueryPrepared(stmt->conn->pg, stmt->name, (int)nparams, stmt->values,
		                        NULL, NULL, 0))
			rc = orm_pg_finish(stmt->conn, &stmt->res, err);
		else
			rc = orm_pg_send_failed(stmt->conn, err);
	}
	if (stmt->text.cap > KEEP_TEXT)
		orm_buf_free(&stmt->text);
	if (rc < 0) {
		pg_reset(stmt);
		return rc;
	}
	if (!stmt->res || !orm_pg_result_ok(stmt->res)) {
		rc = orm_pg_result_error(err, stmt->conn->pg, stmt->res);
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

/* A batch being run: what each step needs, and how far it got. */
struct batch {
	orm_dbstmt *stmt;
	PGconn *pg;
	size_t nparams;
	int (*on_row)(void *ctx, size_t row, const orm_dbstmt *stmt);
	void *ctx;
	orm_err *err;
	int64_t changes;
	long deadline;  /* of the answer being waited for (0: none) */
	bool cancelled; /* the cancel request has been sent */
	bool lost;      /* nothing more can be read: the connection failed */
	int rc;         /* the first error */
};

/* Keeps `rc` as the batch's error unless an earlier one is kept. */
static void batch_error(struct batch *b, const PGresult *res)
{
	if (b->rc == ORM_OK)
		b->rc = orm_pg_result_error(b->err, b->pg, res);
}

/* Sends rows [first, first + n) and the sync ending them; how many went. */
static size_t send_rows(struct batch *b, const orm_value *params, size_t first, size_t n)
{
	orm_dbstmt *stmt = b->stmt;
	size_t sent;

	for (sent = 0; sent < n; sent++) {
		const orm_value *row = params + (first + sent) * b->nparams;

		if ((b->rc = orm_pg_params_as_text(&stmt->text, stmt->values, stmt->offsets, row,
		                                   b->nparams, b->err)) < 0)
			break;
		if (!PQsendQueryPrepared(b->pg, stmt->name, (int)b->nparams, stmt->values, NULL,
		                         NULL, 0)) {
			batch_error(b, NULL);
			break;
		}
	}
	if (!PQpipelineSync(b->pg)) {
		batch_error(b, NULL);
		b->lost = true; /* the connection is broken: nothing to read */
	}
	return sent;
}

/* The next answer in the pipeline, waited for with the statement timeout;
 * NULL when the connection failed (b->lost). */
static PGresult *next_answer(struct batch *b)
{
	int rc = orm_pg_wait_pipeline(b->stmt->conn, &b->deadline, &b->cancelled, b->err);
	PGresult *res = NULL;

	if (rc < 0)
		b->rc = rc;
	else if (!(res = PQgetResult(b->pg)))
		batch_error(b, NULL);
	b->lost = res == NULL;
	return res;
}

/* Row `row`'s answer: its changes counted and, with on_row, handed over
 * on its first result row. After an error, the rows after it come back
 * "aborted" and are skipped. */
static void take_row(struct batch *b, size_t row, PGresult *res)
{
	orm_dbstmt *stmt = b->stmt;

	if (PQresultStatus(res) == PGRES_PIPELINE_ABORTED)
		return;
	if (!orm_pg_result_ok(res)) {
		batch_error(b, res);
		return;
	}
	if (b->rc != ORM_OK)
		return;
	b->changes += changes_of(res);
	if (b->on_row) {
		stmt->res = res;
		stmt->row = -1;
		b->rc = b->on_row(b->ctx, row, pg_next(stmt, b->err) == ORM_ROW ? stmt : NULL);
		stmt->res = NULL;
		stmt->row = -1;
		stmt->kinds_known = false;
	}
}

/* Reads the answers to `sent` rows from `first` on, each followed by a
 * NULL, then the sync's; before them a queued BEGIN's. */
static void read_rows(struct batch *b, size_t first, size_t sent)
{
	orm_dbconn *conn = b->stmt->conn;
	PGresult *res;

	b->deadline = orm_pg_statement_deadline(conn);
	if (conn->begin_queued) {
		conn->begin_queued = false;
		if (!(res = next_answer(b)))
			return;
		if (!orm_pg_result_ok(res))
			batch_error(b, res); /* and the rows come back "aborted" */
		PQclear(res);
		PQclear(PQgetResult(b->pg));
	}
	for (size_t k = 0; k < sent; k++) {
		if (!(res = next_answer(b)))
			return;
		take_row(b, first + k, res);
		PQclear(res);
		PQclear(PQgetResult(b->pg));
		if (!b->cancelled)
			b->deadline = orm_pg_statement_deadline(conn);
	}
	if (!(res = next_answer(b)))
		return;
	if (PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		batch_error(b, res);
	PQclear(res);
}

static int pg_execute_batch(orm_dbstmt *stmt, const orm_value *params, size_t nparams, size_t nrows,
                            int (*on_row)(void *ctx, size_t row, const orm_dbstmt *stmt), void *ctx,
                            orm_err *err)
{
	struct batch b = {
	    .stmt = stmt, .nparams = nparams, .on_row = on_row, .ctx = ctx, .err = err};
	orm_dbconn *conn = stmt->conn;

	assert(stmt && (params || nparams * nrows == 0));
	pg_reset(stmt);
	stmt->changes = 0;
	if (!conn)
		return orm_err_set(err, ORM_ESTATE, "the statement's connection is closed");
	if (nparams != (size_t)stmt->nparams)
		return orm_err_set(err, ORM_EINVAL, "the statement takes %d parameters, %zu given",
		                   stmt->nparams, nparams);
	if (nrows == 0)
		return ORM_OK;
	if (conn->broken)
		return orm_pg_abandoned(err);
	b.pg = conn->pg;
	if ((b.rc = orm_pg_settle(conn, err)) < 0 || (b.rc = orm_pg_queue_begin(conn, err)) < 0)
		return b.rc;
	if (!PQenterPipelineMode(b.pg))
		batch_error(&b, NULL);
	for (size_t first = 0; first < nrows && b.rc == ORM_OK && !b.lost; first += PIPELINE_ROWS) {
		size_t n = nrows - first < PIPELINE_ROWS ? nrows - first : PIPELINE_ROWS;
		size_t sent = send_rows(&b, params, first, n);

		if (!b.lost)
			read_rows(&b, first, sent);
	}
	if (conn->begin_queued) { /* never read: out of step with the server */
		conn->begin_queued = false;
		conn->broken = true;
	}
	if (!conn->broken && PQpipelineStatus(b.pg) != PQ_PIPELINE_OFF && !PQexitPipelineMode(b.pg))
		batch_error(&b, NULL);
	stmt->changes = b.changes;
	if (stmt->text.cap > KEEP_TEXT)
		orm_buf_free(&stmt->text);
	return b.rc;
}

/* ---- Reading rows -------------------------------------------------------------------------- */

/* How a column's text becomes an orm_value, by its type. */
enum { KIND_TEXT, KIND_INT, KIND_FLOAT, KIND_BOOL, KIND_DATE, KIND_DATETIME };

static int kind_of(Oid type)
{
	switch (type) {
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		return KIND_INT;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return KIND_FLOAT;
	case OID_BOOL:
		return KIND_BOOL;
	case OID_DATE:
		return KIND_DATE;
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		return KIND_DATETIME;
	default: /* text, varchar, enum types, uuid, json...: their text form */
		return KIND_TEXT;
	}
}

static int pg_next(orm_dbstmt *stmt, orm_err *err)
{
	(void)err;
	if (!stmt->res)
		return ORM_DONE;
	if (stmt->row < PQntuples(stmt->res))
		stmt->row++;
	if (stmt->row >= PQntuples(stmt->res))
		return ORM_DONE;
	if (!stmt->kinds_known) {
		int n = PQnfields(stmt->res);

		for (int col = 0; col < n && col < KNOWN_COLS; col++)
			stmt->kinds[col] = (uint8_t)kind_of(PQftype(stmt->res, col));
		stmt->kinds_known = true;
	}
	return ORM_ROW;
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

/*
 * Column `col` of row `row` into *v, read as `kind`. libpq gives NULL as
 * an empty text, which no number, boolean or date is written as: only an
 * empty text is asked whether it is NULL, and only a text's length is
 * asked for (a number's is not needed).
 */
static inline void read_value(orm_value *v, const PGresult *res, int row, int col, int kind)
{
	const char *text = PQgetvalue(res, row, col); /* NULL out of range */

	v->u.s.len = 0; /* the whole union defined, as orm_int() leaves it */
	if (!text)
		goto null;
	switch (kind) {
	case KIND_INT:
		if (!*text)
			break;
		v->type = ORM_TYPE_INT;
		v->u.i = parse_int64(text);
		return;
	case KIND_FLOAT:
		if (!*text)
			break;
		v->type = ORM_TYPE_FLOAT;
		v->u.f = strtod(text, NULL); /* also reads NaN and Infinity */
		return;
	case KIND_BOOL:
		if (!*text)
			break;
		v->type = ORM_TYPE_BOOL;
		v->u.i = 0;
		v->u.b = text[0] == 't';
		return;
	default:
		v->u.s.len = (size_t)PQgetlength(res, row, col);
		if (v->u.s.len == 0)
			break;
		v->u.s.ptr = text;
		v->type = kind == KIND_DATE       ? ORM_TYPE_DATE
		          : kind == KIND_DATETIME ? ORM_TYPE_DATETIME
		                                  : ORM_TYPE_TEXT;
		return;
	}
	/* An empty text: NULL, or (for text) the empty string. */
	if (!PQgetisnull(res, row, col)) {
		v->type = ORM_TYPE_TEXT;
		v->u.s.ptr = text;
		return;
	}
null:
	*v = orm_null();
}

static inline int kind_at(const orm_dbstmt *stmt, int col)
{
	if (col >= 0 && col < KNOWN_COLS && stmt->kinds_known)
		return stmt->kinds[col];
	return kind_of(PQftype(stmt->res, col));
}

static orm_value pg_column(const orm_dbstmt *stmt, int col)
{
	orm_value v = orm_null();

	if (stmt->res)
		read_value(&v, stmt->res, stmt->row, col, kind_at(stmt, col));
	return v;
}

/* Columns first .. first + n - 1 at once (dialect.h's row()), written
 * straight into `out`. */
static void pg_row(const orm_dbstmt *stmt, int first, int n, orm_value *out)
{
	const PGresult *res = stmt->res;
	bool known = stmt->kinds_known && first >= 0 && first + n <= KNOWN_COLS;

	for (int i = 0; i < n; i++) {
		if (!res)
			out[i] = orm_null();
		else
			read_value(&out[i], res, stmt->row, first + i,
			           known ? stmt->kinds[first + i] : kind_at(stmt, first + i));
	}
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
	orm_err ignored = {0, ""};
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
	if (conn && !conn->broken && orm_pg_settle(conn, &ignored) == ORM_OK &&
	    PQstatus(conn->pg) == CONNECTION_OK) {
		if (PQtransactionStatus(conn->pg) == PQTRANS_INERROR) {
			deallocate_later(conn, stmt->id);
		} else {
			char sql[48];
			int rc;

			snprintf(sql, sizeof sql, "DEALLOCATE orm_%u", stmt->id);
			PQclear(orm_pg_exec_timed(conn, sql, &ignored, &rc));
			deallocate_stale(conn);
		}
	}
	free_stmt(stmt);
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
    .drivers = orm_pg_drivers,
    .connect = orm_pg_connect,
    .disconnect = orm_pg_disconnect,
    .is_alive = orm_pg_is_alive,
    .validate_url = orm_pg_validate_url,
    .single_connection = orm_pg_single_connection,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .sql_sent = pg_sql_sent,
    .nparams = pg_nparams,
    .execute = pg_execute,
    .next = pg_next,
    .ncols = pg_ncols,
    .colname = pg_colname,
    .column = pg_column,
    .row = pg_row,
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
