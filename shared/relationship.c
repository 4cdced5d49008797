/*
 * relationship.c - relationships between objects: both sides kept in step
 * (back_populates), the cascades, the three ways of loading, and the
 * foreign keys the flush fills from object references.
 *
 * Introduced in chapter 4. SQLAlchemy does this on attribute access:
 * `event.organizer = user` fires an event that appends to user.events. C
 * has no such hooks, so the same work is done by calls
 * (orm_relationship_set, orm_collection_append/remove, orm_session_load)
 * and, for what the learner writes directly into a struct, by the flush,
 * which compares each reference with the object's relationship snapshot
 * the way it compares columns (relationship_internal.h says how the two
 * sides are kept).
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

/* Keys per IN list of selectin loading, as SQLAlchemy's. */
#define SELECTIN_CHUNK 500
_Static_assert(SELECTIN_CHUNK * 2 <= 1024, "the parent index of a chunk is half full at most");

/* ---- fields and collections -------------------------------------------- */

static void **ref_field(const orm_object *h, const orm_relationship *rel)
{
	return (void **)(void *)((char *)orm_object_data(h) + rel->offset);
}

static orm_collection *coll_field(const orm_object *h, const orm_relationship *rel)
{
	return (orm_collection *)(void *)((char *)orm_object_data(h) + rel->offset);
}

static bool is_collection(const orm_relationship *rel)
{
	return orm_relationship_field_kind(rel) == ORM_ONE_TO_MANY;
}

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
static int decl_back(const orm_relationship *rel, const orm_model *other)
{
	int k;

	if (!rel->back_populates || (k = orm_rel_find(other, rel->back_populates)) < 0)
		return -1;
	return is_collection(&other->relationships[k]) == is_collection(rel) ? -1 : k;
}

static bool coll_contains(const orm_collection *c, const void *x)
{
	for (size_t i = c->count; i-- > 0;) /* recent appends first */
		if (c->items[i] == x)
			return true;
	return false;
}

static int coll_reserve(orm_collection *c, size_t extra)
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
static bool coll_remove(orm_collection *c, const void *x)
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

/* Whether h has a row its collections could be loaded from. */
static bool has_row(const orm_object *h)
{
	return h->state == ORM_PERSISTENT || h->state == ORM_DELETED;
}

/* Whether h's collection is all in memory: loaded, or h has no row yet
 * (a new object's children are only those given to it). */
