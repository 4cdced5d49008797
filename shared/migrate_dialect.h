/*
 * migrate_dialect.h - what each database does differently when a schema
 * is changed in place, and how it is read back (private).
 *
 * Introduced in chapter 7. Each dialect points at one of these tables
 * (orm_dialect.migrate), filled in dialect_sqlite_migrate.c and
 * dialect_postgres_migrate.c: the only files of the migration code that
 * know a catalog (sqlite_master and the PRAGMAs; pg_catalog) or a
 * database's own ALTER syntax. Everything else - the operations
 * (migration_op.c), batch mode (batch.c), the runner (migrate.c) and
 * autogenerate (autogenerate.c) - asks through this table.
 *
 * The catalog queries run through the engine's connection (orm_conn), so
 * they show in echo like every other statement.
 */
#ifndef ORM_MIGRATE_DIALECT_H
#define ORM_MIGRATE_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"
#include "orm/engine.h"
#include "orm/migration.h"
#include "orm/schema.h"

/* ---- a database's schema, as reflection reads it -------------------- */

typedef struct orm_refl_column {
	char *name;
	char *type; /* as CREATE TABLE would spell it here: VARCHAR(50), INTEGER, socialstatus */
	bool nullable;
	char *server_default; /* or NULL */
} orm_refl_column;

typedef enum orm_refl_kind {
	ORM_REFL_INDEX = 1,
	ORM_REFL_UNIQUE,  /* a UNIQUE constraint */
	ORM_REFL_FOREIGN, /* a FOREIGN KEY */
	ORM_REFL_CHECK,   /* a CHECK */
} orm_refl_kind;

typedef struct orm_refl_constraint {
	orm_refl_kind kind;
	char *name;     /* NULL when unnamed (SQLite) */
	bool unique;    /* ORM_REFL_INDEX: a unique index */
	char *columns;  /* "a, b" (INDEX, UNIQUE, FOREIGN) */
	char *referred; /* FOREIGN: "table (a, b)" */
	char *sqltext;  /* CHECK: the condition */
} orm_refl_constraint;

typedef struct orm_refl_table {
	char *name;
	orm_refl_column *columns;
	size_t ncolumns;
	orm_refl_constraint *constraints;
	size_t nconstraints;
} orm_refl_table;

typedef struct orm_refl_enum {
	char *name;
	char **labels;
	size_t nlabels;
} orm_refl_enum;

typedef struct orm_reflection {
	orm_refl_table *tables; /* sorted by name; alembic_version left out */
	size_t ntables;
	orm_refl_enum *enums; /* PostgreSQL's enum types, sorted by name */
	size_t nenums;
} orm_reflection;

/* Reads the schema of the database `conn` is connected to. Free with
 * orm_reflection_free(). Defined in reflect.c, which asks the dialect. */
int orm_reflect(orm_reflection *out, orm_conn *conn, orm_err *err);
void orm_reflection_free(orm_reflection *r);
const orm_refl_table *orm_reflection_table(const orm_reflection *r, const char *name);

/* Builders the dialects' reflect() use (reflect.c); all copy their text.
 * They return ORM_ENOMEM (message in err) when memory runs out. */
int orm_refl_add_table(orm_reflection *r, const char *name, orm_err *err);
int orm_refl_add_column(orm_refl_table *t, const char *name, const char *type, bool nullable,
                        const char *server_default, orm_err *err);
int orm_refl_add_constraint(orm_refl_table *t, orm_refl_kind kind, const char *name, bool unique,
                            const char *columns, const char *referred, const char *sqltext,
                            orm_err *err);
int orm_refl_add_enum(orm_reflection *r, const char *name, orm_err *err);
int orm_refl_add_label(orm_refl_enum *e, const char *label, orm_err *err);

/* ---- the table each dialect fills ---------------------------------- */

typedef struct orm_migrate_dialect {
	/* Run outside any transaction before a migration starts and after it
	 * ends, or NULL: SQLite turns foreign keys off while tables are
	 * rebuilt (they cannot be switched inside a transaction), then back
	 * on if they were (fk_state_sql says whether they were). */
	const char *before_sql;
	const char *after_sql;
	const char *fk_state_sql;
	/* Starts the migration's transaction and takes the lock that keeps
	 * two migrations apart: BEGIN IMMEDIATE (SQLite takes the write lock
	 * at once) or BEGIN then lock_sql (PostgreSQL's advisory lock, held
	 * to the end of the transaction). */
	const char *begin_sql;
	const char *lock_sql;
	/* A query run before COMMIT that returns a row for each broken
	 * foreign key (SQLite's PRAGMA foreign_key_check), or NULL. */
	const char *check_sql;
	/* Appended to the version table's INSERT in offline SQL, as Alembic
	 * writes it: " RETURNING alembic_version.version_num" on PostgreSQL. */
	const char *insert_version_suffix;

	/* True when ALTER TABLE cannot change a column or a constraint and
	 * batch mode (batch.c) must rebuild the table: SQLite. */
	bool batch;

	/* In-place ALTER COLUMN (databases without batch): appends the
	 * statements, each ending in ";\n", for the changes. */
	void (*alter_column)(orm_buf *out, const char *table, const char *column,
	                     const orm_alter_column *changes);
	/* In-place enum label change (native enums): appends the statements,
	 * each ending in ";\n". */
	void (*alter_enum)(orm_buf *out, const char *table, const char *column,
	                   const orm_enum *from, const orm_enum *to);

	/* Batch mode: the CREATE TABLE text of `table` and its indexes'
	 * CREATE INDEX texts (the caller frees all with orm_free);
	 * ORM_ENOTFOUND naming the table when there is none. */
	int (*table_sql)(char **create, char ***indexes, size_t *nindexes, orm_conn *conn,
	                 const char *table, orm_err *err);

	/* Native enums: whether a column of any table still has type `name`. */
	int (*type_in_use)(bool *out, orm_conn *conn, const char *name, orm_err *err);

	/* Reads the schema (see orm_reflect). */
	int (*reflect)(orm_reflection *out, orm_conn *conn, orm_err *err);
} orm_migrate_dialect;

extern const orm_migrate_dialect orm_migrate_sqlite;
extern const orm_migrate_dialect orm_migrate_postgres;

/* ---- shared by the dialects and batch mode (batch.c) ---------------- */

/*
 * Splits the parenthesized body of a CREATE TABLE text into its items
 * (column definitions and table constraints), at the commas outside
 * parentheses and quotes; each item trimmed. *items is an array of
 * *count strings; free with orm_sql_items_free(). ORM_EINVAL when the
 * text has no body.
 */
int orm_sql_split_items(char ***items, size_t *count, const char *create_sql, orm_err *err);
void orm_sql_items_free(char **items, size_t count);
/* True when the item is a table constraint (CONSTRAINT, PRIMARY KEY,
 * UNIQUE, CHECK, FOREIGN KEY), not a column. */
bool orm_sql_item_is_constraint(const char *item);
/* The first word of an item (a column's name, or a constraint's name
 * after CONSTRAINT), unquoted, into a new string; NULL when none. */
char *orm_sql_item_name(const char *item);

#endif
