/*
 * relationship.c - relationships between objects: what each relationship
 * resolves to in a sessionmaker, its fields and collections, and how the
 * two sides of a back_populates pair are linked and unlinked.
 *
 * Introduced in chapter 4. SQLAlchemy does this on attribute access:
 * `event.organizer = user` fires an event that appends to user.events. C
 * has no such hooks, so the same work is done by calls
 * (orm_relationship_set, orm_collection_append/remove in attributes.c,
 * orm_session_load in strategies.c) and, for what the learner writes
 * directly into a struct, by the flush, which compares each reference with
 * the object's relationship snapshot the way it compares columns
 * (relationship_internal.h says how the two sides are kept).
 *
 * The relationship code is split as SQLAlchemy's is, each file calling
 * only those before it:
 *   relationship.c  this file: the shared ground (orm/relationships.py);
 *   strategies.c    lazy, selectin and joined loading (orm/strategies.py);
 *   attributes.c    set, append, remove with back_populates
 *                   (orm/attributes.py);
 *   cascade.c       the save-update, delete and delete-orphan cascades;
 *   dependency.c    foreign keys from references at flush, and what
 *                   loads and rollbacks do to references
 *                   (orm/dependency.py).
 * The session calls none of them by name: it reaches them through
 * orm_relationship_hooks, the table in relationship_hooks.c.
 *
 * Decisions, with SQLAlchemy 2.0 as the reference:
 *   - Related objects share one session. Linking a free object (transient
 *     or detached) to a session's object adds it, through the save-update
 *     cascade; C cannot let a session's object point at memory the learner
 *     frees, so this also happens from the back_populates side, where
 *     SQLAlchemy 2.0 no longer cascades.
 *   - Deleting a parent without the delete cascade loads its collection
 *     and sets each child's foreign key to NULL, one UPDATE per child in
 *     one executemany, as SQLAlchemy's default (passive_deletes=False).
 *   - After a rollback no collection is loaded, and references are
 *     recomputed from the reloaded foreign keys through the identity map.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "internal.h"
#include "object.h"
#include "relationship_internal.h"
#include "schema_internal.h"
#include "session_internal.h"

int orm_rel_find(const orm_model *model, const char *name)
{
	for (size_t i = 0; i < model->nrelationships; i++)
		if (strcmp(model->relationships[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The relationship of `other` that `rel`'s back_populates names, when it
 * is of the other kind; -1 otherwise. From the declarations alone, so it
 * works for objects in no session. */
int orm_rel_decl_back(const orm_relationship *rel, const orm_model *other)
{
	int k;

	if (!rel->back_populates || (k = orm_rel_find(other, rel->back_populates)) < 0)
		return -1;
	return is_collection(&other->relationships[k]) == is_collection(rel) ? -1 : k;
}

int orm_rel_coll_reserve(orm_collection *c, size_t extra)
{
	size_t need = c->count + extra, cap;
	void **items;

	if (need <= c->capacity)
		return ORM_OK;
	cap = c->capacity ? c->capacity : 4;
	while (cap < need)
		cap *= 2;
	items = orm_realloc(c->items, cap * sizeof *items);
	if (!items)
		return ORM_ENOMEM;
	c->items = items;
	c->capacity = cap;
	return ORM_OK;
}

/* Takes x out, keeping the order of the others. */
bool orm_rel_coll_remove(orm_collection *c, const void *x)
{
	for (size_t i = 0; i < c->count; i++)
		if (c->items[i] == x) {
			memmove(&c->items[i], &c->items[i + 1],
			        (c->count - i - 1) * sizeof *c->items);
			c->count--;
			return true;
		}
	return false;
}

void orm_rel_reset(orm_object *h)
{
	for (size_t i = 0; i < h->model->nrelationships; i++) {
		const orm_relationship *rel = &h->model->relationships[i];
		if (is_collection(rel)) {
			orm_collection *c = coll_field(h, rel);
			c->count = 0;
			c->loaded = false;
		}
	}
}

/* "a" or "an", for a model's name in a message ("an Event"). */
const char *orm_rel_article(const char *name)
{
	return name[0] && strchr("AEIOaeio", name[0]) ? "an" : "a"; /* "a User" */
}

/* The error buffer of the session a or b is in, or NULL (the thread's). */
orm_err *orm_rel_err_of(const orm_object *a, const orm_object *b)
{
	orm_session *s = a->session ? a->session : b ? b->session : NULL;
	return s ? &s->err : NULL;
}

