/*
 * engine.c - the engine: a URL, a dialect, a pool of connections (pool.c),
 * and running SQL on them.
 *
 * Introduced in chapter 1; orm/engine.h is its reference card. Everything
 * here speaks to the database only through the dialect's function
 * pointers (dialect.h), so this file never knows which database it runs
 * on. It adds what every database needs alike:
 *   - the pool (pool.c): the engine opens it and empties it, and a
 *     connection closed here goes back to it after rolling back;
 *   - per connection, the prepared-statement cache (stmtcache.c);
 *   - transactions, with the ORM_ESTATE rules of engine.h;
 *   - echo: every statement and its parameters, the way SQLAlchemy's
 *     echo=True prints them.
 */
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialect.h"
#include "engine_internal.h"
#include "internal.h"
#include "orm/engine.h"
#include "stmtcache.h"

/* ---- Creating an engine ------------------------------------------- */

static const orm_dialect *const dialects[] = {&orm_dialect_sqlite, &orm_dialect_postgres};

/* The URL as a safe-to-print string, for messages. */
static const char *render(const orm_url *url, char *buf, size_t size)
{
	orm_url_render(url, buf, size);
	return buf;
}

static int find_dialect(const orm_dialect **out, const orm_url *url)
{
	char shown[ORM_ERRMSG_MAX / 2];

	*out = NULL;
	for (size_t i = 0; i < sizeof dialects / sizeof dialects[0]; i++) {
		if (strcmp(url->dialect, dialects[i]->name) == 0)
			*out = dialects[i];
	}
	if (!*out && strcmp(url->dialect, "postgres") == 0)
		return orm_err_set(NULL, ORM_EINVAL,
		                   "unknown dialect 'postgres' in URL '%s': write 'postgresql://' "
		                   "(SQLAlchemy 1.4 dropped the 'postgres' alias)",
		                   render(url, shown, sizeof shown));
	if (!*out)
		return orm_err_set(NULL, ORM_EINVAL,
		                   "unknown dialect '%s' in URL '%s': known dialects are sqlite, "
		                   "postgresql",
		                   url->dialect, render(url, shown, sizeof shown));
	if (!url->driver)
		return ORM_OK;
	for (const char *const *d = (*out)->drivers; *d; d++) {
		if (strcmp(url->driver, *d) == 0)
			return ORM_OK;
	}
	{
		char known[128] = "";

		for (const char *const *d = (*out)->drivers; *d; d++) {
			if (d != (*out)->drivers)
				strncat(known, ", ", sizeof known - strlen(known) - 1);
			strncat(known, *d, sizeof known - strlen(known) - 1);
		}
		return orm_err_set(
		    NULL, ORM_EINVAL,
		    "unknown driver '%s' for dialect '%s' in URL '%s': known drivers "
		    "are %s",
		    url->driver, url->dialect, render(url, shown, sizeof shown), known);
	}
}

static int check_options(const orm_engine_options *o)
{
	if (o->pool_size < 1)
		return orm_err_set(NULL, ORM_EINVAL,
		                   "option pool_size is %d: it must be at least 1", o->pool_size);
	if (o->pool_timeout_ms < 0)
		return orm_err_set(NULL, ORM_EINVAL,
		                   "option pool_timeout_ms is %d: it must be 0 or more",
		                   o->pool_timeout_ms);
	if (o->connect_timeout < 0)
		return orm_err_set(NULL, ORM_EINVAL,
		                   "option connect_timeout is %d: it must be 0 or more",
		                   o->connect_timeout);
	if (o->statement_timeout_ms < 0)
		return orm_err_set(NULL, ORM_EINVAL,
		                   "option statement_timeout_ms is %d: it must be 0 (no limit) or "
		                   "more",
		                   o->statement_timeout_ms);
	if (o->pool_pre_ping_ms < -1)
		return orm_err_set(NULL, ORM_EINVAL,
		                   "option pool_pre_ping_ms is %d: it must be -1 (never) or more",
		                   o->pool_pre_ping_ms);
	return ORM_OK;
}

