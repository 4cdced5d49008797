/*
 * attributes.c - setting a reference, appending to and removing from a
 * collection, with the other side kept in step (back_populates).
 *
 * Introduced in chapter 4: what SQLAlchemy's orm/attributes.py does when
 * `event.organizer = user` or `user.events.append(event)` runs, here as
 * calls: orm_relationship_set, orm_collection_append and
 * orm_collection_remove.
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
	err = orm_rel_err_of(h, t);
	if ((i = orm_rel_find(h->model, relationship)) < 0)
		return orm_rel_no_such(err, h->model, relationship);
	rel = &h->model->relationships[i];
	if (is_collection(rel))
		return orm_err_set(err, ORM_EINVAL,
		                   "%s.%s is a collection: use orm_collection_append or "
		                   "orm_collection_remove",
		                   h->model->name, rel->name);
	if (t && ((rc = orm_rel_check_target(err, h, rel, t)) < 0 ||
	          (rc = orm_rel_join_sessions(h, rel, t, err)) < 0))
		return rc;
	return orm_rel_link_child(h, (size_t)i, t, err);
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

/* Appending to a one-to-many collection without back_populates: there
 * is no reference on the child to carry the parent to the flush, so the
 * child's foreign key is set now, from the parent's key. */
static int append_plain(orm_object *p, size_t i, orm_object *c, orm_err *err)
{
	const orm_relationship *rel = &p->model->relationships[i];
	orm_collection *coll = coll_field(p, rel);
	const orm_rel_info *ri = orm_rel_info_of(p, i);
	int rc;

	if (coll_contains(coll, orm_object_data(c)))
		return ORM_OK;
	if (!ri || ri->link.child != c->model)
		return orm_err_set(err, ORM_EINVAL, "%s.%s: the %s is not of the model registered",
		                   p->model->name, rel->name, c->model->name);
	if (orm_rel_coll_reserve(coll, 1) < 0)
		return orm_err_set(err, ORM_ENOMEM, "out of memory growing %s.%s", p->model->name,
		                   rel->name);
	if ((rc = orm_rel_set_key(err, c, ri->link.fk, p, ri->link.ref)) < 0)
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

	*err = orm_rel_err_of(p, c);
	if ((i = orm_rel_find(p->model, relationship)) < 0)
		return orm_rel_no_such(*err, p->model, relationship);
	rel = &p->model->relationships[i];
	if (!is_collection(rel))
		return orm_err_set(*err, ORM_EINVAL,
		                   "%s.%s is a reference, not a collection: use "
		                   "orm_relationship_set",
		                   p->model->name, rel->name);
	if ((rc = orm_rel_check_target(*err, p, rel, c)) < 0)
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
	back = orm_rel_decl_back(&p->model->relationships[i], c->model);
	if (back < 0 && p->state != ORM_PERSISTENT)
		return orm_err_set(err, ORM_ESTATE,
		                   "%s.%s has no back_populates, so the %s's foreign key is set "
		                   "from the %s's key: the %s must be persistent (flush it first)",
		                   p->model->name, p->model->relationships[i].name, c->model->name,
		                   p->model->name, p->model->name);
	if ((rc = orm_rel_join_sessions(p, &p->model->relationships[i], c, err)) < 0 ||
	    (rc = ensure_present(p, (size_t)i)) < 0)
		return rc;
	if (back >= 0)
		return orm_rel_link_child(c, (size_t)back, p, err);
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
	back = orm_rel_decl_back(rel, c->model);
	if (back >= 0) {
		if ((rc = orm_rel_link_child(c, (size_t)back, NULL, err)) < 0)
			return rc;
	} else {
		const orm_rel_info *ri = orm_rel_info_of(p, (size_t)i);
		orm_rel_coll_remove(coll, child);
		if (ri && ri->link.child == c->model &&
		    (rc = orm_rel_set_key(err, c, ri->link.fk, NULL, 0)) < 0)
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
