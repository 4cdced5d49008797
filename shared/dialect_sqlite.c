/*
 * dialect_sqlite.c - the SQLite dialect: the sqlite3 C library behind the
 * interface of dialect.h.
 *
 * Introduced in chapter 1. SQLite is a library, not a server: "connecting"
 * opens a file (or an in-memory database), and the URL's database part is
 * its path. In Python the write-up's driver is pysqlite (the sqlite3
 * module); here the driver is the sqlite3 C library itself, so the URL
 * names "sqlite+pysqlite" and "sqlite+sqlite3" are both accepted and mean
 * the same.
 *
 * Connections are opened with SQLITE_OPEN_NOMUTEX (SQLite's "multi-thread"
 * mode): a connection must not be used by two threads at once, which the
 * pool guarantees by handing each connection to one caller at a time. This
 * is what Python's check_same_thread guards against by refusing, in a
 * cruder way.
 *
 * SQLite's result codes are mapped onto the library's few codes; its own
 * message (sqlite3_errmsg) is kept word for word.
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ddl.h"
#include "dialect.h"
#include "migrate_dialect.h"

struct orm_dbconn {
	sqlite3 *db;
	/* "BEGIN" is sent as BEGIN IMMEDIATE (see open_conn). */
	bool begin_immediate;
	/* The statement timeout: the progress handler interrupts a call
	 * that is still running at `deadline` (armed by arm()). */
	int timeout_ms;
	struct timespec deadline;
};

/*
 * SQLite stores a value as NULL, INTEGER, REAL, TEXT or BLOB, whatever the
 * column was declared as; only the declared type tells that an INTEGER is
 * a BOOLEAN, or a TEXT a DATE. Asking sqlite3_column_decltype() and
 * comparing names for every column of every row cost more than reading
 * the row, so each statement asks once and keeps the answer here, for its
 * first KNOWN_COLS columns (further ones are asked every time).
 */
enum { KIND_PLAIN, KIND_BOOLEAN, KIND_DATE, KIND_DATETIME };
#define KNOWN_COLS 64

struct orm_dbstmt {
	sqlite3_stmt *stmt;
	sqlite3 *db;
	orm_dbconn *conn;
	/* sqlite3_step() runs in execute() (that is where an INSERT fails),
	 * so the first row is already there when next_row() is first called. */
	enum { IDLE, FIRST_ROW, ROW, DONE } state;
	int64_t changes;
	sqlite3_int64 total_before; /* sqlite3_total_changes64() before running */
	/* The KIND_* of each column, read from the declared types when
	 * SQLite had prepared the statement `kinds_at` times: SQLite
	 * prepares it again by itself after a schema change (an ALTER
	 * TABLE), and the columns may have changed with it. */
	int kinds_at;
	uint8_t kinds[KNOWN_COLS];
};

static const char *const drivers[] = {"pysqlite", "sqlite3", NULL};

/* ---- Errors ------------------------------------------------------- */

/* SQLite's foreign-key message names no key: the session names them. */
static bool fk_violation_unnamed(const char *msg)
{
	return strstr(msg, "FOREIGN KEY constraint failed") != NULL;
}

/*
 * The library's code for an SQLite result code. `preparing` tells the
 * two meanings of plain SQLITE_ERROR apart: while preparing it means the
 * SQL is wrong (syntax, no such table or column); while running, that
 * something else failed.
 */
static int map_code(int rc, bool preparing)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return ORM_ECONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ORM_EBUSY;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return ORM_ECONNECT;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return ORM_ECORRUPT;
	case SQLITE_READONLY:
		return ORM_EREADONLY;
	case SQLITE_INTERRUPT:
		return ORM_ETIMEOUT; /* only the statement timeout interrupts */
	case SQLITE_NOMEM:
		return ORM_ENOMEM;
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH:
		return ORM_EINVAL;
	case SQLITE_ERROR:
		return preparing ? ORM_ESQL : ORM_ERROR;
	default:
		return ORM_ERROR;
	}
}