int orm_create_engine(orm_engine **out, const char *url_text, const orm_engine_options *options)
{
	orm_engine_options opts = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *engine = NULL;
	orm_url *url = NULL;
	const orm_dialect *dialect;
	int rc;

	assert(out);
	*out = NULL;
	if (options)
		opts = *options;
	if ((rc = orm_url_parse(&url, url_text)) < 0)
		goto done;
	if ((rc = find_dialect(&dialect, url)) < 0)
		goto done;
	if ((rc = dialect->validate_url(url, NULL)) < 0)
		goto done;
	if ((rc = check_options(&opts)) < 0)
		goto done;
	/* Every connection to ":memory:" is a new empty database. */
	if (dialect->single_connection(url))
		opts.pool_size = 1;

	if (!(engine = orm_calloc(1, sizeof *engine))) {
		rc = orm_err_set(NULL, ORM_ENOMEM, "out of memory creating an engine");
		goto done;
	}
	engine->dialect = dialect;
	engine->options = opts;
	orm_pool_init(engine);
	engine->url = url;
	url = NULL;
	*out = engine;
	rc = ORM_OK;
done:
	orm_url_free(url);
	return rc;
}

void orm_engine_free(orm_engine *engine)
{
	if (!engine)
		return;
	orm_pool_dispose(engine);
	orm_url_free(engine->url);
	orm_free(engine);
}

const char *orm_errmsg(const orm_engine *engine)
{
	return engine->err.msg;
}

const char *orm_engine_dialect_name(const orm_engine *engine)
{
	return engine->dialect->name;
}

const orm_dialect *orm_engine_dialect(const orm_engine *engine)
{
	return engine->dialect;
}

const orm_url *orm_engine_url(const orm_engine *engine)
{
	return engine->url;
}

const orm_engine_options *orm_engine_get_options(const orm_engine *engine)
{
	return &engine->options;
}

/* ---- Giving a connection back ------------------------------------ */

void orm_conn_close(orm_conn *conn)
{
	bool rolled_back = true;

	if (!conn)
		return;
	/* Every result must have been freed with orm_result_free(). */
	assert(conn->nresults == 0);
	if (conn->in_transaction && orm_conn_rollback(conn) < 0)
		rolled_back = false;
	orm_pool_checkin(conn, rolled_back);
}

const char *orm_conn_errmsg(const orm_conn *conn)
{
	return conn->err.msg;
}

orm_engine *orm_conn_engine(const orm_conn *conn)
{
	return conn->engine;
}

/* ---- Echo --------------------------------------------------------- */

/*
 * Each echo line is built in the connection's buffer and written with one
 * fputs, so lines of different threads never mix, then flushed, so the
 * echo interleaves correctly with the program's own output.
 */
static orm_buf *echo_start(orm_conn *conn)
{
	orm_buf_reset(&conn->echo);
	orm_buf_puts(&conn->echo, "[orm] ");
	return &conn->echo;
}

static void echo_finish(orm_conn *conn)
{
	FILE *stream = conn->engine->options.echo_stream;

	if (!stream)
		stream = stderr;
	orm_buf_putc(&conn->echo, '\n');
	/* Out of memory: the line is left out rather than cut short. */
	if (!conn->echo.failed) {
		fputs(orm_buf_cstr(&conn->echo), stream);
		fflush(stream);
	}
}

static void echo_line(orm_conn *conn, const char *text)
{
	orm_buf_puts(echo_start(conn), text);
	echo_finish(conn);
}

/* A parameter as SQLAlchemy's echo shows it: text quoted. */
static void put_param(orm_buf *b, const orm_value *v)
{
	switch (v->type) {
	case ORM_TYPE_NULL:
		orm_buf_puts(b, "NULL");
		break;
	case ORM_TYPE_INT:
		orm_buf_printf(b, "%" PRId64, v->u.i);
		break;
	case ORM_TYPE_FLOAT:
		orm_buf_printf(b, "%g", v->u.f);
		break;
	case ORM_TYPE_BOOL:
		orm_buf_puts(b, v->u.b ? "true" : "false");
		break;
	case ORM_TYPE_TEXT:
	case ORM_TYPE_DATE:
	case ORM_TYPE_DATETIME:
		orm_buf_putc(b, '\'');
		for (size_t i = 0; i < v->u.s.len; i++) {
			if (v->u.s.ptr[i] == '\'')
				orm_buf_putc(b, '\'');
			orm_buf_putc(b, v->u.s.ptr[i]);
		}
		orm_buf_putc(b, '\'');
		break;
	}
}

/* Two lines: the SQL as sent, then whether the prepared statement was
 * new or reused, and the parameters as a Python tuple: ('x',) or (). */
