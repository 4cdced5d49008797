/*
 * ddl.h - turning registered models into CREATE and DROP statements
 * (private).
 *
 * Introduced in chapter 3 (create_all), with enum types in chapter 5.
 * ddl.c writes the statements the same way for every database, in
 * SQLAlchemy's layout, and asks the dialect (dialect.h) only for what
 * differs: column types, whether enums are native types, and how to ask
 * whether a table or type exists. A plan is the list of statements
 * create_all or drop_all would run, in order; create_all runs it on a
 * connection (create_all.c), orm_metadata_create_sql() just prints it.
 */
#ifndef ORM_DDL_H
#define ORM_DDL_H

#include <stddef.h>

#include "dialect.h"
#include "internal.h"
#include "orm/schema.h"

typedef enum orm_ddl_kind {
	ORM_DDL_TYPE = 1, /* CREATE TYPE / DROP TYPE of a native enum */
	ORM_DDL_TABLE,    /* CREATE TABLE / DROP TABLE */
	ORM_DDL_INDEX,    /* CREATE INDEX, right after its table's CREATE TABLE */
} orm_ddl_kind;

typedef struct orm_ddl_step {
	orm_ddl_kind kind;
	const orm_model *model; /* the table (TABLE, INDEX) */
	const orm_enum *type;   /* the enum (TYPE) */
	char *name;             /* the table's, index's or type's name (owned) */
	char *sql;              /* the statement (owned) */
} orm_ddl_step;

typedef struct orm_ddl_plan {
	orm_ddl_step *steps;
	size_t count, cap;
} orm_ddl_plan;

/* clang-format off */
#define ORM_DDL_PLAN_INIT {NULL, 0, 0}
/* clang-format on */

/*
 * The statements creating every table of `metadata` on database `d`:
 * native enum types first, then each table in dependency order, each
 * followed by its indexes. ORM_EINVAL when foreign keys do not resolve or
 * form a cycle, or a naming convention cannot name a constraint; the
 * message goes to the metadata. Free the plan with orm_ddl_plan_free().
 */
int orm_ddl_plan_create(orm_ddl_plan *plan, orm_metadata *metadata, const orm_dialect *d);

/* The statements dropping them: tables in reverse dependency order, then
 * native enum types. */
int orm_ddl_plan_drop(orm_ddl_plan *plan, orm_metadata *metadata, const orm_dialect *d);

void orm_ddl_plan_free(orm_ddl_plan *plan);

/*
 * Chapter 7 (op.create_table): the CREATE TABLE of one table and its
 * CREATE INDEX statements, as create_all writes them, without its enum
 * types. Foreign keys are written as "table.column" says, so the table
 * they refer to need not be registered on `metadata` (which gives only
 * the naming conventions and takes the error message). ORM_EINVAL when
 * the declaration does not check (orm_model_check).
 */
int orm_ddl_plan_table(orm_ddl_plan *plan, orm_metadata *metadata, const orm_dialect *d,
                       const orm_model *table);
/* Chapter 7: a column's definition ("email VARCHAR NOT NULL") and an
 * enum's labels as a SQL list ("'public', 'private'"). */
void orm_ddl_column_spec(orm_buf *out, const orm_dialect *d, const orm_column *col);
void orm_ddl_enum_labels(orm_buf *out, const orm_enum *e);

/*
 * Helpers for the dialects' column_type():
 *   orm_ddl_standard_type   the type as SQLAlchemy's generic compiler
 *                           writes it: INTEGER, BIGINT, VARCHAR(n), TEXT,
 *                           BOOLEAN, FLOAT, DATE, DATETIME, and for an enum
 *                           VARCHAR(longest label)
 *   orm_ddl_enum_length     the longest label, in characters (UTF-8)
 */
void orm_ddl_standard_type(orm_buf *out, const orm_column *col);
size_t orm_ddl_enum_length(const orm_enum *e);

#endif