static bool coll_present(const orm_object *h, const orm_collection *c)
{
	return c->loaded || !has_row(h);
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
static const char *article(const char *name)
{
	return name[0] && strchr("AEIOaeio", name[0]) ? "an" : "a"; /* "a User" */
}

/* The error buffer of the session a or b is in, or NULL (the thread's). */
static orm_err *err_of(const orm_object *a, const orm_object *b)
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

static void moved_clear(orm_session *s)
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
static int link_child(orm_object *child, size_t mi, orm_object *parent, orm_err *err)
{
	const orm_relationship *rel = &child->model->relationships[mi];
	void **field = ref_field(child, rel);
	orm_object *old = *field ? orm_object_header(*field) : NULL;
	int back_new = parent ? decl_back(rel, parent->model) : -1;
	int back_old = old ? decl_back(rel, old->model) : -1;
	orm_collection *c =
	    back_new >= 0 ? coll_field(parent, &parent->model->relationships[back_new]) : NULL;
	bool push = false, remember = false;

	if (c) {
		if (coll_present(parent, c))
			push = !coll_contains(c, orm_object_data(child));
		else
			remember = parent->session != NULL;
	}
	if ((push && coll_reserve(c, 1) < 0) || (remember && moved_add(parent->session, child) < 0))
		return orm_err_set(err, ORM_ENOMEM, "out of memory relating a %s to a %s",
		                   child->model->name, parent->model->name);
	if (old && old != parent && back_old >= 0)
		coll_remove(coll_field(old, &old->model->relationships[back_old]),
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
static int join_sessions(orm_object *a, const orm_relationship *rel_a, orm_object *b, orm_err *err)
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
		                   article(a->model->name), a->model->name, article(b->model->name),
		                   b->model->name, a->model->name, rel_a->name);
	s = a->session;
	if (!s) {
		int k = decl_back(rel_a, b->model);
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
static int check_target(orm_err *err, const orm_object *h, const orm_relationship *rel,
                        const orm_object *t)
{
	if (strcmp(t->model->name, rel->target) != 0)
		return orm_err_set(err, ORM_EINVAL, "%s.%s relates %s objects, not %s %s",
		                   h->model->name, rel->name, rel->target, article(t->model->name),
		                   t->model->name);
	if (t == h)
		return orm_err_set(
		    err, ORM_EINVAL,
		    "%s %s cannot be related to itself through %s.%s: that is a cycle",
		    article(h->model->name), h->model->name, h->model->name, rel->name);
	return ORM_OK;
}

static int no_such(orm_err *err, const orm_model *m, const char *name)
{
	return orm_err_set(err, ORM_EINVAL, "model %s has no relationship '%s'", m->name, name);
}

int orm_relationship_set(void *object, const char *relationship, void *target)
{
	orm_object *h, *t;
	const orm_relationship *rel;
	orm_err *err;
	int i, rc;

	assert(object && relationship);
	if (!(h = orm_object_from(object, "orm_relationship_set", NULL)) ||
	    (target && !(t = orm_object_from(target, "orm_relationship_set", NULL))))
		return ORM_EINVAL;
	if (!target)
		t = NULL;
	err = err_of(h, t);
	if ((i = orm_rel_find(h->model, relationship)) < 0)
		return no_such(err, h->model, relationship);
	rel = &h->model->relationships[i];
	if (is_collection(rel))
		return orm_err_set(err, ORM_EINVAL,
		                   "%s.%s is a collection: use orm_collection_append or "
		                   "orm_collection_remove",
		                   h->model->name, rel->name);
	if (t &&
	    ((rc = check_target(err, h, rel, t)) < 0 || (rc = join_sessions(h, rel, t, err)) < 0))
		return rc;
	return link_child(h, (size_t)i, t, err);
}

/* Makes sure h's collection `i` is in memory: loads it (lazily, one
 * SELECT) when h has a row and it was not loaded. */
static int ensure_present(orm_object *h, size_t i)
{
	const orm_relationship *rel = &h->model->relationships[i];

	if (coll_present(h, coll_field(h, rel)))
		return ORM_OK;
	assert(h->session); /* persistent or deleted: in a session */
	return orm_session_load(h->session, orm_object_data(h), rel->name);
}

/* The resolved relationship i of h's model, when h is in a session. */
static const orm_rel_info *info_of(const orm_object *h, size_t i)
{
	const orm_model_info *info;

	if (!h->session || !(info = orm_session_find_info(h->session->maker, h->model)) ||
	    i >= info->nrels)
		return NULL;
	return &info->rels[i];
}

/* Sets the foreign key of `child` (column fk) to `parent`'s key, or to
 * NULL when parent is NULL. */
static int set_key(orm_err *err, orm_object *child, size_t fk, const orm_object *parent, size_t ref)
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

/* Appending to a one-to-many collection without back_populates: there
 * is no reference on the child to carry the parent to the flush, so the
 * child's foreign key is set now, from the parent's key. */
static int append_plain(orm_object *p, size_t i, orm_object *c, orm_err *err)
{
	const orm_relationship *rel = &p->model->relationships[i];
	orm_collection *coll = coll_field(p, rel);
	const orm_rel_info *ri = info_of(p, i);
	int rc;

	if (coll_contains(coll, orm_object_data(c)))
		return ORM_OK;
	if (!ri || ri->link.child != c->model)
		return orm_err_set(err, ORM_EINVAL, "%s.%s: the %s is not of the model registered",
		                   p->model->name, rel->name, c->model->name);
	if (coll_reserve(coll, 1) < 0)
		return orm_err_set(err, ORM_ENOMEM, "out of memory growing %s.%s", p->model->name,
		                   rel->name);
	if ((rc = set_key(err, c, ri->link.fk, p, ri->link.ref)) < 0)
		return rc;
	coll->items[coll->count++] = orm_object_data(c);
	coll->loaded = true;
	return ORM_OK;
}

/* The checks append and remove share; *out_i is the relationship. */
static int collection_call(int *out_i, orm_err **err, orm_object *p, const char *relationship,
                           orm_object *c)
{
	const orm_relationship *rel;
	int i, rc;

	*err = err_of(p, c);
	if ((i = orm_rel_find(p->model, relationship)) < 0)
		return no_such(*err, p->model, relationship);
	rel = &p->model->relationships[i];
	if (!is_collection(rel))
		return orm_err_set(*err, ORM_EINVAL,
		                   "%s.%s is a reference, not a collection: use "
		                   "orm_relationship_set",
		                   p->model->name, rel->name);
	if ((rc = check_target(*err, p, rel, c)) < 0)
		return rc;
	*out_i = i;
	return ORM_OK;
}

int orm_collection_append(void *object, const char *relationship, void *child)
{
	orm_object *p, *c;
	orm_err *err;
	int i = 0, back, rc;

	assert(object && relationship && child);
	if (!(p = orm_object_from(object, "orm_collection_append", NULL)) ||
	    !(c = orm_object_from(child, "orm_collection_append", NULL)))
		return ORM_EINVAL;
	if ((rc = collection_call(&i, &err, p, relationship, c)) < 0)
		return rc;
	back = decl_back(&p->model->relationships[i], c->model);
	if (back < 0 && p->state != ORM_PERSISTENT)
		return orm_err_set(err, ORM_ESTATE,
		                   "%s.%s has no back_populates, so the %s's foreign key is set "
		                   "from the %s's key: the %s must be persistent (flush it first)",
		                   p->model->name, p->model->relationships[i].name, c->model->name,
		                   p->model->name, p->model->name);
	if ((rc = join_sessions(p, &p->model->relationships[i], c, err)) < 0 ||
	    (rc = ensure_present(p, (size_t)i)) < 0)
		return rc;
	if (back >= 0)
		return link_child(c, (size_t)back, p, err);
	return append_plain(p, (size_t)i, c, err);
}

int orm_collection_remove(void *object, const char *relationship, void *child)
{
	const orm_relationship *rel;
	orm_object *p, *c;
	orm_collection *coll;
	orm_err *err;
	int i = 0, back, rc;

	assert(object && relationship && child);
	if (!(p = orm_object_from(object, "orm_collection_remove", NULL)) ||
	    !(c = orm_object_from(child, "orm_collection_remove", NULL)))
		return ORM_EINVAL;
	if ((rc = collection_call(&i, &err, p, relationship, c)) < 0 ||
	    (rc = ensure_present(p, (size_t)i)) < 0)
		return rc;
	rel = &p->model->relationships[i];
	coll = coll_field(p, rel);
	if (!coll_contains(coll, child))
		return orm_err_set(err, ORM_EINVAL, "that %s is not in this %s's %s",
		                   c->model->name, p->model->name, rel->name);
	back = decl_back(rel, c->model);
	if (back >= 0) {
		if ((rc = link_child(c, (size_t)back, NULL, err)) < 0)
			return rc;
	} else {
		const orm_rel_info *ri = info_of(p, (size_t)i);
		coll_remove(coll, child);
		if (ri && ri->link.child == c->model &&
		    (rc = set_key(err, c, ri->link.fk, NULL, 0)) < 0)
			return rc;
		/* No reference tells the flush who the parent was: an orphan
		 * is deleted now. */
		if ((orm_relationship_cascade(rel) & ORM_CASCADE_DELETE_ORPHAN) && c->session &&
		    c->state == ORM_PERSISTENT)
			return orm_session_delete(c->session, child);
	}
	/* A pending orphan is simply not inserted (SQLAlchemy expunges it). */
	if ((orm_relationship_cascade(rel) & ORM_CASCADE_DELETE_ORPHAN) && c->session &&
	    c->state == ORM_PENDING)
		orm_session_drop_pending(c->session, c);
	return ORM_OK;
}

/* ---- loading ------------------------------------------------------------ */

/* Whether child belongs in parent's collection of ri, as memory says: a
 * reference changed in memory decides; otherwise the foreign key (the
 * session's version of an object wins over a row read later). */
static bool belongs(const orm_rel_info *ri, const orm_object *parent, const orm_object *child)
{
	const orm_column *fk = &child->model->columns[ri->link.fk];
	char scratch[ORM_FIELD_SCRATCH];
	orm_value key;

	if (ri->link.back >= 0) {
		const orm_relationship *b = &child->model->relationships[ri->link.back];
		void *ref = *ref_field(child, b);
		if (ref != orm_object_rel_snapshot(child)[ri->link.back])
			return ref == orm_object_data(parent);
	}
	if (orm_object_column_is_null(child, ri->link.fk))
		return false;
	key = orm_field_value(orm_object_data(parent), &parent->model->columns[ri->link.ref], false,
	                      scratch);
	return orm_field_equals(orm_object_data(child), fk, key);
}

/* Puts a loaded child in parent's collection (if it belongs there) and
 * points the child's reference at the parent (unless changed in memory). */
static int adopt(orm_session *s, const orm_rel_info *ri, orm_object *parent, orm_object *child)
{
	orm_collection *c = coll_field(parent, ri->rel);

	if (!belongs(ri, parent, child))
		return ORM_OK;
	if (coll_reserve(c, 1) < 0)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory loading %s.%s",
		                   parent->model->name, ri->rel->name);
	c->items[c->count++] = orm_object_data(child);
	if (ri->link.back >= 0) {
		void **ref = ref_field(child, &child->model->relationships[ri->link.back]);
		void **snap = &orm_object_rel_snapshot(child)[ri->link.back];
		if (*ref == *snap)
			*ref = *snap = orm_object_data(parent);
	}
	return ORM_OK;
}

/* Adds the children of the moved list that point at parent. */
static int merge_moved(orm_session *s, const orm_rel_info *ri, orm_object *parent)
{
	orm_collection *c = coll_field(parent, ri->rel);

	if (ri->link.back < 0)
		return ORM_OK;
	for (size_t k = 0; k < s->nmoved; k++) {
		orm_object *m = s->moved[k];
		const orm_relationship *b;
		if (m->model != ri->link.child)
			continue;
		b = &m->model->relationships[ri->link.back];
		if (*ref_field(m, b) != orm_object_data(parent) ||
		    coll_contains(c, orm_object_data(m)))
			continue;
		if (coll_reserve(c, 1) < 0)
			return orm_err_set(&s->err, ORM_ENOMEM, "out of memory loading %s.%s",
			                   parent->model->name, ri->rel->name);
		c->items[c->count++] = orm_object_data(m);
	}
	return ORM_OK;
}

/* A connection for a load: through autoflush like a query (`prepare`), or
 * as it is (inside a flush, or after a query's own autoflush). */
static int load_conn(orm_conn **conn, orm_session *s, bool prepare)
{
	return prepare ? orm_session_prepare_read(conn, s) : orm_session_ensure_conn(conn, s);
}

/* Lazy loading of a collection: one SELECT, cached statement. */
static int load_collection(orm_session *s, const orm_rel_info *ri, orm_object *parent, bool prepare)
{
	orm_collection *c = coll_field(parent, ri->rel);
	char scratch[ORM_FIELD_SCRATCH];
	orm_result *res = NULL;
	orm_conn *conn;
	orm_value key;
	int rc;

	if ((rc = load_conn(&conn, s, prepare)) < 0)
		return rc;
	key = orm_field_value(orm_object_data(parent), &parent->model->columns[ri->link.ref], false,
	                      scratch);
	if ((rc = orm_conn_execute(&res, conn, ri->sql_lazy, &key, 1)) < 0)
		return orm_session_conn_error(s, rc, ri->link.child->tablename);
	c->count = 0;
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		void *obj;
		if ((rc = orm_session_load_row(&obj, s, ri->child, res)) < 0 ||
		    (rc = adopt(s, ri, parent, orm_object_header(obj))) < 0)
			goto done;
	}
	if (rc < 0) {
		rc = orm_session_conn_error(s, rc, ri->link.child->tablename);
		goto done;
	}
	if ((rc = merge_moved(s, ri, parent)) == ORM_OK)
		c->loaded = true;
done:
	orm_result_free(res);
	if (rc < 0)
		c->count = 0;
	return rc;
}

/* Lazy loading of a reference: the identity map first (no SQL, as
 * SQLAlchemy's lazy loader does for a many-to-one by primary key), then a
 * SELECT by key. */
static int load_reference(orm_session *s, const orm_rel_info *ri, orm_object *h)
{
	void **ref = ref_field(h, ri->rel);
	void **snap = &orm_object_rel_snapshot(h)[ri->index];
	const orm_column *fk = &h->model->columns[ri->link.fk];
	char scratch[ORM_FIELD_SCRATCH];
	orm_object *t;
	void *obj;
	orm_value key;

	/* Set, or cleared by the learner (not loaded is NULL both ways). */
	if (*ref || *snap || orm_object_column_is_null(h, ri->link.fk))
		return ORM_OK;
	key = orm_field_value(orm_object_data(h), fk, false, scratch);
	t = orm_session_lookup(s, ri->target, key);
	if (t) {
		obj = orm_object_data(t);
	} else {
		int rc;
		if (!has_row(h))
			return ORM_OK; /* a new object: nothing to load from */
		if ((rc = orm_session_get(&obj, s, ri->link.target, key)) < 0)
			return rc;
	}
	*ref = *snap = obj;
	return ORM_OK;
}

int orm_session_load(orm_session *session, void *object, const char *relationship)
{
	orm_session *s = session;
	const orm_model_info *info;
	const orm_rel_info *ri;
	orm_object *h;
	int i;

	assert(s && object && relationship);
	orm_err_clear(&s->err); /* "" after a success */
	if (!(h = orm_object_from(object, "orm_session_load", &s->err)))
		return ORM_EINVAL;
	if ((i = orm_rel_find(h->model, relationship)) < 0)
		return no_such(&s->err, h->model, relationship);
	if (h->session != s)
		return orm_err_set(&s->err, ORM_ESTATE,
		                   "cannot load %s.%s: the %s is not in this session",
		                   h->model->name, relationship, h->model->name);
	if (h->state == ORM_DELETED)
		return orm_err_set(&s->err, ORM_ESTATE, "cannot load %s.%s: the %s was deleted",
		                   h->model->name, relationship, h->model->name);
	info = orm_session_find_info(s->maker, h->model);
	ri = &info->rels[i];
	if (ri->link.kind == ORM_MANY_TO_ONE)
		return ri->rel->lazy == ORM_NOLOAD ? ORM_OK : load_reference(s, ri, h);
	if (coll_field(h, ri->rel)->loaded)
		return ORM_OK;
	if (!has_row(h) || ri->rel->lazy == ORM_NOLOAD) {
		int rc = merge_moved(s, ri, h);
		if (rc == ORM_OK)
			coll_field(h, ri->rel)->loaded = true;
		return rc;
	}
	return load_collection(s, ri, h, true);
}

void orm_rel_noload(const orm_model_info *info, size_t rel, void **objs, size_t n)
{
	const orm_rel_info *ri = &info->rels[rel];

	if (ri->link.kind != ORM_ONE_TO_MANY)
		return;
	for (size_t i = 0; i < n; i++) {
		orm_collection *c = coll_field(orm_object_header(objs[i]), ri->rel);
		if (!c->loaded) {
			c->count = 0;
			c->loaded = true;
		}
	}
}

/* " WHERE col IN (?, ?, ?)" for n keys. */
static void put_in(orm_buf *b, const char *col, size_t n)
{
	orm_buf_printf(b, " WHERE %s IN (", col);
	for (size_t k = 0; k < n; k++)
		orm_buf_puts(b, k ? ", ?" : "?");
	orm_buf_putc(b, ')');
}

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Runs `sql` with `params` and loads every row as an object of `info`;
 * each one is handed to `fn` (may be NULL). */
static int select_rows(orm_session *s, orm_conn *conn, const orm_model_info *info, const char *sql,
                       const orm_value *params, size_t nparams,
                       int (*fn)(orm_session *s, orm_object *obj, const orm_result *res, void *ctx),
                       void *ctx)
{
	orm_result *res = NULL;
	int rc;

	if ((rc = orm_conn_execute(&res, conn, sql, params, nparams)) < 0)
		return orm_session_conn_error(s, rc, info->model->tablename);
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		void *obj;
		if ((rc = orm_session_load_row(&obj, s, info, res)) < 0 ||
		    (fn && (rc = fn(s, orm_object_header(obj), res, ctx)) < 0))
			goto done;
	}
	if (rc < 0)
		rc = orm_session_conn_error(s, rc, info->model->tablename);
	else
		rc = ORM_OK;
done:
	orm_result_free(res);
	return rc;
}