/* "User 3", or "new User" for an object without its key yet. */
void orm_rel_describe(char *buf, size_t size, const orm_object *h)
{
	const orm_model *m = h->model;
	char scratch[ORM_FIELD_SCRATCH];

	for (size_t i = 0; i < m->ncolumns; i++) {
		orm_value v;
		if (!m->columns[i].primary_key)
			continue;
		v = orm_field_value(orm_object_data(h), &m->columns[i], false, scratch);
		if (h->state == ORM_PENDING || h->state == ORM_TRANSIENT)
			break;
		if (v.type == ORM_TYPE_INT)
			snprintf(buf, size, "%s %" PRId64, m->name, v.u.i);
		else if (v.type == ORM_TYPE_NULL)
			break;
		else if (v.type == ORM_TYPE_FLOAT || v.type == ORM_TYPE_BOOL)
			snprintf(buf, size, "%s", m->name);
		else
			snprintf(buf, size, "%s '%.*s'", m->name,
			         (int)(v.u.s.len > 40 ? 40 : v.u.s.len), v.u.s.ptr);
		return;
	}
	snprintf(buf, size, "new %s", m->name);
}

/* ---- the sessionmaker's view ------------------------------------------- */

int orm_rel_build(orm_sessionmaker *maker)
{
	orm_buf b = ORM_BUF_INIT;
	int rc = ORM_OK;

	for (size_t m = 0; m < maker->ninfos; m++) {
		orm_model_info *info = &maker->infos[m];
		const orm_model *model = info->model;

		if (model->nrelationships == 0)
			continue;
		maker->has_relationships = true;
		info->rels = orm_calloc(model->nrelationships, sizeof *info->rels);
		if (!info->rels) {
			rc = orm_err_set(NULL, ORM_ENOMEM, "out of memory making a sessionmaker");
			break;
		}
		info->nrels = model->nrelationships;
		for (size_t i = 0; i < model->nrelationships; i++) {
			orm_rel_info *ri = &info->rels[i];
			const orm_model *child;

			ri->rel = &model->relationships[i];
			ri->index = i;
			ri->owner = model;
			if ((rc = orm_metadata_relationship(&ri->link, maker->metadata, model, i,
			                                    NULL)) < 0)
				break;
			ri->target = orm_session_find_info(maker, ri->link.target);
			ri->child = orm_session_find_info(maker, ri->link.child);
			assert(ri->target && ri->child);
			child = ri->link.child;
			if (ri->link.kind == ORM_MANY_TO_ONE) {
				info->has_many_to_one = true;
				if (ri->link.target == model)
					info->self_referencing = true;
				continue;
			}
			orm_buf_reset(&b);
			orm_buf_printf(&b, "%s WHERE %s = ?", ri->child->sql_select,
			               child->columns[ri->link.fk].name);
			if (ri->link.order_by >= 0)
				orm_buf_printf(&b, " ORDER BY %s",
				               child->columns[ri->link.order_by].name);
			if (b.failed || !(ri->sql_lazy = orm_strdup(orm_buf_cstr(&b)))) {
				rc = orm_err_set(NULL, ORM_ENOMEM,
				                 "out of memory making a sessionmaker");
				break;
			}
		}
		if (rc < 0)
			break;
	}
	orm_buf_free(&b);
	return rc;
}

void orm_rel_free_info(orm_model_info *info)
{
	for (size_t i = 0; i < info->nrels; i++)
		orm_free(info->rels[i].sql_lazy);
	orm_free(info->rels);
	info->rels = NULL;
	info->nrels = 0;
}

/* ---- the moved list ---------------------------------------------------- */

/* Children whose reference was set (through a call) to a parent with a
 * row but no loaded collection: a load of that collection before the
 * next flush must include them, though the database does not yet. */
static int moved_add(orm_session *s, orm_object *h)
{
	if (h->flags & ORM_OBJ_MOVED)
		return ORM_OK;
	if (s->nmoved == s->capmoved) {
		size_t cap = s->capmoved ? 2 * s->capmoved : 16;
		orm_object **p = orm_realloc(s->moved, cap * sizeof *p);
		if (!p)
			return ORM_ENOMEM;
		s->moved = p;
		s->capmoved = cap;
	}
	s->moved[s->nmoved++] = h;
	h->flags |= ORM_OBJ_MOVED;
	return ORM_OK;
}

void orm_rel_moved_clear(orm_session *s)
{
	for (size_t i = 0; i < s->nmoved; i++)
		s->moved[i]->flags &= (uint8_t)~ORM_OBJ_MOVED;
	s->nmoved = 0;
}

