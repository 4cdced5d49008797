/*
 * orm/autogenerate.h - comparing the models with the database, and
 * writing the revision that would make them agree (Alembic's
 * `revision --autogenerate` and `check`).
 *
 * Introduced in chapter 7. The database is read back through its
 * dialect (sqlite_master and the PRAGMAs; pg_catalog) and compared with
 * the models registered on a metadata: tables, columns (type and
 * nullable), indexes, UNIQUE constraints, foreign keys, named CHECKs and
 * enum labels (PostgreSQL's enum types, SQLite's CHECKs). Two things go
 * further than Alembic: enum labels added or
 * removed are found and migrated (ALTER TYPE ... ADD VALUE, or the type
 * rebuilt; SQLite's CHECK rebuilt in batch mode), and when a table loses
 * one column and gains another of the same type, the revision says it is
 * probably a rename and shows the alter_column to use instead.
 *
 * Reported but never dropped: tables and PostgreSQL enum types that no
 * model declares, and constraints without a name (SQLite's), which cannot
 * be dropped by name. Not compared at all: server defaults, and CHECKs
 * without a name (each database rewrites the expression its own way).
 *
 * Lifecycle:
 *   1. orm_autogen_compare()    reflect and compare (connects once)
 *   2. orm_autogen_count() / orm_autogen_describe()   what differs
 *   3. orm_autogen_write()      the revision file's C source
 *      orm_autogen_upgrade() / orm_autogen_downgrade()   or run the same operations
 *   4. orm_autogen_free()
 */
#ifndef ORM_AUTOGENERATE_H
#define ORM_AUTOGENERATE_H

#include <stddef.h>
#include <stdio.h>

#include "orm/engine.h"
#include "orm/migration.h"
#include "orm/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orm_autogen orm_autogen;

/* Compares `metadata`'s models with `engine`'s database. The caller frees
 * *out with orm_autogen_free() (also after an error, when not NULL).
 * Errors (connecting, reading the catalog) are in orm_error_last(). */
int orm_autogen_compare(orm_autogen **out, orm_metadata *metadata, orm_engine *engine);
void orm_autogen_free(orm_autogen *autogen);

/* How many differences were found: 0 is "No changes detected". */
size_t orm_autogen_count(const orm_autogen *autogen);

/* One line per difference, in Alembic's words:
 *     Detected added column 'events.location' */
void orm_autogen_describe(FILE *out, const orm_autogen *autogen);

typedef struct orm_autogen_file {
	const char *id;             /* 12 hex digits */
	const char *down_revision;  /* the head it follows, or NULL */
	const char *down_revision2; /* a merge's second head, or NULL */
	const char *message;
	const char *create_date;
} orm_autogen_file;

/* The revision file's text (C source with upgrade and downgrade).
 * With `autogen` NULL, an empty revision (`revision` without
 * --autogenerate, and `merge`). The caller frees *out with orm_free(). */
int orm_autogen_write(char **out, const orm_autogen *autogen, const orm_autogen_file *file);

/* Runs the operations the file's upgrade() (or downgrade()) holds. */
int orm_autogen_upgrade(orm_op *op, const orm_autogen *autogen);
int orm_autogen_downgrade(orm_op *op, const orm_autogen *autogen);

#ifdef __cplusplus
}
#endif

#endif
