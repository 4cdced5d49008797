/*
 * dependency.c - references and foreign keys around a flush.
 *
 * Introduced in chapter 4. Just before a row is sent, its foreign keys are
 * filled from the references whose targets have their keys by now; the
 * rows of a self-referencing table are ordered by reference; after a flush
 * the references become the snapshot; after a load or a rollback they are
 * recomputed from the foreign keys (SQLAlchemy's orm/dependency.py).
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
		    (rc = orm_rel_set_key(&s->err, h, ri->link.fk,
		                          orm_object_header(*ref_field(h, ri->rel)),
		                          ri->link.ref)) < 0)
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
	orm_rel_moved_clear(s);
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