static void echo_statement(orm_conn *conn, const char *sql, bool cached, const orm_value *params,
                           size_t nparams)
{
	orm_buf *b;

	echo_line(conn, sql);
	b = echo_start(conn);
	orm_buf_puts(b, cached ? "[cached] (" : "[generated] (");
	for (size_t i = 0; i < nparams; i++) {
		if (i > 0)
			orm_buf_puts(b, ", ");
		put_param(b, &params[i]);
	}
	orm_buf_puts(b, nparams == 1 ? ",)" : ")");
	echo_finish(conn);
}

/* ---- Transactions ------------------------------------------------- */

static int run_exec(orm_conn *conn, const char *sql)
{
	if (conn->engine->options.echo)
		echo_line(conn, strcmp(sql, "BEGIN") == 0 ? "BEGIN (implicit)" : sql);
	return conn->engine->dialect->exec(conn->db, sql, &conn->err);
}

int orm_conn_begin(orm_conn *conn)
{
	int rc;

	assert(conn);
	if (conn->in_transaction)
		return orm_err_set(&conn->err, ORM_ESTATE,
		                   "a transaction is already open on this connection");
	if ((rc = run_exec(conn, "BEGIN")) < 0)
		return rc;
	conn->in_transaction = true;
	return ORM_OK;
}

int orm_conn_commit(orm_conn *conn)
{
	orm_err failure;

	assert(conn);
	if (!conn->in_transaction)
		return orm_err_set(&conn->err, ORM_ESTATE,
		                   "no transaction is open on this connection to commit");
	if (run_exec(conn, "COMMIT") == ORM_OK) {
		conn->in_transaction = false;
		return ORM_OK;
	}
	/* Some databases (SQLite) keep the transaction open when COMMIT
	 * fails, e.g. on a deferred foreign key; engine.h promises that
	 * nothing of it stays, so roll it back, and report the COMMIT's
	 * error rather than the rollback's. */
	failure = conn->err;
	(void)run_exec(conn, "ROLLBACK");
	conn->in_transaction = false;
	return orm_err_copy(&conn->err, &failure);
}

int orm_conn_rollback(orm_conn *conn)
{
	int rc;

	assert(conn);
	if (!conn->in_transaction)
		return orm_err_set(&conn->err, ORM_ESTATE,
		                   "no transaction is open on this connection to roll back");
	rc = run_exec(conn, "ROLLBACK");
	conn->in_transaction = false;
	return rc;
}

bool orm_conn_in_transaction(const orm_conn *conn)
{
	return conn->in_transaction;
}

/* ---- Running statements ------------------------------------------- */

static orm_result *new_result(orm_conn *conn)
{
	orm_result *res = conn->spare;

	if (res) {
		conn->spare = NULL;
		return res;
	}
	return orm_calloc(1, sizeof *res);
}

/* Gives back what execute took: the cache entry, or the private statement. */
void orm_conn_release_stmt(orm_conn *conn, orm_dbstmt *stmt, orm_stmt_entry *entry)
{
	conn->engine->dialect->reset(stmt);
	if (entry)
		entry->in_use = false;
	else
		conn->engine->dialect->finalize(stmt);
}

/* True for SQL that changes the schema: CREATE, ALTER or DROP. */
static bool changes_schema(const char *sql)
{
	static const char *const verbs[] = {"CREATE", "ALTER", "DROP"};

	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')
		sql++;
	/* Called for every statement: SELECT, INSERT and UPDATE leave at once. */
	if (*sql == '\0' || !strchr("CADcad", *sql))
		return false;
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		size_t n = strlen(verbs[i]);
		if (strncasecmp(sql, verbs[i], n) == 0 && !isalnum((unsigned char)sql[n]))
			return true;
	}
	return false;
}

/* Empties the statement cache if the schema changed since it was filled
 * (and no open result still reads one of its statements). */
static void forget_stale_statements(orm_conn *conn)
{
	unsigned long now = atomic_load(&conn->engine->schema_changes);

	if (now != conn->schema_seen && conn->nresults == 0) {
		orm_stmt_cache_clear(&conn->cache);
		orm_stmt_cache_init(&conn->cache, conn->engine->dialect);
		conn->schema_seen = now;
	}
}

/* After a successful statement: a schema change makes every connection's
 * prepared statements stale, this one's included. */
static void note_schema_change(orm_conn *conn, const char *sql)
{
	if (changes_schema(sql))
		atomic_fetch_add(&conn->engine->schema_changes, 1);
}

/*
 * The statement for `sql`, ready to run with `nparams` values: the
 * cached one when it is free, else freshly prepared (and cached, unless
 * the cached one is busy serving an open result: then this one stays
 * private and is finalized when released). Marks a cached entry in use
 * and checks the parameter count. orm_conn_execute and
 * orm_conn_execute_many both take their statements here.
 */
