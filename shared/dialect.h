/*
 * dialect.h - the one interface behind which each database lives (private).
 *
 * Introduced in chapter 1. A dialect is a struct of function pointers; the
 * engine, and later the session and the schema code, call only these. The
 * files dialect_sqlite.c and dialect_postgres*.c are the only ones in the
 * library that include sqlite3.h or libpq-fe.h. If anything above this
 * interface needs to know which database it talks to, the design has leaked:
 * add a function (or a flag) here instead.
 *
 * Conventions for every function below:
 *   - Failures return a negative ORM_E* code and write a one-line message
 *     into `err` with orm_err_set() (see internal.h), keeping the
 *     database's own words. Passwords never appear in messages.
 *   - SQL given to prepare() uses '?' for parameters; the dialect rewrites
 *     it for its database ('?' inside quoted literals is left alone).
 *   - Text handed out by column() is borrowed and valid until the next
 *     next()/reset()/finalize() on that statement.
 */
#ifndef ORM_DIALECT_H
#define ORM_DIALECT_H

#include "internal.h"
#include "orm/engine.h"
#include "orm/schema.h"

typedef struct orm_dbconn orm_dbconn; /* a dialect's open connection */
typedef struct orm_dbstmt orm_dbstmt; /* a dialect's prepared statement */

typedef struct orm_dialect {
	const char *name;           /* "sqlite", "postgresql" */
	const char *const *drivers; /* accepted "+driver" names, NULL-terminated */

	/* Opens a connection for `url` (already checked by validate_url). */
	int (*connect)(orm_dbconn **out, const orm_url *url, const orm_engine_options *opts,
	               orm_err *err);
	void (*disconnect)(orm_dbconn *conn);
	/* Can the connection still be used? Without `ping`, a local look
	 * only (no round trip): false once it is known lost; with `ping`, a
	 * round trip to the server (the pool's pre-ping). */
	bool (*is_alive)(orm_dbconn *conn, bool ping);

	/* Checks at create_engine time that the URL has what this dialect
	 * needs (e.g. a database path for SQLite); ORM_EINVAL naming the part. */
	int (*validate_url)(const orm_url *url, orm_err *err);

	/* True when every connection to `url` would see a different database
	 * (SQLite ":memory:"), so the pool must hold exactly one. */
	bool (*single_connection)(const orm_url *url);

	/* Runs SQL that has no parameters and returns no rows: BEGIN, COMMIT,
	 * ROLLBACK, DDL, pragmas. */
	int (*exec)(orm_dbconn *conn, const char *sql, orm_err *err);

	/* Prepares `sql` (parameters written as '?'). */
	int (*prepare)(orm_dbstmt **out, orm_dbconn *conn, const char *sql, orm_err *err);
	/* The statement text as sent to the database (after rewriting '?'),
	 * shown by echo. Borrowed from the statement. */
	const char *(*sql_sent)(const orm_dbstmt *stmt);
	/* Number of parameters the statement takes. */
	int (*nparams)(const orm_dbstmt *stmt);
	/* Binds `params` and runs the statement. Afterwards next() yields its
	 * rows, if any. Errors of the statement itself (constraints...) are
	 * reported here. */
	int (*execute)(orm_dbstmt *stmt, const orm_value *params, size_t nparams, orm_err *err);
	/* ORM_ROW or ORM_DONE (or a negative code). */
	int (*next)(orm_dbstmt *stmt, orm_err *err);
	int (*ncols)(const orm_dbstmt *stmt);
	const char *(*colname)(const orm_dbstmt *stmt, int col);
	/* Column `col` of the current row, typed as the database reports it. */
	orm_value (*column)(const orm_dbstmt *stmt, int col);
	/* Rows changed by the last execute() of this statement. */
	int64_t (*changes)(const orm_dbstmt *stmt);
	/* Forgets the rows and bindings; the statement can be executed again. */
	void (*reset)(orm_dbstmt *stmt);
	/* Frees the prepared statement. Accepts NULL. */
	void (*finalize)(orm_dbstmt *stmt);

	/* ---- Many rows (chapter 2, the session's flush) ---------------- */

	/*
	 * Runs `stmt` once per row of `params` (nrows rows of nparams values)
	 * and, when on_row is not NULL, calls it after each row with the
	 * statement on that row's first result row (RETURNING), or with NULL
	 * when the row returned none. Afterwards changes() counts the rows
	 * changed by all of them. May be NULL: the engine then calls
	 * execute() once per row, which is all SQLite needs (a loop of
	 * bind/step/reset); PostgreSQL pipelines the rows.
	 */
	int (*execute_batch)(orm_dbstmt *stmt, const orm_value *params, size_t nparams,
	                     size_t nrows,
	                     int (*on_row)(void *ctx, size_t row, const orm_dbstmt *stmt),
	                     void *ctx, orm_err *err);
	/* The rowid of the last row INSERTed on `conn`, for a database that
	 * tells it without RETURNING (SQLite); NULL for one that does not. */
	int64_t (*last_insert_rowid)(orm_dbconn *conn);
	/* True when `msg`, a constraint error this dialect reported, is a
	 * foreign-key violation that does not say which key (SQLite's
	 * "FOREIGN KEY constraint failed"); the session then names the keys
	 * that could be it. PostgreSQL names the constraint and the key:
	 * always false there. */
	bool (*fk_violation_unnamed)(const char *msg);

	/* ---- A whole row at once (the loader's hot path) ----------------
	 * Columns first .. first + n - 1 of the current row into out[0..n-1],
	 * each as column() reads it (borrowed text included), in one call
	 * rather than one per value: loading a row reads every column of its
	 * model. Columns that do not exist, or no current row, read as NULL. */
	void (*row)(const orm_dbstmt *stmt, int first, int n, orm_value *out);

	/* ---- DDL (chapter 3, ddl.c) ------------------------------------
	 * CREATE TABLE, CREATE INDEX and DROP are written by ddl.c alike for
	 * every database; only what differs is asked of the dialect. */

	/* Appends the SQL type of `col` as CREATE TABLE spells it:
	 * VARCHAR(50), TIMESTAMP WITHOUT TIME ZONE, an enum's VARCHAR(n) or
	 * its native type's name. `autoincrement` is true for the table's
	 * database-generated key, which PostgreSQL spells SERIAL. */
	void (*column_type)(orm_buf *out, const orm_column *col, bool autoincrement);
	/* True when the type written for a generated key implies its default
	 * (SERIAL): no DEFAULT clause is written for that column then. */
	bool autoincrement_in_type;
	/* True when enums are types of their own (CREATE TYPE ... AS ENUM),
	 * created before the tables and dropped after them; otherwise an enum
	 * column gets a CHECK constraint listing its labels. */
	bool native_enum;
	/* A query with one parameter, a table name, returning a row when that
	 * table exists where the connection creates tables (checkfirst). */
	const char *has_table_sql;
	/* The same for a native enum type (NULL without native_enum). */
	const char *has_type_sql;

	/* ---- Migrations (chapter 7, dialect_*_migrate.c) ----------------
	 * What differs between databases when a schema is changed in place:
	 * see struct orm_migrate_dialect in migrate_dialect.h. */
	const struct orm_migrate_dialect *migrate;
} orm_dialect;

extern const orm_dialect orm_dialect_sqlite;
extern const orm_dialect orm_dialect_postgres;

/* The dialect an engine speaks through, for the library's own layers
 * (DDL, sessions) that need more than the engine's public calls. */
const orm_dialect *orm_engine_dialect(const orm_engine *engine);

#endif