/* Slots of a chunk's index of parents by integer key: twice the chunk. */
#define PARENT_SLOTS 1024

/*
 * What a selectin row needs to find its parent. Integer keys go through a
 * small index of the chunk's parents, which stays in cache; the identity
 * map, with every loaded row in it, would cost a cache miss per row.
 */
typedef struct selectin_ctx {
	const orm_rel_info *ri;
	const orm_model_info *parent_info;
	bool by_int; /* the index below is in use */
	int64_t keys[PARENT_SLOTS];
	orm_object *parents[PARENT_SLOTS];
} selectin_ctx;

static size_t parent_slot(const selectin_ctx *ctx, int64_t key)
{
	size_t i = (size_t)orm_mix64((uint64_t)key) & (PARENT_SLOTS - 1);

	while (ctx->parents[i] && ctx->keys[i] != key)
		i = (i + 1) & (PARENT_SLOTS - 1);
	return i;
}

static int selectin_adopt(orm_session *s, orm_object *child, const orm_result *res, void *ctx_)
{
	selectin_ctx *ctx = ctx_;
	orm_value key = orm_result_value(res, (int)ctx->ri->link.fk);
	orm_object *parent;

	if (ctx->by_int && key.type == ORM_TYPE_INT)
		parent = ctx->parents[parent_slot(ctx, key.u.i)];
	else
		parent = orm_session_lookup(s, ctx->parent_info, key);
	if (!parent)
		return ORM_OK;
	return adopt(s, ctx->ri, parent, child);
}

