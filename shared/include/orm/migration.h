/*
 * orm/migration.h - migrations: Alembic's revisions, operations and runner in C.
 *
 * Introduced in chapter 7. create_all (chapter 3) creates what is missing
 * and never changes what exists; once a table holds rows, a changed model
 * needs a migration: a revision that says how to go from one schema to
 * the next (upgrade) and back (downgrade). This header has the three
 * parts Alembic has:
 *
 *   - revisions: a revision is a struct with an id (12 hex digits), the
 *     revision(s) it follows (down_revision; two for a merge), a message,
 *     a creation date and its upgrade() and downgrade() functions. The
 *     revisions of a project form a graph (orm_revisions), normally a
 *     chain from `base` to one `head`.
 *   - operations (Alembic's `op`): what upgrade() and downgrade() call -
 *     orm_op_create_table(), orm_op_add_column(), ... - written once and
 *     rendered by the dialect for SQLite or PostgreSQL. On SQLite, which
 *     cannot alter most things in place, the operations that need it run
 *     in batch mode (move and copy: see orm_op_batch_begin()).
 *   - the runner: orm_migrate_upgrade() and orm_migrate_downgrade() apply
 *     revisions in one transaction, keeping the database's current
 *     revision(s) in Alembic's own version table,
 *         alembic_version (version_num VARCHAR(32) NOT NULL,
 *                          CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))
 *     one row per head, so Alembic could take over such a database.
 *
 * Lifecycle of a revision graph:
 *   1. orm_revisions_new()        check and index the revisions (ids, parents, cycles)
 *   2. orm_revisions_resolve() .. ask about it: heads, history, REV strings
 *   3. orm_migrate_upgrade() ...  run it against an engine (or print its SQL: .sql)
 *   4. orm_revisions_free()
 *
 * Errors: the graph's calls and the runner's put a one-line message on
 * the graph (orm_revisions_errmsg()) and in orm_error_last(), naming the
 * revision at fault: "unknown revision 'abc'", "ambiguous revision prefix
 * 'a' (ae1027a6acf0, a1b2c3d4e5f6)", "Multiple heads are present ...".
 */
#ifndef ORM_MIGRATION_H
#define ORM_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "orm/engine.h"
#include "orm/schema.h"
#include "orm/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- operations ----------------------------------------------------- */

/*
 * The operations context handed to a revision's upgrade() and
 * downgrade(). It runs each operation at once on the migration's
 * connection, or, in offline mode (--sql), prints it. Every operation
 * returns ORM_OK or a negative code with the message in
 * orm_op_errmsg(op); a revision function returns the first failure it
 * meets, and the runner then rolls everything back. The runner makes the
 * context for a run and frees it afterwards: a revision only borrows it,
 * for the length of its upgrade() or downgrade() call.
 */
typedef struct orm_op orm_op;

const char *orm_op_errmsg(const orm_op *op);
/* "sqlite" or "postgresql": for the rare revision that must differ. */
const char *orm_op_dialect_name(const orm_op *op);

/*
 * A table as a migration declares it: an orm_model with no struct behind
 * it. A revision declares the table as it is at that revision, so it
 * never changes when the application's models change later.
 *
 *     static const orm_column users_columns[] = {
 *             ORM_TABLE_COLUMN("id", ORM_INTEGER, .primary_key = true),
 *             ORM_TABLE_COLUMN("email", ORM_STRING, .unique = true, .index = true),
 *     };
 *     static const orm_model users = ORM_TABLE("users", users_columns);
 */
#define ORM_TABLE_COLUMN(NAME, TYPE, ...)                   \
	{                                                   \
		.name = (NAME), .type = (TYPE), __VA_ARGS__ \
	}
#define ORM_TABLE(TABLENAME, COLUMNS)                                                           \
	{                                                                                       \
		.name = (TABLENAME), .tablename = (TABLENAME), .size = 0, .columns = (COLUMNS), \
		.ncolumns = ORM_COUNTOF(COLUMNS)                                                \
	}
#define ORM_TABLE_WITH_CONSTRAINTS(TABLENAME, COLUMNS, CONSTRAINTS)                             \
	{                                                                                       \
		.name = (TABLENAME), .tablename = (TABLENAME), .size = 0, .columns = (COLUMNS), \
		.ncolumns = ORM_COUNTOF(COLUMNS), .constraints = (CONSTRAINTS),                 \
		.nconstraints = ORM_COUNTOF(CONSTRAINTS)                                        \
	}

/*
 * CREATE TABLE as create_all writes it, then the table's indexes. On
 * PostgreSQL each enum type a column uses is created first when the
 * database does not have it yet.
 */
int orm_op_create_table(orm_op *op, const orm_model *table);

