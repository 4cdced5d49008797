/*
 * migration_internal.h - what the migration files share (private).
 *
 * Introduced in chapter 7. The operations context (struct orm_op) is
 * made by the runner (migrate.c) for each migration and handed to the
 * revisions; batch mode (batch.c) edits and rebuilds SQLite tables for
 * the operations (migration_op.c).
 */
#ifndef ORM_MIGRATION_INTERNAL_H
#define ORM_MIGRATION_INTERNAL_H

#include <stdio.h>

#include "dialect.h"
#include "internal.h"
#include "migrate_dialect.h"
#include "orm/migration.h"

typedef struct orm_batch orm_batch;

struct orm_op {
	const orm_dialect *d;
	const orm_migrate_dialect *m;
	orm_conn *conn;   /* the migration's connection; NULL offline */
	FILE *out;        /* offline: where the SQL goes */
	orm_metadata *md; /* naming conventions for ddl.c (the defaults) */
	orm_err err;
	/* Offline, what the script has created so far: enum types, and the
	 * tables using each (to know when a type's last table is gone). */
	char **types;
	size_t ntypes, types_cap;
	orm_batch *batch; /* an explicit batch in progress, or NULL */
};

/* Makes an operations context for `d`: online on `conn`, or offline
 * (conn NULL) printing to `out`. Free with orm_op_free(). */
int orm_op_new(orm_op **out, const orm_dialect *d, orm_conn *conn, FILE *sql_out);
void orm_op_free(orm_op *op);

/* Runs one statement (or prints it offline, ending in ";" and a blank
 * line as Alembic's --sql does). On error the message is
 * "<what>: <database's message>". */
int orm_op_run(orm_op *op, const char *what, const char *sql);

/* ---- the revision graph (revision.c) -------------------------------- */

/* The position of revision `id` in orm_revisions_all(), or SIZE_MAX. */
size_t orm_revisions_index(const orm_revisions *revisions, const char *id);
/* Sets marks[i] for the revision at `index` and each of its ancestors
 * (marks has one entry per revision, in orm_revisions_all() order). */
void orm_revisions_mark_ancestors(const orm_revisions *revisions, size_t index, bool *marks);
orm_err *orm_revisions_err(orm_revisions *revisions);

/* ---- batch mode (batch.c) ------------------------------------------ */

/* Reads `table`'s definition for a rebuild. Offline there is nothing to
 * read: ORM_EINVAL saying batch mode needs the database. */
int orm_batch_load(orm_batch **out, orm_op *op, const char *table);
void orm_batch_free(orm_batch *b);
const char *orm_batch_table(const orm_batch *b);
int orm_batch_drop_column(orm_batch *b, const char *column, orm_err *err);
int orm_batch_alter_column(orm_batch *b, const orm_dialect *d, const char *column,
                           const orm_alter_column *changes, orm_err *err);
int orm_batch_add_constraint(orm_batch *b, const char *definition, orm_err *err);
/* Drops a named constraint, or an index (which is then not made again). */
int orm_batch_drop_constraint(orm_batch *b, const char *name, orm_err *err);
/* A CREATE INDEX to run on the rebuilt table. */
int orm_batch_add_index(orm_batch *b, const char *sql, orm_err *err);
int orm_batch_set_enum(orm_batch *b, const char *column, const orm_enum *to, orm_err *err);
/* Rebuilds the table with the edits (move and copy). */
int orm_batch_run(orm_op *op, orm_batch *b);

#endif