/* selectin for a collection: parents whose collection is not loaded, 500
 * keys per SELECT ... WHERE fk IN (...). */
static int selectin_collections(orm_session *s, const orm_model_info *info, const orm_rel_info *ri,
                                void **objs, size_t n)
{
	const orm_column *pk = &info->model->columns[ri->link.ref];
	selectin_ctx *ctx = NULL;
	orm_object **parents = NULL;
	orm_value *params = NULL;
	char(*scratch)[ORM_FIELD_SCRATCH] = NULL;
	orm_conn *conn;
	size_t np = 0;
	int rc = ORM_OK;

	parents = orm_malloc((n ? n : 1) * sizeof *parents);
	params = orm_malloc(SELECTIN_CHUNK * sizeof *params);
	scratch = orm_malloc(SELECTIN_CHUNK * sizeof *scratch);
	ctx = orm_malloc(sizeof *ctx);
	if (!parents || !params || !scratch || !ctx) {
		rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory loading %s.%s",
		                 info->model->name, ri->rel->name);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		orm_object *h = orm_object_header(objs[i]);
		orm_collection *c = coll_field(h, ri->rel);
		if (c->loaded)
			continue;
		if (!has_row(h)) {
			c->loaded = true;
			continue;
		}
		parents[np++] = h;
	}
	if (np && (rc = orm_session_ensure_conn(&conn, s)) < 0)
		goto done;
	for (size_t off = 0; off < np; off += SELECTIN_CHUNK) {
		size_t k = np - off < SELECTIN_CHUNK ? np - off : SELECTIN_CHUNK;
		orm_buf *b = &s->relsql;

		orm_buf_reset(b);
		orm_buf_puts(b, ri->child->sql_select);
		put_in(b, ri->link.child->columns[ri->link.fk].name, k);
		if (ri->link.order_by >= 0)
			orm_buf_printf(b, " ORDER BY %s",
			               ri->link.child->columns[ri->link.order_by].name);
		if (b->failed) {
			orm_buf_free(b);
			rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory");
			goto done;
		}
		ctx->ri = ri;
		ctx->parent_info = info;
		ctx->by_int = pk->type == ORM_INTEGER || pk->type == ORM_BIGINTEGER;
		memset(ctx->parents, 0, sizeof ctx->parents);
		for (size_t j = 0; j < k; j++) {
			orm_object *h = parents[off + j];
			params[j] = orm_field_value(orm_object_data(h), pk, false, scratch[j]);
			coll_field(h, ri->rel)->count = 0;
			if (ctx->by_int) {
				size_t at = parent_slot(ctx, params[j].u.i);
				ctx->keys[at] = params[j].u.i;
				ctx->parents[at] = h;
			}
		}
		rc = select_rows(s, conn, ri->child, orm_buf_cstr(b), params, k, selectin_adopt,
		                 ctx);
		for (size_t j = 0; j < k; j++) {
			orm_object *h = parents[off + j];
			orm_collection *c = coll_field(h, ri->rel);
			if (rc == ORM_OK)
				rc = merge_moved(s, ri, h);
			if (rc == ORM_OK)
				c->loaded = true;
			else
				c->count = 0;
		}
		if (rc < 0)
			goto done;
	}