/*
 * DROP TABLE. It takes the table's declaration (the one create_table
 * took), not only its name, so that on PostgreSQL it knows the enum types
 * the table used: each is dropped after the table when no other column of
 * the database uses it any more (offline: when no table created in the
 * same script does). Alembic leaves them behind (its issue #886).
 */
int orm_op_drop_table(orm_op *op, const orm_model *table);

/* ALTER TABLE ... RENAME TO ... */
int orm_op_rename_table(orm_op *op, const char *table, const char *new_name);

/* ALTER TABLE ... ADD COLUMN; an enum column's type is created first
 * where needed (PostgreSQL), and its CHECK written with it (SQLite).
 * A NOT NULL column needs a server_default when the table has rows. As
 * in Alembic, the column's .index is not made here: that is a
 * create_index of its own. */
int orm_op_add_column(orm_op *op, const char *table, const orm_column *column);

/* Drops the column (SQLite: in batch mode, which also drops the
 * indexes over it). */
int orm_op_drop_column(orm_op *op, const char *table, const char *column);

/* What orm_op_alter_column() changes; leave the rest as INIT has them. */
typedef struct orm_alter_column {
	int nullable;               /* ORM_NULLABLE_YES / _NO; 0 keeps it */
	const orm_column *type;     /* the column with its new type, or NULL */
	const char *new_name;       /* rename to this, or NULL */
	const char *server_default; /* set this DEFAULT, or NULL */
	bool drop_server_default;   /* drop the DEFAULT */
} orm_alter_column;

/* clang-format off */
#define ORM_ALTER_COLUMN_INIT {0, NULL, NULL, NULL, false}
/* clang-format on */

/* Alembic's alter_column: PostgreSQL alters in place; SQLite renames in
 * place and does the rest in batch mode. */
int orm_op_alter_column(orm_op *op, const char *table, const char *column,
                        const orm_alter_column *changes);

/* CREATE [UNIQUE] INDEX name ON table (columns); columns "a, b". Inside
 * a batch on `table`, the index is made on the rebuilt table, and a
 * dropped one is simply not made again. */
int orm_op_create_index(orm_op *op, const char *name, const char *table, const char *columns,
                        bool unique);
int orm_op_drop_index(orm_op *op, const char *name, const char *table);

/* Named constraints added to an existing table (SQLite: batch mode). */
int orm_op_create_unique_constraint(orm_op *op, const char *name, const char *table,
                                    const char *columns);
int orm_op_create_foreign_key(orm_op *op, const char *name, const char *table, const char *columns,
                              const char *referred_table, const char *referred_columns);
int orm_op_create_check_constraint(orm_op *op, const char *name, const char *table,
                                   const char *condition);
/* Drops the constraint `name` of `table`, of whatever kind. */
int orm_op_drop_constraint(orm_op *op, const char *name, const char *table);

/*
 * Enum types. orm_op_create_enum and orm_op_drop_enum are CREATE TYPE and
 * DROP TYPE on PostgreSQL and nothing on SQLite (where an enum is a CHECK
 * that comes and goes with its column). orm_op_add_enum_value is
 * PostgreSQL's ALTER TYPE ... ADD VALUE (ORM_EINVAL on SQLite).
 * orm_op_alter_enum changes the labels of the enum `from` used by
 * table.column to those of `to` on either database: PostgreSQL adds new
 * trailing labels with ADD VALUE and rebuilds the type when labels go or
 * move; SQLite rebuilds the table's CHECK in batch mode. A row holding a
 * label that goes away makes it fail, and nothing is changed.
 */
int orm_op_create_enum(orm_op *op, const orm_enum *type);
int orm_op_drop_enum(orm_op *op, const char *name);
int orm_op_add_enum_value(orm_op *op, const char *type, const char *label);
int orm_op_alter_enum(orm_op *op, const char *table, const char *column, const orm_enum *from,
                      const orm_enum *to);

/* Runs SQL as it is (data migrations). */
int orm_op_execute(orm_op *op, const char *sql);

/* INSERTs `nrows` rows of values into `columns` ("a, b") of `table`;
 * `rows` holds them row after row. */
int orm_op_bulk_insert(orm_op *op, const char *table, const char *columns, const orm_value *rows,
                       size_t nrows);

/*
 * Batch mode, explicit (Alembic's `with op.batch_alter_table(...)`).
 * Between begin and end, the operations on `table` that SQLite cannot do
 * in place are gathered, and end rebuilds the table once: CREATE TABLE
 * _alembic_tmp_<table> with the new definition, copy the rows, DROP the
 * old table, RENAME the new one, recreate the indexes. The definition is
 * the table's own CREATE TABLE text edited, so every constraint stays,
 * named or not (Alembic's batch mode drops unnamed CHECKs: its #1846).
 * Without begin, each such operation is a batch of its own. On PostgreSQL
 * begin and end do nothing: every operation runs in place.
 */
int orm_op_batch_begin(orm_op *op, const char *table);
int orm_op_batch_end(orm_op *op);

