/*
 * relationship_internal.h - what relationship.c shares with the session,
 * queries and objects (private).
 *
 * Introduced in chapter 4 (relationships). The public side is
 * orm/relationship.h. A sessionmaker resolves every relationship of its
 * metadata once (orm_rel_info: the target, the direction, the foreign
 * key, the SQL of a lazy load); the session calls the hooks below at the
 * points of its life where relationships have something to do: when an
 * object is added (save-update cascade), around a flush (cascades, the
 * foreign keys filled from object references), when an object is loaded,
 * expired, expunged or freed.
 *
 * How the two sides are kept:
 *   - a many-to-one relationship is the pointer in the struct
 *     (event->organizer) plus, in the object's relationship snapshot, the
 *     pointer as of the last load or flush. Pointer NULL with the foreign
 *     key set means "not loaded";
 *   - a one-to-many relationship is the orm_collection in the struct. An
 *     object with no row yet (transient, pending) has nothing to load: its
 *     collection is complete as soon as something is put in it.
 */
#ifndef ORM_RELATIONSHIP_INTERNAL_H
#define ORM_RELATIONSHIP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "object.h"
#include "orm/relationship.h"
#include "schema_internal.h"
#include "session_internal.h"

/* A relationship as a sessionmaker uses it. */
typedef struct orm_rel_info {
	const orm_relationship *rel;   /* the declaration */
	size_t index;                  /* in its model's relationships */
	const orm_model *owner;        /* the model declaring it */
	orm_relationship_link link;    /* resolved by the metadata */
	struct orm_model_info *target; /* the related model's info */
	struct orm_model_info *child;  /* the info of the model holding the foreign key */
	/* One-to-many: SELECT <child columns> FROM <child> WHERE <fk> = ?
	 * [ORDER BY <order_by>], built once. */
	char *sql_lazy;
} orm_rel_info;

/* Loading options of one query (query.c). */
typedef struct orm_rel_option {
	size_t rel;
	orm_loading loading;
} orm_rel_option;

/* Builds every model's orm_rel_info (after all infos exist). */
int orm_rel_build(orm_sessionmaker *maker);
void orm_rel_free_info(struct orm_model_info *info);

/* Frees the relationship state a session keeps. */
void orm_rel_session_free(orm_session *s);

/* Save-update cascade: after `h` entered the session, adds every free
 * object reachable from it through relationships with that cascade. */
int orm_rel_cascade_add(orm_session *s, orm_object *h);

/*
 * Before a flush plans anything: objects reached by a pointer set
 * directly are added (cascade), deleted parents' children are deleted
 * (delete cascade) or get a NULL foreign key (the collection is loaded
 * first, as SQLAlchemy does), orphans are deleted (delete-orphan), and
 * foreign keys are filled from references whose target has its key.
 * May load rows (objects are added to the session). Its changes to
 * memory stay if the flush fails later, as the learner's would.
 */
int orm_rel_flush_prepare(orm_session *s);

/* For an UPDATE: sets in `mask` the foreign keys whose reference changed
 * to an object not inserted yet (filled just before sending). True when
 * it set any. */
bool orm_rel_force_keys(const struct orm_model_info *info, orm_object *h, uint8_t *mask);

/* Just before h's row is bound: fills each foreign key from a changed
 * reference (its target was inserted by now: dependency order). */
int orm_rel_fill_keys(orm_session *s, const struct orm_model_info *info, orm_object *h);

/* The object of h's own model that h refers to through its many-to-one
 * relationship number `k` among those to its own model (by reference, or
 * by foreign key through the identity map), or NULL. For ordering the
 * rows of a self-referencing table. *more is false when there is no
 * relationship number k. */
orm_object *orm_rel_self_target(orm_session *s, const struct orm_model_info *info,
                                const orm_object *h, size_t k, bool *more);

/* After a flush succeeded: references as they are become the snapshot. */
void orm_rel_flush_done(orm_session *s);

/* After rollback: no collection is loaded; inserted objects lost their
 * rows, so their references are changes again. */
void orm_rel_rollback(orm_session *s);

/* After h's columns were (re)loaded from a row: each reference is
 * recomputed from its foreign key through the identity map (NULL, "not
 * loaded", when the target is not there), unless it was changed in memory
 * and `keep_changes`. Nothing for a new object (`fresh`): its references
 * start not loaded. */
void orm_rel_after_load(orm_session *s, const struct orm_model_info *info, orm_object *h,
                        bool fresh, bool keep_changes);

/* Expire, refresh: h's collections are not loaded any more. */
void orm_rel_reset(orm_object *h);

/* Expunge: nothing in the session points at h any more, and h points at
 * nothing in it (its references and collections are not loaded). */
void orm_rel_unlink(orm_session *s, orm_object *h);

/* orm_object_free of a transient or detached object: the free objects it
 * is related to stop pointing at it. */
void orm_relationship_forget(orm_object *h);

/* "User 3", or "new User" for an object without its key yet, for
 * messages. */
void orm_rel_describe(char *buf, size_t size, const orm_object *h);

/*
 * The calls above that the session makes, as a table: the session and
 * object.c never call the relationship code by name, so calls go one way
 * (relationship code -> session), the way the engine reaches a database
 * through its dialect's table. ORM_RELATIONSHIP puts &orm_relationship_hooks
 * in each relationship it declares; the sessionmaker keeps it (maker->rel,
 * NULL when no model has a relationship).
 */