static int checkout_stmt(orm_conn *conn, const char *sql, size_t nparams, orm_dbstmt **stmt,
                         orm_stmt_entry **entry, bool *cached)
{
	const orm_dialect *d = conn->engine->dialect;
	int rc;

	*stmt = NULL;
	*cached = false;
	forget_stale_statements(conn);
	*entry = orm_stmt_cache_get(&conn->cache, sql);
	if (*entry && !(*entry)->in_use) {
		*stmt = (*entry)->stmt;
		*cached = true;
	} else {
		if ((rc = d->prepare(stmt, conn->db, sql, &conn->err)) < 0) {
			*entry = NULL;
			return rc;
		}
		*entry = *entry ? NULL : orm_stmt_cache_add(&conn->cache, sql, *stmt);
	}
	if (*entry)
		(*entry)->in_use = true;
	if (d->nparams(*stmt) != (int)nparams) {
		rc = orm_err_set(&conn->err, ORM_EINVAL,
		                 "the statement has %d parameters but %zu values were given: %s",
		                 d->nparams(*stmt), nparams, sql);
		orm_conn_release_stmt(conn, *stmt, *entry);
		*stmt = NULL;
		*entry = NULL;
		return rc;
	}
	return ORM_OK;
}

int orm_conn_execute(orm_result **out, orm_conn *conn, const char *sql, const orm_value *params,
                     size_t nparams)
{
	const orm_dialect *d;
	orm_stmt_entry *entry;
	orm_dbstmt *stmt = NULL;
	orm_result *res = NULL;
	bool cached = false;
	int rc;

	assert(conn && sql && (params || nparams == 0));
	if (out)
		*out = NULL;
	d = conn->engine->dialect;

	/* Allocate the result first: once the statement has run, failing
	 * would hide that it did. */
	if (out && !(res = new_result(conn)))
		return orm_err_set(&conn->err, ORM_ENOMEM, "out of memory running a statement");

	if ((rc = checkout_stmt(conn, sql, nparams, &stmt, &entry, &cached)) < 0)
		goto done;
	if (conn->engine->options.echo)
		echo_statement(conn, d->sql_sent(stmt), cached, params, nparams);
	if ((rc = d->execute(stmt, params, nparams, &conn->err)) < 0) {
		orm_conn_release_stmt(conn, stmt, entry);
		goto done;
	}
	conn->changes = d->changes(stmt);
	note_schema_change(conn, sql);
	if (!out) {
		orm_conn_release_stmt(conn, stmt, entry);
		return ORM_OK;
	}

	res->conn = conn;
	res->stmt = stmt;
	res->entry = entry;
	res->state = 0;
	res->ncols = d->ncols(stmt);
	conn->nresults++;
	*out = res;
	res = NULL;
	rc = ORM_OK;
done:
	if (res) {
		if (conn->spare) {
			orm_free(res->slots);
			orm_free(res);
		} else {
			conn->spare = res;
		}
	}
	return rc;
}

int64_t orm_conn_changes(const orm_conn *conn)
{
	return conn->changes;
}

/* ==== Many rows of parameters: orm_conn_execute_many ================== */
/*
 * Added in chapter 2 for the session's flush, which sends one INSERT or
 * UPDATE shape for many objects at once (SQLAlchemy's executemany). The
 * statement is prepared (or found in the cache) once; the dialect runs it
 * for every row of parameters: SQLite in a loop of bind/step/reset,
 * PostgreSQL in libpq's pipeline mode, one round trip for the batch.
 */

/* SQLAlchemy shows at most 10 parameter sets of an executemany: the
 * first 8 and the last 2. */
#define ECHO_MANY_MAX 10

static void put_row(orm_buf *b, const orm_value *row, size_t nparams)
{
	orm_buf_putc(b, '(');
	for (size_t i = 0; i < nparams; i++) {
		if (i > 0)
			orm_buf_puts(b, ", ");
		put_param(b, &row[i]);
	}
	orm_buf_puts(b, nparams == 1 ? ",)" : ")");
}

/* [generated] [('a',), ('b',) ... displaying 10 of 1000 total bound
 * parameter sets ...  ('y',), ('z',)] - SQLAlchemy's words. */