/* ---- revisions ------------------------------------------------------ */

typedef struct orm_revision {
	const char *id;             /* 12 lower-case hex digits, like Alembic's */
	const char *down_revision;  /* the revision this one follows; NULL for the first */
	const char *down_revision2; /* a merge's second parent, else NULL */
	const char *message;        /* "create users" */
	const char *create_date;    /* "2024-06-21 10:00:00" */
	int (*upgrade)(orm_op *op);
	int (*downgrade)(orm_op *op);
} orm_revision;

typedef struct orm_revisions orm_revisions;

/*
 * Indexes `count` revisions (borrowed: they must outlive the graph).
 * ORM_EINVAL naming the revision when an id is not 12 hex digits or
 * appears twice, a down_revision is unknown, or the down_revisions form
 * a cycle ("cycle in the revision graph: a -> b -> a"). The graph is
 * returned even then (the message stays on it), so the caller frees it.
 */
int orm_revisions_new(orm_revisions **out, const orm_revision *const *revisions, size_t count);
void orm_revisions_free(orm_revisions *revisions);
const char *orm_revisions_errmsg(const orm_revisions *revisions);

/* Every revision, parents before children (ties: by id). Borrowed. */
const orm_revision *const *orm_revisions_all(const orm_revisions *revisions, size_t *count);

/* The heads: revisions no other revision follows, sorted by id. Borrowed. */
const orm_revision *const *orm_revisions_heads(const orm_revisions *revisions, size_t *count);

/*
 * Resolves a revision given as a full id or a unique prefix of one, or
 * "head" (the single head; "Multiple heads are present" otherwise). NULL
 * for "base". ORM_ENOTFOUND for an unknown revision, ORM_EINVAL for an
 * ambiguous prefix.
 */
int orm_revisions_resolve(const orm_revision **out, orm_revisions *revisions, const char *rev);

/* Alembic's `history`: newest first, "<down> -> <id> (head), message";
 * verbose adds the date and parents. */
void orm_revisions_history(FILE *out, const orm_revisions *revisions, bool verbose);

/* The graph in Graphviz's dot language (`history --graph`): one node per
 * revision, labelled with its short id and message, an edge from each
 * parent. */
void orm_revisions_graph(FILE *out, const orm_revisions *revisions);

/* ---- running them --------------------------------------------------- */

typedef struct orm_migrate_options {
	/* Offline mode (--sql): print the SQL to `out` instead of connecting. */
	bool sql;
	/* Where offline SQL, and the "Running upgrade a -> b" lines, go;
	 * NULL means stdout. */
	FILE *out;
	/* Print "Running upgrade a -> b, message" for each revision. */
	bool verbose;
	/* Offline only: the revision the database is assumed to be at
	 * ("FROM:TO"); NULL means base. */
	const char *from;
} orm_migrate_options;

/* clang-format off */
#define ORM_MIGRATE_OPTIONS_INIT {false, NULL, false, NULL}
/* clang-format on */

/*
 * Upgrades the database to `target`: "head" (the single head), "heads"
 * (every head), "+N" (N revisions up from the current one), or a revision
 * (id or unique prefix). Every revision between the database's current
 * revision(s) and the target runs, parents first, in one transaction that
 * first takes a lock (PostgreSQL: an advisory lock; SQLite: BEGIN
 * IMMEDIATE), so two upgrades started at once never both apply: the
 * second waits and then finds nothing left to do. On any error nothing
 * is changed, schema and version alike. Errors: an unknown or ambiguous
 * target; "Multiple heads are present" for "head" with two heads; a
 * database at a revision the graph does not know.
 */
int orm_migrate_upgrade(orm_revisions *revisions, orm_engine *engine, const char *target,
                        const orm_migrate_options *options);

/*
 * Downgrades to `target`: "base" (nothing applied), "-N" (N revisions
 * down from the current head), or a revision, which stays applied;
 * everything above it is downgraded, children first, in one transaction.
 * "-N" past the first revision is refused ("downgrade -3 would go below
 * base").
 */
int orm_migrate_downgrade(orm_revisions *revisions, orm_engine *engine, const char *target,
                          const orm_migrate_options *options);

/*
 * The database's current revisions (the version table's rows, sorted),
 * without running anything: *out is an array of *count strings the
 * caller frees with orm_migrate_current_free(). No version table means
 * none (count 0).
 */
int orm_migrate_current(char ***out, size_t *count, orm_revisions *revisions, orm_engine *engine);
void orm_migrate_current_free(char **heads, size_t count);

/* Writes `target` ("heads", "base" or a revision) into the version table
 * without running any revision (Alembic's stamp). */
int orm_migrate_stamp(orm_revisions *revisions, orm_engine *engine, const char *target);

#ifdef __cplusplus
}
#endif

#endif