struct orm_rel_hooks {
	int (*build)(orm_sessionmaker *maker);
	void (*free_info)(struct orm_model_info *info);
	void (*session_free)(orm_session *s);
	int (*cascade_add)(orm_session *s, orm_object *h);
	int (*flush_prepare)(orm_session *s);
	bool (*force_keys)(const struct orm_model_info *info, orm_object *h, uint8_t *mask);
	int (*fill_keys)(orm_session *s, const struct orm_model_info *info, orm_object *h);
	orm_object *(*self_target)(orm_session *s, const struct orm_model_info *info,
	                           const orm_object *h, size_t k, bool *more);
	void (*flush_done)(orm_session *s);
	void (*rollback)(orm_session *s);
	void (*after_load)(orm_session *s, const struct orm_model_info *info, orm_object *h,
	                   bool fresh, bool keep_changes);
	void (*reset)(orm_object *h);
	void (*unlink)(orm_session *s, orm_object *h);
	void (*forget)(orm_object *h);
	void (*describe)(char *buf, size_t size, const orm_object *h);
};

/* The table of the model's relationships, or NULL when it has none. */
static inline const struct orm_rel_hooks *orm_rel_hooks_of(const orm_model *model)
{
	return model->nrelationships ? model->relationships[0].hooks : NULL;
}

/* ---- queries (query.c) ----------------------------------------------- */

/* The relationship named `name` of the model, or -1. */
int orm_rel_find(const orm_model *model, const char *name);

/* Loads relationship `rel` of the n objects of `info` with one SELECT ...
 * IN per 500 (ORM_SELECTIN), or marks them loaded empty (ORM_NOLOAD). */
int orm_rel_selectin(orm_session *s, const struct orm_model_info *info, size_t rel, void **objs,
                     size_t n);
void orm_rel_noload(const struct orm_model_info *info, size_t rel, void **objs, size_t n);

/* Joined loading: the columns of the joined table `alias` for the select
 * list, and the LEFT OUTER JOIN clause from `from` (the parent's table
 * or alias). */
void orm_rel_put_join_columns(orm_buf *b, const orm_rel_info *ri, const char *alias);
void orm_rel_put_join(orm_buf *b, const orm_rel_info *ri, const char *from, const char *alias);

/*
 * Joined loading, row by row. `seen` tells which parents were met; a
 * parent's collection that was not loaded when first met is filled from
 * the rows (reset then) and marked loaded by orm_rel_joined_finish.
 */
typedef struct orm_rel_joined {
	orm_object **parents; /* open addressing, NULL empty */
	uint8_t *filling;     /* per slot: the collection is being filled */
	size_t cap, count;
} orm_rel_joined;

/* Whether `parent` was met before; records it otherwise (and whether its
 * collection of `ri` is filled from these rows). */
int orm_rel_joined_meet(orm_session *s, orm_rel_joined *j, const orm_rel_info *ri,
                        orm_object *parent, bool *seen);
/* The joined row's object (columns from `col0` of the row, NULL key: none)
 * put in `parent`'s collection or reference. */
int orm_rel_joined_row(orm_session *s, orm_rel_joined *j, const orm_rel_info *ri,
                       orm_object *parent, const orm_result *res, int col0);
/* Marks the filled collections loaded; with `complete` false (the rows
 * were not all read) empties them instead, not loaded. */
void orm_rel_joined_finish(orm_session *s, orm_rel_joined *j, const orm_rel_info *ri,
                           bool complete);
void orm_rel_joined_free(orm_rel_joined *j);

/* ---- between the relationship code's own files ----------------------------
 * Layered: relationship.c, then strategies.c, then attributes.c, cascade.c
 * and dependency.c, each calling only those before it. */

/* ---- fields and collections -------------------------------------------- */

static inline void **ref_field(const orm_object *h, const orm_relationship *rel)
{
	return (void **)(void *)((char *)orm_object_data(h) + rel->offset);
}

static inline orm_collection *coll_field(const orm_object *h, const orm_relationship *rel)
{
	return (orm_collection *)(void *)((char *)orm_object_data(h) + rel->offset);
}

static inline bool is_collection(const orm_relationship *rel)
{
	return orm_relationship_field_kind(rel) == ORM_ONE_TO_MANY;
}

static inline bool coll_contains(const orm_collection *c, const void *x)
{
	for (size_t i = c->count; i-- > 0;) /* recent appends first */
		if (c->items[i] == x)
			return true;
	return false;
}

/* Whether h has a row its collections could be loaded from. */
static inline bool has_row(const orm_object *h)
{
	return h->state == ORM_PERSISTENT || h->state == ORM_DELETED;
}

/* Whether h's collection is all in memory: loaded, or h has no row yet
 * (a new object's children are only those given to it). */
static inline bool coll_present(const orm_object *h, const orm_collection *c)
{
	return c->loaded || !has_row(h);
}

/* relationship.c */
const char *orm_rel_article(const char *name);
int orm_rel_check_target(orm_err *err, const orm_object *h, const orm_relationship *rel,
                         const orm_object *t);
bool orm_rel_coll_remove(orm_collection *c, const void *x);
int orm_rel_coll_reserve(orm_collection *c, size_t extra);
int orm_rel_decl_back(const orm_relationship *rel, const orm_model *other);
orm_err *orm_rel_err_of(const orm_object *a, const orm_object *b);
const orm_rel_info *orm_rel_info_of(const orm_object *h, size_t i);
int orm_rel_join_sessions(orm_object *a, const orm_relationship *rel_a, orm_object *b,
                          orm_err *err);
int orm_rel_link_child(orm_object *child, size_t mi, orm_object *parent, orm_err *err);
void orm_rel_moved_clear(orm_session *s);
int orm_rel_no_such(orm_err *err, const orm_model *m, const char *name);
int orm_rel_set_key(orm_err *err, orm_object *child, size_t fk, const orm_object *parent,
                    size_t ref);

/* strategies.c */
int orm_rel_load_collection(orm_session *s, const orm_rel_info *ri, orm_object *parent,
                            bool prepare);

#endif