done:
	orm_free(parents);
	orm_free(params);
	orm_free(scratch);
	orm_free(ctx);
	return rc;
}

/* selectin for references: targets already in the identity map are
 * taken from it; the others are read with WHERE pk IN (...). */
static int selectin_references(orm_session *s, const orm_rel_info *ri, void **objs, size_t n)
{
	const orm_model_info *tinfo = ri->target;
	const orm_column *fk = NULL;
	const orm_column *pk = &tinfo->model->columns[ri->link.ref];
	orm_value *keys = NULL;
	int64_t *ints = NULL;
	char(*scratch)[ORM_FIELD_SCRATCH] = NULL;
	size_t nmissing = 0, nkeys = 0;
	orm_conn *conn;
	int rc = ORM_OK;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			orm_object *h = orm_object_header(objs[i]);
			void **ref = ref_field(h, ri->rel);
			void **snap = &orm_object_rel_snapshot(h)[ri->index];
			char buf[ORM_FIELD_SCRATCH];
			orm_object *t;
			orm_value key;

			fk = &h->model->columns[ri->link.fk];
			if (*ref || *snap || orm_object_column_is_null(h, ri->link.fk))
				continue;
			key = orm_field_value(orm_object_data(h), fk, false, buf);
			if ((t = orm_session_lookup(s, tinfo, key)) != NULL)
				*ref = *snap = orm_object_data(t);
			else if (pass == 0)
				nmissing++;
		}
		if (pass == 1 || nmissing == 0)
			break;
		/* The keys to read, without repeats when they are integers. */
		keys = orm_malloc(nmissing * sizeof *keys);
		ints = orm_malloc(nmissing * sizeof *ints);
		scratch = orm_malloc(nmissing * sizeof *scratch);
		if (!keys || !ints || !scratch) {
			rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory loading %s",
			                 ri->rel->name);
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			orm_object *h = orm_object_header(objs[i]);
			if (*ref_field(h, ri->rel) || orm_object_rel_snapshot(h)[ri->index] ||
			    orm_object_column_is_null(h, ri->link.fk))
				continue;
			keys[nkeys] =
			    orm_field_value(orm_object_data(h), &h->model->columns[ri->link.fk],
			                    false, scratch[nkeys]);
			nkeys++;
		}
		if (nkeys && keys[0].type == ORM_TYPE_INT) {
			size_t u = 0;
			for (size_t k = 0; k < nkeys; k++)
				ints[k] = keys[k].u.i;
			qsort(ints, nkeys, sizeof *ints, cmp_int64);
			for (size_t k = 0; k < nkeys; k++)
				if (k == 0 || ints[k] != ints[k - 1])
					keys[u++] = orm_int(ints[k]);
			nkeys = u;
		}
		if ((rc = orm_session_ensure_conn(&conn, s)) < 0)
			goto done;
		for (size_t off = 0; off < nkeys; off += SELECTIN_CHUNK) {
			size_t k = nkeys - off < SELECTIN_CHUNK ? nkeys - off : SELECTIN_CHUNK;
			orm_buf *b = &s->relsql;

			orm_buf_reset(b);
			orm_buf_puts(b, tinfo->sql_select);
			put_in(b, pk->name, k);
			if (b->failed) {
				orm_buf_free(b);
				rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory");
				goto done;
			}
			if ((rc = select_rows(s, conn, tinfo, orm_buf_cstr(b), keys + off, k, NULL,
			                      NULL)) < 0)
				goto done;
		}
	}
done:
	orm_free(keys);
	orm_free(ints);
	orm_free(scratch);
	return rc;
}

int orm_rel_selectin(orm_session *s, const orm_model_info *info, size_t rel, void **objs, size_t n)
{
	const orm_rel_info *ri = &info->rels[rel];

	if (n == 0)
		return ORM_OK;
	if (ri->link.kind == ORM_ONE_TO_MANY)
		return selectin_collections(s, info, ri, objs, n);
	return selectin_references(s, ri, objs, n);
}

/* ---- joined loading ------------------------------------------------------ */

void orm_rel_put_join_columns(orm_buf *b, const orm_rel_info *ri, const char *alias)
{
	const orm_model *m = ri->link.kind == ORM_ONE_TO_MANY ? ri->link.child : ri->link.target;

	for (size_t i = 0; i < m->ncolumns; i++)
		orm_buf_printf(b, ", %s.%s", alias, m->columns[i].name);
}

void orm_rel_put_join(orm_buf *b, const orm_rel_info *ri, const char *from, const char *alias)
{
	const orm_model *child = ri->link.child;
	const char *fk = child->columns[ri->link.fk].name;

	/* SQLAlchemy's spelling: ON users.id = events_1.organizer_id, and
	 * ON users_1.id = events.organizer_id. */
	if (ri->link.kind == ORM_ONE_TO_MANY)
		orm_buf_printf(b, " LEFT OUTER JOIN %s AS %s ON %s.%s = %s.%s", child->tablename,
		               alias, from, ri->owner->columns[ri->link.ref].name, alias, fk);
	else
		orm_buf_printf(b, " LEFT OUTER JOIN %s AS %s ON %s.%s = %s.%s",
		               ri->link.target->tablename, alias, alias,
		               ri->link.target->columns[ri->link.ref].name, from, fk);
}

static size_t slot_of(const orm_rel_joined *j, const orm_object *h)
{
	size_t mask = j->cap - 1, i = (size_t)orm_mix64((uint64_t)(uintptr_t)h) & mask;

	while (j->parents[i] && j->parents[i] != h)
		i = (i + 1) & mask;
	return i;
}