static void moved_drop(orm_session *s, orm_object *h)
{
	for (size_t i = 0; i < s->nmoved; i++)
		if (s->moved[i] == h)
			s->moved[i--] = s->moved[--s->nmoved];
	h->flags &= (uint8_t)~ORM_OBJ_MOVED;
}

void orm_rel_session_free(orm_session *s)
{
	orm_free(s->moved);
	s->moved = NULL;
	s->nmoved = s->capmoved = 0;
	orm_buf_free(&s->relsql);
}

/* ---- keeping both sides in step ---------------------------------------- */

/*
 * Points child's many-to-one relationship `mi` at parent (NULL: none) and
 * keeps the collections on the other side in step: the child leaves its
 * old parent's collection and joins the new parent's - at the end, if
 * that collection is in memory, or through the moved list if it is not
 * loaded yet. Only growing an array can fail, before anything changed.
 */
int orm_rel_link_child(orm_object *child, size_t mi, orm_object *parent, orm_err *err)
{
	const orm_relationship *rel = &child->model->relationships[mi];
	void **field = ref_field(child, rel);
	orm_object *old = *field ? orm_object_header(*field) : NULL;
	int back_new = parent ? orm_rel_decl_back(rel, parent->model) : -1;
	int back_old = old ? orm_rel_decl_back(rel, old->model) : -1;
	orm_collection *c =
	    back_new >= 0 ? coll_field(parent, &parent->model->relationships[back_new]) : NULL;
	bool push = false, remember = false;

	if (c) {
		if (coll_present(parent, c))
			push = !coll_contains(c, orm_object_data(child));
		else
			remember = parent->session != NULL;
	}
	if ((push && orm_rel_coll_reserve(c, 1) < 0) ||
	    (remember && moved_add(parent->session, child) < 0))
		return orm_err_set(err, ORM_ENOMEM, "out of memory relating a %s to a %s",
		                   child->model->name, parent->model->name);
	if (old && old != parent && back_old >= 0)
		orm_rel_coll_remove(coll_field(old, &old->model->relationships[back_old]),
		                    orm_object_data(child));
	*field = parent ? orm_object_data(parent) : NULL;
	if (c && push)
		c->items[c->count++] = orm_object_data(child);
	if (c && coll_present(parent, c))
		c->loaded = true;
	return ORM_OK;
}

/*
 * Objects related to each other are in one session, or in none: a
 * session frees its objects when it closes, so a free object (transient
 * or detached) must not point into it, nor the reverse. When one of a
 * and b is in a session and the other is free, the free one is added
 * through the save-update cascade of the relationship that leads from
 * the session's object to it (rel_a, or its back_populates). SQLAlchemy
 * 2.0 cascades only along the relationship used; C has to do both or
 * refuse.
 */
int orm_rel_join_sessions(orm_object *a, const orm_relationship *rel_a, orm_object *b, orm_err *err)
{
	const orm_relationship *from = rel_a;
	orm_object *from_obj = a, *free_obj = b;
	orm_session *s;

	if (a->session == b->session)
		return ORM_OK;
	if (a->session && b->session)
		return orm_err_set(err, ORM_ESTATE,
		                   "cannot relate %s %s of one session to %s %s of another session "
		                   "(%s.%s)",
		                   orm_rel_article(a->model->name), a->model->name,
		                   orm_rel_article(b->model->name), b->model->name, a->model->name,
		                   rel_a->name);
	s = a->session;
	if (!s) {
		int k = orm_rel_decl_back(rel_a, b->model);
		s = b->session;
		if (k < 0)
			return ORM_OK; /* nothing in the session will point at a */
		from = &b->model->relationships[k];
		from_obj = b;
		free_obj = a;
	}
	if (!(orm_relationship_cascade(from) & ORM_CASCADE_SAVE_UPDATE))
		return orm_err_set(err, ORM_ESTATE,
		                   "%s.%s has no save-update cascade: add the %s to the session "
		                   "first",
		                   from_obj->model->name, from->name, free_obj->model->name);
	return orm_session_add(s, orm_object_data(free_obj));
}

/* Checks that t can be related to h through rel. */
int orm_rel_check_target(orm_err *err, const orm_object *h, const orm_relationship *rel,
                         const orm_object *t)
{
	if (strcmp(t->model->name, rel->target) != 0)
		return orm_err_set(err, ORM_EINVAL, "%s.%s relates %s objects, not %s %s",
		                   h->model->name, rel->name, rel->target,
		                   orm_rel_article(t->model->name), t->model->name);
	if (t == h)
		return orm_err_set(
		    err, ORM_EINVAL,
		    "%s %s cannot be related to itself through %s.%s: that is a cycle",
		    orm_rel_article(h->model->name), h->model->name, h->model->name, rel->name);
	return ORM_OK;
}