static int fail(orm_err *err, sqlite3 *db, int rc, bool preparing)
{
	if ((rc & 0xff) == SQLITE_INTERRUPT)
		return orm_err_set(
		    err, ORM_ETIMEOUT,
		    "the statement ran past statement_timeout_ms and was interrupted");
	return orm_err_set(err, map_code(rc, preparing), "%s",
	                   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/* ---- The statement timeout ------------------------------------------
 * SQLite calls the progress handler every PROGRESS_STEPS virtual-machine
 * instructions of a running statement; a non-zero return interrupts it
 * (SQLITE_INTERRUPT, which fail() reports as ORM_ETIMEOUT). Each call
 * that runs the statement - the first step in execute(), each next row,
 * exec() - gets the whole timeout. A wait for another connection's lock
 * is bounded by the busy timeout instead (connect_timeout). */
#define PROGRESS_STEPS 1000

static int on_progress(void *ctx)
{
	orm_dbconn *conn = ctx;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > conn->deadline.tv_sec ||
	       (now.tv_sec == conn->deadline.tv_sec && now.tv_nsec >= conn->deadline.tv_nsec);
}

/* fail() for a call that arm() timed: an interrupt is the timeout's. */
static int fail_timed(orm_err *err, orm_dbconn *conn, sqlite3 *db, int rc)
{
	if ((rc & 0xff) == SQLITE_INTERRUPT && conn)
		return orm_err_set(err, ORM_ETIMEOUT,
		                   "the statement ran past statement_timeout_ms (%d ms) and was "
		                   "interrupted",
		                   conn->timeout_ms);
	return fail(err, db, rc, false);
}

/* Starts the timeout of one call into SQLite. */
static void arm(orm_dbconn *conn)
{
	if (!conn || conn->timeout_ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &conn->deadline);
	conn->deadline.tv_sec += conn->timeout_ms / 1000;
	conn->deadline.tv_nsec += (long)(conn->timeout_ms % 1000) * 1000000L;
	if (conn->deadline.tv_nsec >= 1000000000L) {
		conn->deadline.tv_sec++;
		conn->deadline.tv_nsec -= 1000000000L;
	}
}

/* ---- Connecting --------------------------------------------------- */

static int validate_url(const orm_url *url, orm_err *err)
{
	char shown[ORM_ERRMSG_MAX / 2];

	orm_url_render(url, shown, sizeof shown);
	if (!url->database || !*url->database)
		return orm_err_set(err, ORM_EINVAL,
		                   "invalid URL '%s': no database path (use sqlite:///:memory: or "
		                   "sqlite:///file.db)",
		                   shown);
	if (url->host || url->port || url->username || url->password)
		return orm_err_set(
		    err, ORM_EINVAL,
		    "invalid URL '%s': SQLite takes no user, password, host or port, "
		    "only a path after three slashes (sqlite:///file.db)",
		    shown);
	for (size_t i = 0; i < url->nquery; i++) {
		const char *key = url->query[i].key, *value = url->query[i].value;

		if (strcmp(key, "mode") != 0)
			return orm_err_set(err, ORM_EINVAL,
			                   "invalid URL '%s': unknown SQLite query parameter '%s' "
			                   "(known: mode)",
			                   shown, key);
		if (strcmp(value, "ro") && strcmp(value, "rw") && strcmp(value, "rwc"))
			return orm_err_set(err, ORM_EINVAL,
			                   "invalid URL '%s': mode '%s' is not ro, rw or rwc",
			                   shown, value);
	}
	return ORM_OK;
}

static bool single_connection(const orm_url *url)
{
	return strcmp(url->database, ":memory:") == 0;
}

static int run(sqlite3 *db, const char *sql, orm_err *err);

/* sqlite3_open_v2's flags for the URL's ?mode=, as in SQLite's own URIs:
 * ro, rw (the file must exist), rwc (the default: created if missing). */
static int open_flags(const char *mode)
{
	if (mode && !strcmp(mode, "ro"))
		return SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READONLY;
	if (mode && !strcmp(mode, "rw"))
		return SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE;
	return SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
}

/* The engine's options on a database just opened. */
static int configure(orm_dbconn *conn, sqlite3 *db, const orm_url *url,
                     const orm_engine_options *opts, bool read_only, orm_err *err)
{
	bool in_memory = strcmp(url->database, ":memory:") == 0;
	int rc;

	conn->timeout_ms = opts->statement_timeout_ms;
	if (conn->timeout_ms > 0)
		sqlite3_progress_handler(db, PROGRESS_STEPS, on_progress, conn);
	sqlite3_extended_result_codes(db, 1);
	/* How long a statement waits for another connection's lock. */
	sqlite3_busy_timeout(
	    db, opts->connect_timeout > INT_MAX / 1000 ? INT_MAX : opts->connect_timeout * 1000);
	/* Off by default in SQLite, for backward compatibility. */
	if (opts->sqlite_foreign_keys && (rc = run(db, "PRAGMA foreign_keys = ON", err)) < 0)
		return rc;
	/* A file that is not a database only shows on the first read. */
	if ((rc = run(db, "SELECT count(*) FROM sqlite_schema", err)) < 0)
		return orm_err_set(err, rc, "cannot open SQLite database '%s': %s", url->database,
		                   sqlite3_errmsg(db));
	/*
	 * Many writers on one file (BOOK.md, chapter 1). A
	 * transaction that reads, then writes, must upgrade its read lock to
	 * a write lock; if another connection is writing, SQLite cannot wait
	 * for it (the other may be waiting for this one's read lock to go)
	 * and fails at once with SQLITE_BUSY, busy timeout or not. BEGIN
	 * IMMEDIATE takes the write lock at BEGIN, where waiting is safe,
	 * so the busy timeout applies. WAL lets readers go on meanwhile. A
	 * file whose journal mode cannot change (read-only) keeps its own.
	 */
	if (opts->sqlite_wal && !in_memory && !read_only && *url->database)
		(void)run(db, "PRAGMA journal_mode = WAL", NULL);
	conn->begin_immediate = opts->sqlite_begin_immediate && !read_only;
	return ORM_OK;
}

static int open_conn(orm_dbconn **out, const orm_url *url, const orm_engine_options *opts,
                     orm_err *err)
{
	orm_dbconn *conn = NULL;
	sqlite3 *db = NULL;
	const char *mode = orm_url_query_get(url, "mode");
	int rc;

	*out = NULL;
	if (!(conn = orm_calloc(1, sizeof *conn))) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory opening '%s'", url->database);
		goto done;
	}
	if ((rc = sqlite3_open_v2(url->database, &db, open_flags(mode), NULL)) != SQLITE_OK) {
		rc = orm_err_set(err, rc == SQLITE_NOMEM ? ORM_ENOMEM : ORM_ECONNECT,
		                 "cannot open SQLite database '%s': %s", url->database,
		                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto done;
	}
	if ((rc = configure(conn, db, url, opts, mode && !strcmp(mode, "ro"), err)) < 0)
		goto done;
	conn->db = db;
	db = NULL;
	*out = conn;
	conn = NULL;
done:
	sqlite3_close(db);
	orm_free(conn);
	return rc;
}

/* A SQLite connection is a file handle: nothing can cut it off. */
static bool is_alive(orm_dbconn *conn, bool ping)
{
	(void)conn;
	(void)ping;
	return true;
}

static void close_conn(orm_dbconn *conn)
{
	if (!conn)
		return;
	/* The engine finalized every statement first, so this closes. */
	sqlite3_close(conn->db);
	orm_free(conn);
}

/* ---- Statements --------------------------------------------------- */

/*
 * Prepares exactly one statement. SQLite would silently ignore anything
 * after the first one; we refuse instead, so "a; b" is not half run.
 */
static int prepare_one(sqlite3_stmt **out, sqlite3 *db, const char *sql, orm_err *err)
{
	sqlite3_stmt *stmt = NULL, *extra = NULL;
	const char *tail;
	int rc;

	*out = NULL;
	rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
	if (rc != SQLITE_OK)
		return fail(err, db, rc, true);
	if (!stmt)
		return orm_err_set(err, ORM_EINVAL, "no SQL statement in '%s'", sql);
	/* The rest may be only whitespace, ';' and comments (no statement). */
	while (*tail) {
		rc = sqlite3_prepare_v2(db, tail, -1, &extra, &tail);
		if (rc != SQLITE_OK || extra) {
			sqlite3_finalize(extra);
			sqlite3_finalize(stmt);
			return orm_err_set(err, ORM_EINVAL,
			                   "more than one SQL statement in one call: '%s'", sql);
		}
	}
	*out = stmt;
	return ORM_OK;
}

/* Runs SQL without parameters or rows (BEGIN, COMMIT, DDL, PRAGMA). */
static int run(sqlite3 *db, const char *sql, orm_err *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((rc = prepare_one(&stmt, db, sql, err)) < 0)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		rc = fail(err, db, rc, false);
	else
		rc = ORM_OK;
	sqlite3_finalize(stmt);
	return rc;
}

static int exec_sql(orm_dbconn *conn, const char *sql, orm_err *err)
{
	int rc;

	if (conn->begin_immediate && strcmp(sql, "BEGIN") == 0)
		sql = "BEGIN IMMEDIATE";
	arm(conn);
	if ((rc = run(conn->db, sql, err)) == ORM_ETIMEOUT)
		rc = fail_timed(err, conn, conn->db, SQLITE_INTERRUPT);
	return rc;
}

/* Case-insensitive comparison of a declared type with `name`. */
static bool decl_is(const char *decl, const char *name)
{
	return decl && sqlite3_stricmp(decl, name) == 0;
}

/* What column `col`'s declared type says about reading its values. */
static int decl_kind(sqlite3_stmt *s, int col)
{
	const char *decl = sqlite3_column_decltype(s, col);

	if (decl_is(decl, "BOOLEAN"))
		return KIND_BOOLEAN;
	if (decl_is(decl, "DATE"))
		return KIND_DATE;
	if (decl_is(decl, "DATETIME") || decl_is(decl, "TIMESTAMP"))
		return KIND_DATETIME;
	return KIND_PLAIN;
}

/* Reads the kinds of the columns, unless they were read since SQLite
 * last prepared the statement. */
static void learn_kinds(orm_dbstmt *stmt)
{
	int at = sqlite3_stmt_status(stmt->stmt, SQLITE_STMTSTATUS_REPREPARE, 0);
	int n;

	if (at == stmt->kinds_at)
		return;
	n = sqlite3_column_count(stmt->stmt);
	for (int col = 0; col < n && col < KNOWN_COLS; col++)
		stmt->kinds[col] = (uint8_t)decl_kind(stmt->stmt, col);
	stmt->kinds_at = at;
}

static int prepare(orm_dbstmt **out, orm_dbconn *conn, const char *sql, orm_err *err)
{
	sqlite3_stmt *stmt;
	orm_dbstmt *s;
	int rc;

	*out = NULL;
	if ((rc = prepare_one(&stmt, conn->db, sql, err)) < 0)
		return rc;
	if (!(s = orm_calloc(1, sizeof *s))) {
		sqlite3_finalize(stmt);
		return orm_err_set(err, ORM_ENOMEM, "out of memory preparing a statement");
	}
	s->stmt = stmt;
	s->db = conn->db;
	s->conn = conn;
	s->state = IDLE;
	s->kinds_at = -1; /* learnt with the first row */
	*out = s;
	return ORM_OK;
}

static const char *sql_sent(const orm_dbstmt *stmt)
{
	/* '?' is SQLite's own placeholder: the text goes as written. */
	return sqlite3_sql(stmt->stmt);
}

static int nparams(const orm_dbstmt *stmt)
{
	return sqlite3_bind_parameter_count(stmt->stmt);
}

static int bind_value(orm_dbstmt *stmt, int i, const orm_value *v)
{
	sqlite3_stmt *s = stmt->stmt;

	/* Text is copied (SQLITE_TRANSIENT): the caller's strings need only
	 * live for the call, even though rows are read later. A statement
	 * that returns no rows (an INSERT, UPDATE or DELETE without
	 * RETURNING) runs to its end in execute()'s one sqlite3_step(), and
	 * is bound afresh before it runs again: its text is not copied. */
	switch (v->type) {
	case ORM_TYPE_NULL:
		return sqlite3_bind_null(s, i);
	case ORM_TYPE_INT:
		return sqlite3_bind_int64(s, i, v->u.i);
	case ORM_TYPE_FLOAT:
		return sqlite3_bind_double(s, i, v->u.f);
	case ORM_TYPE_BOOL:
		/* SQLite has no boolean; SQLAlchemy stores 0 and 1. */
		return sqlite3_bind_int(s, i, v->u.b ? 1 : 0);
	case ORM_TYPE_TEXT:
	case ORM_TYPE_DATE:
	case ORM_TYPE_DATETIME:
		/* Dates are ISO 8601 text, as SQLAlchemy stores them. */
		return sqlite3_bind_text64(
		    s, i, v->u.s.ptr, v->u.s.len,
		    sqlite3_column_count(s) ? SQLITE_TRANSIENT : SQLITE_STATIC, SQLITE_UTF8);
	}
	return SQLITE_MISMATCH;
}

/*
 * sqlite3_changes() keeps the count of the last INSERT, UPDATE or DELETE
 * even across other statements, so it counts only if this statement
 * changed rows. SQLite counts when the statement finishes: with RETURNING
 * that is after its last row, so next_row() calls this again at the end.
 */
static void count_changes(orm_dbstmt *stmt)
{
	stmt->changes = sqlite3_total_changes64(stmt->db) != stmt->total_before
	                    ? sqlite3_changes64(stmt->db)
	                    : 0;
}

static int execute(orm_dbstmt *stmt, const orm_value *params, size_t n, orm_err *err)
{
	int rc;

	/* A statement handed back by reset() (or new) is ready already. */
	if (stmt->state != IDLE)
		sqlite3_reset(stmt->stmt);
	stmt->state = IDLE;
	for (size_t i = 0; i < n; i++) {
		if ((rc = bind_value(stmt, (int)i + 1, &params[i])) != SQLITE_OK)
			return orm_err_set(err, map_code(rc, false),
			                   "cannot bind parameter %zu: %s", i + 1,
			                   sqlite3_errmsg(stmt->db));
	}
	stmt->total_before = sqlite3_total_changes64(stmt->db);
	arm(stmt->conn);
	rc = sqlite3_step(stmt->stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = fail_timed(err, stmt->conn, stmt->db, rc);
		sqlite3_reset(stmt->stmt);
		return rc;
	}
	count_changes(stmt);
	/* Only a statement with rows needs its kinds; sqlite3_step() may
	 * have prepared it again (it does so only at the first step). */
	if (rc == SQLITE_ROW)
		learn_kinds(stmt);
	stmt->state = rc == SQLITE_ROW ? FIRST_ROW : DONE;
	return ORM_OK;
}

static int next_row(orm_dbstmt *stmt, orm_err *err)
{
	int rc;

	switch (stmt->state) {
	case FIRST_ROW:
		stmt->state = ROW;
		return ORM_ROW;
	case ROW:
		break;
	default:
		/* Never step past the end: SQLite would run the statement again. */
		return ORM_DONE;
	}
	arm(stmt->conn);
	rc = sqlite3_step(stmt->stmt);
	if (rc == SQLITE_ROW)
		return ORM_ROW;
	stmt->state = DONE;
	if (rc == SQLITE_DONE) {
		count_changes(stmt);
		return ORM_DONE;
	}
	return fail_timed(err, stmt->conn, stmt->db, rc);
}

static int ncols(const orm_dbstmt *stmt)
{
	return sqlite3_column_count(stmt->stmt);
}

static const char *colname(const orm_dbstmt *stmt, int col)
{
	return sqlite3_column_name(stmt->stmt, col);
}

/*
 * One value, typed from SQLite's storage class and the column's declared
 * kind. sqlite3_column_value() finds the column once; sqlite3_column_type(),
 * _int64(), _text() and _bytes() would each find it again (and enter and
 * leave the connection's mutex). The value is "unprotected" - read without
 * that mutex - which SQLite allows on a connection opened without one
 * (SQLITE_OPEN_NOMUTEX, see open_conn), as ours are.
 */
static inline void read_value(orm_value *v, sqlite3_stmt *s, int col, int kind)
{
	sqlite3_value *val = sqlite3_column_value(s, col);

	/* The whole union is defined, zeroes past a number, as orm_int()
	 * leaves it. */
	v->u.s.len = 0;
	switch (sqlite3_value_type(val)) {
	case SQLITE_INTEGER:
		/* SQLite stores booleans as 0/1; the declared type tells. */
		if (kind == KIND_BOOLEAN) {
			v->type = ORM_TYPE_BOOL;
			v->u.i = 0;
			v->u.b = sqlite3_value_int64(val) != 0;
		} else {
			v->type = ORM_TYPE_INT;
			v->u.i = sqlite3_value_int64(val);
		}
		return;
	case SQLITE_FLOAT:
		v->type = ORM_TYPE_FLOAT;
		v->u.f = sqlite3_value_double(val);
		return;
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		/* sqlite3_value_text() NUL-terminates, blobs included; the
		 * length is asked after the text, as SQLite's docs advise. */
		v->u.s.ptr = (const char *)sqlite3_value_text(val);
		v->u.s.len = (size_t)sqlite3_value_bytes(val);
		v->type = kind == KIND_DATE       ? ORM_TYPE_DATE
		          : kind == KIND_DATETIME ? ORM_TYPE_DATETIME
		                                  : ORM_TYPE_TEXT;
		return;
	default:
		*v = orm_null();
		return;
	}
}

static orm_value column(const orm_dbstmt *stmt, int col)
{
	int kind = col < KNOWN_COLS ? stmt->kinds[col] : decl_kind(stmt->stmt, col);
	orm_value v;

	read_value(&v, stmt->stmt, col, kind);
	return v;
}

/* Columns first .. first + n - 1 at once: column() without a call through
 * the dialect's table for each, written straight into `out`. Past the last
 * column, NULL. */
static void row_values(const orm_dbstmt *stmt, int first, int n, orm_value *out)
{
	sqlite3_stmt *s = stmt->stmt;
	int ncol = sqlite3_data_count(s);

	for (int i = 0, col = first; i < n; i++, col++) {
		if (col < 0 || col >= ncol)
			out[i] = orm_null();
		else
			read_value(&out[i], s, col,
			           col < KNOWN_COLS ? stmt->kinds[col] : decl_kind(s, col));
	}
}

static int64_t changes(const orm_dbstmt *stmt)
{
	return stmt->changes;
}

static void reset(orm_dbstmt *stmt)
{
	/* Ends the statement's read of the database (releasing its locks).
	 * The bindings are left: the next execute() binds every parameter
	 * again (the engine checks their number), replacing them all, so
	 * clearing them here would be work done twice. */
	sqlite3_reset(stmt->stmt);
	stmt->state = IDLE;
}

static void finalize(orm_dbstmt *stmt)
{
	if (!stmt)
		return;
	sqlite3_finalize(stmt->stmt);
	orm_free(stmt);
}

/* The rowid of the last INSERT (chapter 2): the session reads generated
 * keys this way rather than with RETURNING, which costs SQLite a temporary
 * table per statement. */
static int64_t last_insert_rowid(orm_dbconn *conn)
{
	return sqlite3_last_insert_rowid(conn->db);
}

/* ---- DDL (chapter 3) ------------------------------------------------
 * SQLite takes the generic type names SQLAlchemy writes (DATETIME
 * included). An enum is a VARCHAR as long as its longest label, which
 * ddl.c follows with a CHECK constraint listing the labels. A generated
 * key needs nothing: an INTEGER PRIMARY KEY is SQLite's rowid. */

static void column_type(orm_buf *out, const orm_column *col, bool autoincrement)
{
	(void)autoincrement;
	orm_ddl_standard_type(out, col);
}

const orm_dialect orm_dialect_sqlite = {
    .name = "sqlite",
    .drivers = drivers,
    .connect = open_conn,
    .disconnect = close_conn,
    .is_alive = is_alive,
    .validate_url = validate_url,
    .single_connection = single_connection,
    .exec = exec_sql,
    .prepare = prepare,
    .sql_sent = sql_sent,
    .nparams = nparams,
    .execute = execute,
    .next = next_row,
    .ncols = ncols,
    .colname = colname,
    .column = column,
    .row = row_values,
    .changes = changes,
    .reset = reset,
    .finalize = finalize,
    .last_insert_rowid = last_insert_rowid,
    .fk_violation_unnamed = fk_violation_unnamed,
    .column_type = column_type,
    .autoincrement_in_type = false,
    .native_enum = false,
    .has_table_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
    .has_type_sql = NULL,
    .migrate = &orm_migrate_sqlite, /* chapter 7: dialect_sqlite_migrate.c */
};