int orm_rel_joined_meet(orm_session *s, orm_rel_joined *j, const orm_rel_info *ri,
                        orm_object *parent, bool *seen)
{
	size_t i;

	if ((j->count + 1) * 2 > j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 64;
		orm_object **parents = orm_calloc(cap, sizeof *parents);
		uint8_t *filling = orm_calloc(cap, 1);
		orm_rel_joined grown = {parents, filling, cap, 0};
		if (!parents || !filling) {
			orm_free(parents);
			orm_free(filling);
			return orm_err_set(&s->err, ORM_ENOMEM, "out of memory reading rows");
		}
		for (size_t k = 0; k < j->cap; k++)
			if (j->parents[k]) {
				size_t at = slot_of(&grown, j->parents[k]);
				grown.parents[at] = j->parents[k];
				grown.filling[at] = j->filling[k];
				grown.count++;
			}
		orm_free(j->parents);
		orm_free(j->filling);
		*j = grown;
	}
	i = slot_of(j, parent);
	*seen = j->parents[i] != NULL;
	if (*seen)
		return ORM_OK;
	j->parents[i] = parent;
	j->count++;
	if (ri) {
		orm_collection *c = coll_field(parent, ri->rel);
		j->filling[i] = !c->loaded && has_row(parent);
		if (j->filling[i])
			c->count = 0;
	}
	return ORM_OK;
}

int orm_rel_joined_row(orm_session *s, orm_rel_joined *j, const orm_rel_info *ri,
                       orm_object *parent, const orm_result *res, int col0)
{
	const orm_model_info *joined = ri->link.kind == ORM_ONE_TO_MANY ? ri->child : ri->target;
	void *obj;
	int rc;

	if (orm_result_is_null(res, col0 + (int)joined->pk[0]))
		return ORM_OK; /* LEFT OUTER JOIN found nothing */
	if (ri->link.kind == ORM_ONE_TO_MANY) {
		if (!j->filling[slot_of(j, parent)])
			return ORM_OK;
		if ((rc = orm_session_load_row_at(&obj, s, joined, res, col0)) < 0)
			return rc;
		return adopt(s, ri, parent, orm_object_header(obj));
	}
	{
		void **ref = ref_field(parent, ri->rel);
		void **snap = &orm_object_rel_snapshot(parent)[ri->index];
		if ((rc = orm_session_load_row_at(&obj, s, joined, res, col0)) < 0)
			return rc;
		if (!*ref && !*snap)
			*ref = *snap = obj;
	}
	return ORM_OK;
}

void orm_rel_joined_finish(orm_session *s, orm_rel_joined *j, const orm_rel_info *ri, bool complete)
{
	for (size_t i = 0; i < j->cap; i++) {
		orm_collection *c;
		if (!j->parents[i] || !j->filling[i])
			continue;
		c = coll_field(j->parents[i], ri->rel);
		if (complete && merge_moved(s, ri, j->parents[i]) == ORM_OK)
			c->loaded = true;
		else
			c->count = 0;
	}
}

void orm_rel_joined_free(orm_rel_joined *j)
{
	orm_free(j->parents);
	orm_free(j->filling);
	memset(j, 0, sizeof *j);
}

/* ---- the save-update cascade -------------------------------------------- */

/* A stack of objects to visit, on the C stack until it grows. */
typedef struct visit_stack {
	orm_object **items;
	size_t n, cap;
	orm_object *small[32];
} visit_stack;

static int visit_push(visit_stack *st, orm_object *h)
{
	if (st->n == st->cap) {
		size_t cap = 2 * st->cap;
		orm_object **p = st->items == st->small ? orm_malloc(cap * sizeof *p)
		                                        : orm_realloc(st->items, cap * sizeof *p);
		if (!p)
			return ORM_ENOMEM;
		if (st->items == st->small)
			memcpy(p, st->small, st->n * sizeof *p);
		st->items = p;
		st->cap = cap;
	}
	st->items[st->n++] = h;
	return ORM_OK;
}

/* Adds t, reached from `from` through rel, and queues it when it came in. */
static int visit(orm_session *s, visit_stack *st, const orm_object *from,
                 const orm_relationship *rel, orm_object *t)
{
	bool added = false;
	int rc;

	if (t->session && t->session != s)
		return orm_err_set(&s->err, ORM_ESTATE,
		                   "%s.%s refers to %s %s of another session: it cannot be added "
		                   "to this one",
		                   from->model->name, rel->name, article(t->model->name),
		                   t->model->name);
	if (t->state == ORM_DELETED || (t->flags & ORM_OBJ_TO_DELETE))
		return ORM_OK; /* its deletion is the learner's word */
	if ((rc = orm_session_add_one(s, t, &added)) < 0)
		return rc;
	if (added && visit_push(st, t) < 0)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory adding related objects");
	return ORM_OK;
}

int orm_rel_cascade_add(orm_session *s, orm_object *root)
{
	visit_stack st;
	int rc = ORM_OK;

	st.items = st.small;
	st.n = 0;
	st.cap = sizeof st.small / sizeof st.small[0];
	st.items[st.n++] = root;
	while (st.n > 0 && rc == ORM_OK) {
		orm_object *h = st.items[--st.n];
		const orm_model *m = h->model;

		for (size_t i = 0; i < m->nrelationships && rc == ORM_OK; i++) {
			const orm_relationship *rel = &m->relationships[i];
			if (!(orm_relationship_cascade(rel) & ORM_CASCADE_SAVE_UPDATE))
				continue;
			if (is_collection(rel)) {
				orm_collection *c = coll_field(h, rel);
				for (size_t k = 0; k < c->count && rc == ORM_OK; k++)
					rc = visit(s, &st, h, rel, orm_object_header(c->items[k]));
			} else if (*ref_field(h, rel)) {
				rc = visit(s, &st, h, rel, orm_object_header(*ref_field(h, rel)));
			}
		}
	}
	if (st.items != st.small)
		orm_free(st.items);
	return rc;
}

/* ---- the flush ----------------------------------------------------------- */