int orm_rel_no_such(orm_err *err, const orm_model *m, const char *name)
{
	return orm_err_set(err, ORM_EINVAL, "model %s has no relationship '%s'", m->name, name);
}

/* The resolved relationship i of h's model, when h is in a session. */
const orm_rel_info *orm_rel_info_of(const orm_object *h, size_t i)
{
	const orm_model_info *info;

	if (!h->session || !(info = orm_session_find_info(h->session->maker, h->model)) ||
	    i >= info->nrels)
		return NULL;
	return &info->rels[i];
}

/* Sets the foreign key of `child` (column fk) to `parent`'s key, or to
 * NULL when parent is NULL. */
int orm_rel_set_key(orm_err *err, orm_object *child, size_t fk, const orm_object *parent,
                    size_t ref)
{
	const orm_column *col = &child->model->columns[fk];
	char scratch[ORM_FIELD_SCRATCH];
	orm_value v = parent ? orm_field_value(orm_object_data(parent),
	                                       &parent->model->columns[ref], false, scratch)
	                     : orm_null();
	bool is_null;
	int rc =
	    orm_field_load(orm_object_data(child), col, v, &is_null, child->model->tablename, err);

	if (rc == ORM_OK && !orm_field_is_pointer(col))
		orm_bit_put(orm_object_nulls(child), fk, is_null);
	return rc;
}

/* ---- expunge and free ------------------------------------------------------ */

/* h stops pointing at anything and nothing it reaches points back at it.
 * With `unload`, a collection h leaves is no longer what the database
 * holds: it is marked not loaded (expunge); else h is just taken out. */
static void forget_links(orm_object *h, bool unload)
{
	const orm_model *m = h->model;

	for (size_t i = 0; i < m->nrelationships; i++) {
		const orm_relationship *rel = &m->relationships[i];

		if (!is_collection(rel)) {
			void **ref = ref_field(h, rel);
			if (*ref) {
				orm_object *t = orm_object_header(*ref);
				int back = orm_rel_decl_back(rel, t->model);
				if (back >= 0) {
					orm_collection *c =
					    coll_field(t, &t->model->relationships[back]);
					if (orm_rel_coll_remove(c, orm_object_data(h)) && unload &&
					    has_row(t)) {
						c->count = 0;
						c->loaded = false;
					}
				}
			}
			*ref = NULL;
			orm_object_rel_snapshot(h)[i] = NULL;
		} else {
			orm_collection *c = coll_field(h, rel);
			for (size_t k = 0; k < c->count; k++) {
				orm_object *ch = orm_object_header(c->items[k]);
				int back = orm_rel_decl_back(rel, ch->model);
				if (back < 0)
					continue;
				if (*ref_field(ch, &ch->model->relationships[back]) ==
				    orm_object_data(h))
					*ref_field(ch, &ch->model->relationships[back]) = NULL;
				if (orm_object_rel_snapshot(ch)[back] == orm_object_data(h))
					orm_object_rel_snapshot(ch)[back] = NULL;
			}
			orm_free(c->items);
			memset(c, 0, sizeof *c);
		}
	}
}

void orm_relationship_forget(orm_object *h)
{
	if (h->model->nrelationships)
		forget_links(h, false);
}

void orm_rel_unlink(orm_session *s, orm_object *h)
{
	void *data = orm_object_data(h);

	if (!s->maker->has_relationships)
		return;
	if (h->model->nrelationships)
		forget_links(h, true);
	moved_drop(s, h);
	/* Whatever else in the session points at h through a relationship
	 * without back_populates, or holds it in a collection. */
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *o = s->objs[i];
		const orm_model *m = o->model;
		if (o == h)
			continue;
		for (size_t r = 0; r < m->nrelationships; r++) {
			const orm_relationship *rel = &m->relationships[r];
			if (strcmp(rel->target, h->model->name) != 0)
				continue;
			if (is_collection(rel)) {
				orm_collection *c = coll_field(o, rel);
				if (coll_contains(c, data)) {
					orm_rel_coll_remove(c, data);
					/* No longer what the database holds. */
					if (has_row(o)) {
						c->count = 0;
						c->loaded = false;
					}
				}
			} else {
				if (*ref_field(o, rel) == data)
					*ref_field(o, rel) = NULL;
				if (orm_object_rel_snapshot(o)[r] == data)
					orm_object_rel_snapshot(o)[r] = NULL;
			}
		}
	}
}