static void echo_many(orm_conn *conn, const char *sql, bool cached, const orm_value *params,
                      size_t nparams, size_t nrows)
{
	size_t head = nrows <= ECHO_MANY_MAX ? nrows : ECHO_MANY_MAX - 2;
	orm_buf *b;

	echo_line(conn, sql);
	b = echo_start(conn);
	orm_buf_puts(b, cached ? "[cached] [" : "[generated] [");
	for (size_t r = 0; r < head; r++) {
		if (r > 0)
			orm_buf_puts(b, ", ");
		put_row(b, params + r * nparams, nparams);
	}
	if (head < nrows) {
		orm_buf_printf(b, "  ... displaying %d of %zu total bound parameter sets ...  ",
		               ECHO_MANY_MAX, nrows);
		put_row(b, params + (nrows - 2) * nparams, nparams);
		orm_buf_puts(b, ", ");
		put_row(b, params + (nrows - 1) * nparams, nparams);
	}
	orm_buf_putc(b, ']');
	echo_finish(conn);
}

/* What the dialect's per-row callback needs to show the caller a result. */
typedef struct many_rows {
	orm_result res; /* on the statement's current row; never freed as a result */
	int (*on_row)(void *ctx, size_t row, const orm_result *res);
	void *ctx;
} many_rows;

static int many_row(void *ctx, size_t row, const orm_dbstmt *stmt)
{
	many_rows *m = ctx;

	if (!stmt)
		return m->on_row(m->ctx, row, NULL);
	m->res.stmt = (orm_dbstmt *)stmt;
	m->res.state = ORM_ROW;
	m->res.ncols = m->res.conn->engine->dialect->ncols(stmt);
	return m->on_row(m->ctx, row, &m->res);
}

/* For a dialect without execute_batch: execute() once per row, and the
 * first row it returns (or NULL) handed to on_row. */
static int execute_each(const orm_dialect *d, orm_dbstmt *stmt, const orm_value *params,
                        size_t nparams, size_t nrows,
                        int (*on_row)(void *ctx, size_t row, const orm_dbstmt *stmt), void *ctx,
                        orm_err *err, int64_t *changes)
{
	int rc;

	*changes = 0;
	for (size_t r = 0; r < nrows; r++) {
		if ((rc = d->execute(stmt, params + r * nparams, nparams, err)) < 0)
			return rc;
		*changes += d->changes(stmt);
		if (!on_row)
			continue;
		if ((rc = d->next(stmt, err)) < 0)
			return rc;
		if ((rc = on_row(ctx, r, rc == ORM_ROW ? stmt : NULL)) < 0)
			return rc;
	}
	return ORM_OK;
}

int orm_conn_execute_many(orm_conn *conn, const char *sql, const orm_value *params, size_t nparams,
                          size_t nrows, int (*on_row)(void *ctx, size_t row, const orm_result *res),
                          void *ctx)
{
	const orm_dialect *d;
	orm_stmt_entry *entry;
	orm_dbstmt *stmt = NULL;
	many_rows m;
	int64_t changes = 0;
	bool cached = false;
	int rc;

	assert(conn && sql && (params || nparams * nrows == 0));
	d = conn->engine->dialect;
	memset(&m, 0, sizeof m);
	m.res.conn = conn;
	m.on_row = on_row;
	m.ctx = ctx;

	if ((rc = checkout_stmt(conn, sql, nparams, &stmt, &entry, &cached)) < 0)
		return rc;
	/* One row echoes as one execute, as SQLAlchemy's flush of one object. */
	if (conn->engine->options.echo && nrows == 1)
		echo_statement(conn, d->sql_sent(stmt), cached, params, nparams);
	else if (conn->engine->options.echo)
		echo_many(conn, d->sql_sent(stmt), cached, params, nparams, nrows);
	if (d->execute_batch) {
		rc = d->execute_batch(stmt, params, nparams, nrows, on_row ? many_row : NULL, &m,
		                      &conn->err);
		changes = d->changes(stmt);
	} else {
		rc = execute_each(d, stmt, params, nparams, nrows, on_row ? many_row : NULL, &m,
		                  &conn->err, &changes);
	}
	conn->changes = changes;
	if (rc >= 0)
		note_schema_change(conn, sql);
	orm_conn_release_stmt(conn, stmt, entry);
	orm_free(m.res.slots);
	return rc;
}

bool orm_engine_has_lastrowid(const orm_engine *engine)
{
	return engine->dialect->last_insert_rowid != NULL;
}

int64_t orm_conn_lastrowid(const orm_conn *conn)
{
	const orm_dialect *d = conn->engine->dialect;
	return d->last_insert_rowid ? d->last_insert_rowid(conn->db) : 0;
}