/* Sets child's foreign key of ri (many-to-one) to NULL. */
static void null_key(orm_object *child, size_t fk)
{
	const orm_column *col = &child->model->columns[fk];

	orm_field_set_null(orm_object_data(child), col);
	if (!orm_field_is_pointer(col))
		orm_bit_put(orm_object_nulls(child), fk, true);
}

/*
 * A reference that changed since the last flush (set by a call or written
 * directly): its target joins the session (save-update cascade), the
 * foreign key follows it when the target has its key (else just before
 * the row is sent), the collections on the other side follow it when
 * loaded, and a child that lost its parent under delete-orphan is deleted.
 */
static int sync_reference(orm_session *s, const orm_rel_info *ri, orm_object *h)
{
	void **ref = ref_field(h, ri->rel);
	void *old_data = orm_object_rel_snapshot(h)[ri->index];
	orm_object *t = *ref ? orm_object_header(*ref) : NULL;
	orm_object *old = old_data ? orm_object_header(old_data) : NULL;
	const orm_relationship *back = NULL;

	if (t) {
		int rc;
		if (t->model != ri->link.target)
			return orm_err_set(&s->err, ORM_EINVAL, "%s.%s points at %s %s, not %s %s",
			                   h->model->name, ri->rel->name, article(t->model->name),
			                   t->model->name, article(ri->link.target->name),
			                   ri->link.target->name);
		if (t->session && t->session != s)
			return orm_err_set(
			    &s->err, ORM_ESTATE, "%s.%s points at %s %s of another session",
			    h->model->name, ri->rel->name, article(t->model->name), t->model->name);
		if (!t->session || t->state == ORM_TRANSIENT) {
			if (!(ri->link.cascade & ORM_CASCADE_SAVE_UPDATE))
				return orm_err_set(
				    &s->err, ORM_ESTATE,
				    "%s.%s points at %s %s that is not in the session, "
				    "and has no save-update cascade: add it first",
				    h->model->name, ri->rel->name, article(t->model->name),
				    t->model->name);
			if ((rc = orm_session_add(s, *ref)) < 0)
				return rc;
		}
		if (has_row(t) && (rc = set_key(&s->err, h, ri->link.fk, t, ri->link.ref)) < 0)
			return rc;
	} else {
		null_key(h, ri->link.fk);
	}
	if (ri->link.back >= 0)
		back = &ri->link.target->relationships[ri->link.back];
	if (back && old && old != t)
		coll_remove(coll_field(old, back), orm_object_data(h));
	if (back && t) {
		orm_collection *c = coll_field(t, back);
		if (c->loaded && !coll_contains(c, orm_object_data(h))) {
			if (coll_reserve(c, 1) < 0)
				return orm_err_set(&s->err, ORM_ENOMEM, "out of memory flushing");
			c->items[c->count++] = orm_object_data(h);
		}
	}
	if (!t && old && back && (orm_relationship_cascade(back) & ORM_CASCADE_DELETE_ORPHAN) &&
	    h->state == ORM_PERSISTENT)
		h->flags |= ORM_OBJ_TO_DELETE;
	return ORM_OK;
}

/*
 * A parent being deleted: with the delete cascade its children are
 * deleted too; without it they stay, with a NULL foreign key (checked
 * NOT NULL-able first, so nothing changes when it cannot be done). The
 * collection is loaded first either way, as SQLAlchemy loads it.
 */
static int delete_children(orm_session *s, const orm_rel_info *ri, orm_object *parent, bool *again)
{
	orm_collection *c = coll_field(parent, ri->rel);
	const orm_column *fk = &ri->link.child->columns[ri->link.fk];
	int rc;

	if (!c->loaded && (rc = load_collection(s, ri, parent, false)) < 0)
		return rc;
	if (ri->link.cascade & ORM_CASCADE_DELETE) {
		for (size_t k = 0; k < c->count; k++) {
			orm_object *ch = orm_object_header(c->items[k]);
			if (ch->state == ORM_PERSISTENT && !(ch->flags & ORM_OBJ_TO_DELETE)) {
				ch->flags |= ORM_OBJ_TO_DELETE;
				*again = true;
			} else if (ch->state == ORM_PENDING && ch->session == s) {
				orm_session_drop_pending(s, ch);
			}
		}
		return ORM_OK;
	}
	for (size_t k = 0; k < c->count; k++) {
		orm_object *ch = orm_object_header(c->items[k]);
		char who[96];
		if (ch->state == ORM_DELETED || (ch->flags & ORM_OBJ_TO_DELETE) ||
		    orm_schema_column_nullable(fk))
			continue;
		orm_rel_describe(who, sizeof who, parent);
		return orm_err_set(&s->err, ORM_EINVAL,
		                   "cannot delete %s and keep its %s: %s.%s is NOT NULL; give "
		                   "%s.%s the delete cascade or delete them first",
		                   who, ri->rel->name, ri->link.child->tablename, fk->name,
		                   parent->model->name, ri->rel->name);
	}
	for (size_t k = 0; k < c->count; k++) {
		orm_object *ch = orm_object_header(c->items[k]);
		if (ch->state == ORM_DELETED || (ch->flags & ORM_OBJ_TO_DELETE))
			continue;
		null_key(ch, ri->link.fk);
		if (ri->link.back >= 0) {
			*ref_field(ch, &ch->model->relationships[ri->link.back]) = NULL;
			orm_object_rel_snapshot(ch)[ri->link.back] = NULL;
		}
	}
	c->count = 0;
	return ORM_OK;
}

int orm_rel_flush_prepare(orm_session *s)
{
	bool again;
	int rc;

	if (!s->maker->has_relationships)
		return ORM_OK;
	/* References first: they may add objects (visited in turn, as the
	 * list grows) and make orphans. */
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		const orm_model_info *info;

		if (h->state != ORM_PENDING &&
		    (h->state != ORM_PERSISTENT || (h->flags & ORM_OBJ_TO_DELETE)))
			continue;
		info = orm_session_find_info(s->maker, h->model);
		if (!info->has_many_to_one)
			continue;
		for (size_t r = 0; r < info->nrels; r++) {
			const orm_rel_info *ri = &info->rels[r];
			if (ri->link.kind != ORM_MANY_TO_ONE ||
			    *ref_field(h, ri->rel) == orm_object_rel_snapshot(h)[r])
				continue;
			if ((rc = sync_reference(s, ri, h)) < 0)
				return rc;
		}
	}
	/* Then deleted parents, until no cascade reaches further. */
	do {
		again = false;
		for (size_t i = 0; i < s->nobjs; i++) {
			orm_object *h = s->objs[i];
			const orm_model_info *info;

			if (h->state != ORM_PERSISTENT || !(h->flags & ORM_OBJ_TO_DELETE))
				continue;
			info = orm_session_find_info(s->maker, h->model);
			for (size_t r = 0; r < info->nrels; r++)
				if (info->rels[r].link.kind == ORM_ONE_TO_MANY &&
				    (rc = delete_children(s, &info->rels[r], h, &again)) < 0)
					return rc;
		}
	} while (again);
	return ORM_OK;
}

