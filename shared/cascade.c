/*
 * cascade.c - the cascades: save-update, delete and delete-orphan.
 *
 * Introduced in chapter 4. Adding an object adds what it reaches
 * (save-update); before a flush plans anything, objects reached by a
 * pointer written directly are added, deleted parents' children are
 * deleted (delete) or get a NULL foreign key, and orphans are deleted
 * (delete-orphan), as SQLAlchemy's cascades do.
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
		                   from->model->name, rel->name, orm_rel_article(t->model->name),
		                   t->model->name);
	if (t->state == ORM_DELETED || (t->flags & ORM_OBJ_TO_DELETE))
		return ORM_OK; /* its deletion is the learner's word */
	if (t->session == s && (t->state == ORM_PENDING || t->state == ORM_PERSISTENT))
		return ORM_OK; /* here already (a user reached from each of its events) */
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
			return orm_err_set(
			    &s->err, ORM_EINVAL, "%s.%s points at %s %s, not %s %s", h->model->name,
			    ri->rel->name, orm_rel_article(t->model->name), t->model->name,
			    orm_rel_article(ri->link.target->name), ri->link.target->name);
		if (t->session && t->session != s)
			return orm_err_set(&s->err, ORM_ESTATE,
			                   "%s.%s points at %s %s of another session",
			                   h->model->name, ri->rel->name,
			                   orm_rel_article(t->model->name), t->model->name);
		if (!t->session || t->state == ORM_TRANSIENT) {
			if (!(ri->link.cascade & ORM_CASCADE_SAVE_UPDATE))
				return orm_err_set(
				    &s->err, ORM_ESTATE,
				    "%s.%s points at %s %s that is not in the session, "
				    "and has no save-update cascade: add it first",
				    h->model->name, ri->rel->name, orm_rel_article(t->model->name),
				    t->model->name);
			if ((rc = orm_session_add(s, *ref)) < 0)
				return rc;
		}
		if (has_row(t) &&
		    (rc = orm_rel_set_key(&s->err, h, ri->link.fk, t, ri->link.ref)) < 0)
			return rc;
	} else {
		null_key(h, ri->link.fk);
	}
	if (ri->link.back >= 0)
		back = &ri->link.target->relationships[ri->link.back];
	if (back && old && old != t)
		orm_rel_coll_remove(coll_field(old, back), orm_object_data(h));
	if (back && t) {
		orm_collection *c = coll_field(t, back);
		if (c->loaded && !coll_contains(c, orm_object_data(h))) {
			if (orm_rel_coll_reserve(c, 1) < 0)
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

	if (!c->loaded && (rc = orm_rel_load_collection(s, ri, parent, false)) < 0)
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
	const orm_model_info *info = NULL;
	bool again, deleting = false;
	int rc;

	if (!s->maker->has_relationships)
		return ORM_OK;
	/* References first: they may add objects (visited in turn, as the
	 * list grows) and make orphans. */
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];

		if (h->state == ORM_PERSISTENT && (h->flags & ORM_OBJ_TO_DELETE)) {
			deleting = true;
			continue;
		}
		if (h->state != ORM_PENDING && h->state != ORM_PERSISTENT)
			continue;
		if (!info || info->model != h->model) /* objects come in runs of one model */
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
		if (h->flags & ORM_OBJ_TO_DELETE) /* an orphan now (delete-orphan) */
			deleting = true;
	}
	/* Then deleted parents, until no cascade reaches further. */
	while (deleting) {
		again = false;
		for (size_t i = 0; i < s->nobjs; i++) {
			orm_object *h = s->objs[i];

			if (h->state != ORM_PERSISTENT || !(h->flags & ORM_OBJ_TO_DELETE))
				continue;
			info = orm_session_find_info(s->maker, h->model);
			for (size_t r = 0; r < info->nrels; r++)
				if (info->rels[r].link.kind == ORM_ONE_TO_MANY &&
				    (rc = delete_children(s, &info->rels[r], h, &again)) < 0)
					return rc;
		}
		deleting = again;
	}
	return ORM_OK;
}
