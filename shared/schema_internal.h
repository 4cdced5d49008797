/*
 * schema_internal.h - what schema.c, naming.c, metadata.c and ddl.c share,
 * and the rules about models the rest of the library should ask here
 * rather than re-derive (private).
 *
 * Introduced in chapter 3 (base and models). The public side is
 * orm/schema.h; this adds the checks run when a model is registered, the
 * rule that picks the database-generated key column, foreign key
 * resolution and the naming conventions, so the session (chapters 2 and 4)
 * and the DDL generator agree on them.
 */
#ifndef ORM_SCHEMA_INTERNAL_H
#define ORM_SCHEMA_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "internal.h"
#include "orm/relationship.h"
#include "orm/schema.h"

/* The metadata (metadata.c). Here, not in metadata.c, because resolving a
 * relationship (relationship_resolve.c, below metadata.c) reads its models. */
struct orm_metadata {
	orm_err err;
	orm_metadata_options naming; /* owned copies of the templates */

	/* The models in registration order, and a hash of their table names:
	 * open addressing, each slot an index into `models` plus one (0 is an
	 * empty slot), `nslots` a power of two kept at least twice `count`. */
	const orm_model **models;
	size_t count, cap;
	size_t *slots;
	size_t nslots;

	/* Dependency order, computed on first need and kept until a model is
	 * added. `lock` lets sessions of several threads ask at once. */
	pthread_mutex_t lock;
	const orm_model **sorted;
	bool sorted_valid;
};

/* ---- models (schema.c) ---------------------------------------------- */

/*
 * Checks one column of `model` on its own: a plain SQL name, a known
 * type, a field size that fits the type (when the model has a struct),
 * a String length that is not negative, an enum with labels, options that
 * make sense for the type. ORM_EINVAL with "model User: column 'email':
 * ..." in `err` (which may be NULL: the thread's last error still gets it).
 */
int orm_model_check_column(const orm_model *model, const orm_column *col, orm_err *err);

/*
 * Checks a whole model: every column, no duplicate column names, a
 * primary key, at most one generated key, composite constraints naming
 * columns the model has. ORM_EINVAL naming the model and what is wrong.
 */
int orm_model_check(const orm_model *model, orm_err *err);

/* Whether a plain SQL name: a letter or '_', then letters, digits, '_'.
 * Only such names are accepted, so DDL never needs quoting. */
bool orm_schema_is_identifier(const char *name);

/* The same without upper-case letters: what table and enum type names
 * must be. PostgreSQL folds unquoted names to lower case, so "Users"
 * would be created as users and never found again by checkfirst. */
bool orm_schema_is_lower_identifier(const char *name);

/* Whether the column accepts NULL: said so, or by default nullable except
 * for primary keys (SQLAlchemy's rule). */
bool orm_schema_column_nullable(const orm_column *col);

/* How many primary key columns the model has. */
size_t orm_model_primary_key_count(const orm_model *model);

/*
 * The column whose value the database generates (SERIAL on PostgreSQL,
 * the rowid on SQLite), or NULL. SQLAlchemy's rule: the only primary key
 * column, of an integer type, with autoincrement not ORM_AUTOINCREMENT_NO;
 * left to ORM_AUTOINCREMENT_AUTO it must also have no default, no server
 * default and no foreign key.
 */
const orm_column *orm_model_autoincrement_column(const orm_model *model);

/*
 * Splits a comma-separated list of column names ("a, b") of a composite
 * constraint: calls `fn` with each name (not NUL-terminated: ptr, len)
 * until it returns non-zero, which is then returned. Spaces around names
 * are skipped.
 */
int orm_schema_each_name(const char *list, int (*fn)(const char *name, size_t len, void *ctx),
                         void *ctx);

/* ---- metadata (metadata.c) ------------------------------------------ */

/* The registered models in registration order; *count of them. Borrowed,
 * valid until the metadata changes. */
const orm_model *const *orm_metadata_models(const orm_metadata *metadata, size_t *count);

/* The naming conventions in use (ix always set). Borrowed. */
const orm_metadata_options *orm_metadata_naming(const orm_metadata *metadata);