/* Whether reference ri of h changed to an object that has no key yet. */
static bool waits_for_key(const orm_rel_info *ri, const orm_object *h)
{
	void *ref = *ref_field(h, ri->rel);
	return ref && ref != orm_object_rel_snapshot(h)[ri->index] &&
	       orm_object_header(ref)->state == ORM_PENDING;
}

bool orm_rel_force_keys(const orm_model_info *info, orm_object *h, uint8_t *mask)
{
	bool any = false;

	for (size_t r = 0; r < info->nrels; r++) {
		const orm_rel_info *ri = &info->rels[r];
		if (ri->link.kind == ORM_MANY_TO_ONE && waits_for_key(ri, h)) {
			orm_bit_put(mask, ri->link.fk, true);
			any = true;
		}
	}
	return any;
}

int orm_rel_fill_keys(orm_session *s, const orm_model_info *info, orm_object *h)
{
	for (size_t r = 0; r < info->nrels; r++) {
		const orm_rel_info *ri = &info->rels[r];
		int rc;
		if (ri->link.kind == ORM_MANY_TO_ONE && waits_for_key(ri, h) &&
		    (rc = set_key(&s->err, h, ri->link.fk,
		                  orm_object_header(*ref_field(h, ri->rel)), ri->link.ref)) < 0)
			return rc;
	}
	return ORM_OK;
}

orm_object *orm_rel_self_target(orm_session *s, const orm_model_info *info, const orm_object *h,
                                size_t k, bool *more)
{
	char scratch[ORM_FIELD_SCRATCH];

	*more = false;
	for (size_t r = 0; r < info->nrels; r++) {
		const orm_rel_info *ri = &info->rels[r];
		void *ref;
		if (ri->link.kind != ORM_MANY_TO_ONE || ri->link.target != info->model)
			continue;
		if (k-- > 0)
			continue;
		*more = true;
		if ((ref = *ref_field(h, ri->rel)) != NULL)
			return orm_object_header(ref);
		if (orm_object_column_is_null(h, ri->link.fk))
			return NULL;
		return orm_session_lookup(s, info,
		                          orm_field_value(orm_object_data(h),
		                                          &h->model->columns[ri->link.fk], false,
		                                          scratch));
	}
	return NULL;
}

/* The snapshot of every reference of h becomes what it points at now. */
static void snapshot_references(orm_object *h)
{
	void **snap = orm_object_rel_snapshot(h);

	for (size_t i = 0; i < h->model->nrelationships; i++)
		if (!is_collection(&h->model->relationships[i]))
			snap[i] = *ref_field(h, &h->model->relationships[i]);
}

void orm_rel_flush_done(orm_session *s)
{
	if (!s->maker->has_relationships)
		return;
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		if (h->model->nrelationships && has_row(h))
			snapshot_references(h);
	}
	moved_clear(s);
}

void orm_rel_rollback(orm_session *s)
{
	if (!s->maker->has_relationships)
		return;
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		if (!h->model->nrelationships)
			continue;
		if (has_row(h)) {
			orm_rel_reset(h);
		} else {
			/* Its row is gone (or never was): its references are
			 * changes to send again if it is added back. */
			for (size_t r = 0; r < h->model->nrelationships; r++)
				orm_object_rel_snapshot(h)[r] = NULL;
		}
	}
	/* The moved list stays: objects a failed flush leaves pending still
	 * belong in the collections their references name, and an entry
	 * whose reference changed back is skipped when merged. */
}

void orm_rel_after_load(orm_session *s, const orm_model_info *info, orm_object *h, bool fresh,
                        bool keep_changes)
{
	char scratch[ORM_FIELD_SCRATCH];

	if (fresh || !info->has_many_to_one)
		return;
	for (size_t r = 0; r < info->nrels; r++) {
		const orm_rel_info *ri = &info->rels[r];
		void **ref = ref_field(h, ri->rel);
		void **snap = &orm_object_rel_snapshot(h)[r];
		orm_object *t = NULL;

		if (ri->link.kind != ORM_MANY_TO_ONE || (keep_changes && *ref != *snap))
			continue;
		if (!orm_object_column_is_null(h, ri->link.fk))
			t = orm_session_lookup(s, ri->target,
			                       orm_field_value(orm_object_data(h),
			                                       &h->model->columns[ri->link.fk],
			                                       false, scratch));
		*ref = *snap = t ? orm_object_data(t) : NULL;
	}
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
				int back = decl_back(rel, t->model);
				if (back >= 0) {
					orm_collection *c =
					    coll_field(t, &t->model->relationships[back]);
					if (coll_remove(c, orm_object_data(h)) && unload &&
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
				int back = decl_back(rel, ch->model);
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
					coll_remove(c, data);
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

/* ---- the session's table ---------------------------------------------------- */

const struct orm_rel_hooks orm_relationship_hooks = {
    .build = orm_rel_build,
    .free_info = orm_rel_free_info,
    .session_free = orm_rel_session_free,
    .cascade_add = orm_rel_cascade_add,
    .flush_prepare = orm_rel_flush_prepare,
    .force_keys = orm_rel_force_keys,
    .fill_keys = orm_rel_fill_keys,
    .self_target = orm_rel_self_target,
    .flush_done = orm_rel_flush_done,
    .rollback = orm_rel_rollback,
    .after_load = orm_rel_after_load,
    .reset = orm_rel_reset,
    .unlink = orm_rel_unlink,
    .forget = orm_relationship_forget,
    .describe = orm_rel_describe,
};