/* The metadata's error buffer, for ddl.c to write its messages into. */
orm_err *orm_metadata_err(orm_metadata *metadata);

/*
 * The model and column a foreign key column refers to. ORM_EINVAL in
 * `err` when the key names an unknown table or column:
 *     model Event: column 'organizer_id': foreign key 'user.id' names an
 *     unknown table 'user'
 */
int orm_metadata_foreign_key(const orm_model **out_model, const orm_column **out_column,
                             const orm_metadata *metadata, const orm_model *model,
                             const orm_column *col, orm_err *err);

/* ---- naming conventions (naming.c) ---------------------------------- */

/*
 * A constraint or index name from a naming-convention `template`, for a
 * constraint of `model` over `columns` (ncolumns of them, NULL for a
 * CHECK), referring to `referred` (a foreign key's table and column, or
 * NULL) and explicitly named `name` (or NULL). Appends the name to `out`.
 * ORM_EINVAL when the template needs %(constraint_name)s and there is no
 * name, or column names a CHECK constraint cannot give.
 */
int orm_naming_render(orm_buf *out, const char *template_, const orm_model *model,
                      const orm_column *const *columns, size_t ncolumns, const orm_model *referred,
                      const orm_column *referred_column, const char *name, orm_err *err);

/* Checks a template's %(...)s tokens; ORM_EINVAL naming an unknown one. */
int orm_naming_check(const char *template_, const char *kind, orm_err *err);

/* ---- relationships (metadata.c, chapter 4) --------------------------- */

/*
 * A relationship as the metadata resolves it. Every relationship stands on
 * one foreign key column between the two tables: the "many" side holds it,
 * and it refers to the one-column primary key of the "one" side.
 */
typedef struct orm_relationship_link {
	orm_relationship_kind kind; /* ORM_MANY_TO_ONE or ORM_ONE_TO_MANY, never AUTO */
	const orm_model *target;    /* the registered model named by .target */
	const orm_model *child;     /* the "many" side: the model (many-to-one) or the target */
	size_t fk;                  /* index of the foreign key column in child */
	size_t ref;                 /* index of the primary key column it refers to */
	int back;                   /* index of back_populates in target->relationships, or -1 */
	int order_by;               /* index of the order_by column in the target, or -1 */
	int cascade;                /* ORM_CASCADE_* bits, 0 replaced by save-update */
} orm_relationship_link;

/*
 * Resolves relationship `i` of `model` against the models registered on
 * the metadata: the target, the direction (from the foreign key, as
 * SQLAlchemy finds it), back_populates, order_by. ORM_EINVAL in `err`
 * naming the model, the relationship and what is wrong, e.g.
 *     relationship User.events: no foreign key links users and events; add a
 *     ForeignKey column or name one with .foreign_key
 */
int orm_metadata_relationship(orm_relationship_link *out, const orm_metadata *metadata,
                              const orm_model *model, size_t i, orm_err *err);

/* The kind a relationship's field says it is, before any resolution: a
 * field the size of an orm_collection is one-to-many, else many-to-one
 * (orm_metadata_add refuses any other size and a kind that disagrees). */
orm_relationship_kind orm_relationship_field_kind(const orm_relationship *rel);

/* The same, with `extra` (a model being registered, or NULL) seen as if it
 * were registered: orm_metadata_add checks with it. */
int orm_metadata_relationship_at(orm_relationship_link *out, const orm_metadata *metadata,
                                 const orm_model *extra, const orm_model *model, size_t i,
                                 orm_err *err);

/* The model named `name` among the registered ones and `extra` (or NULL);
 * *count says how many have that name. */
const orm_model *orm_metadata_model_named(const orm_metadata *md, const orm_model *extra,
                                          const char *name, size_t *count);

/* "one-to-many" or "many-to-one", for messages. */
const char *orm_relationship_kind_name(orm_relationship_kind kind);

/* The effective cascade bits of a declaration (0 means save-update). */
static inline int orm_relationship_cascade(const orm_relationship *rel)
{
	return rel->cascade ? rel->cascade : ORM_CASCADE_SAVE_UPDATE;
}

#endif
