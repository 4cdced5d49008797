/*
 * object.c - mapped objects: their hidden header, state and snapshot.
 *
 * Introduced in chapter 2 (the session). orm_object_new() hands a learner
 * a zeroed struct of a model (an enum field that may be NULL starts at
 * ORM_ENUM_NULL instead, chapter 5); in front of it, in the same
 * allocation, sits the header described in object.h. This file creates
 * and frees objects, answers the questions a learner may ask of any
 * object (its state, its model, whether a column is NULL) and keeps the
 * snapshot the session compares against to find what changed.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "field.h"
#include "internal.h"
#include "object.h"
#include "relationship_internal.h"
#include "schema_internal.h"

const char *orm_state_name(orm_state state)
{
	switch (state) {
	case ORM_TRANSIENT:
		return "transient";
	case ORM_PENDING:
		return "pending";
	case ORM_PERSISTENT:
		return "persistent";
	case ORM_DELETED:
		return "deleted";
	case ORM_DETACHED:
		return "detached";
	}
	return "unknown";
}

/* Bytes of the block for `model`: header, struct, snapshot, two bitmaps,
 * and the relationship snapshot (see object.h). */
static size_t block_size(const orm_model *model)
{
	size_t nbits = (model->ncolumns + 7) / 8;
	size_t size = ORM_OBJECT_HEADER_SIZE + ((model->size + 7) & ~(size_t)7) +
	              model->ncolumns * sizeof(uint64_t) + 2 * nbits;
	if (model->nrelationships)
		size = ((size + sizeof(void *) - 1) & ~(sizeof(void *) - 1)) +
		       model->nrelationships * sizeof(void *);
	return size;
}

/* A zeroed block's header: transient, owned by nobody. */
static orm_object *init_header(orm_object *h, const orm_model *model)
{
	h->model = model;
	h->state = ORM_TRANSIENT;
	h->mark = ORM_OBJECT_MARK;
	return h;
}

orm_object *orm_object_alloc_loaded(orm_arena *arena, const orm_model *model)
{
	orm_arena_block *block;
	orm_object *h;

	assert(model && model->size > 0);
	if (!(h = orm_arena_alloc(arena, block_size(model), &block)))
		return NULL;
	h->home = ORM_HOME_ARENA;
	return init_header(h, model);
}

orm_object *orm_object_alloc(const orm_model *model)
{
	orm_object *h;
	uint8_t *nulls;
	void *data;

	assert(model && model->size > 0);
	if (!(h = orm_calloc(1, block_size(model))))
		return NULL;
	init_header(h, model);
	nulls = orm_object_nulls(h);
	data = orm_object_data(h);
	for (size_t i = 0; i < model->ncolumns; i++) {
		const orm_column *col = &model->columns[i];
		bool nullable = orm_schema_column_nullable(col);
		/* An enum has a spare value for "no value yet", so 0 can be
		 * its first label; a default needs the same to know when to
		 * apply. */
		if (col->type == ORM_ENUM && (nullable || col->default_sql || col->server_default))
			orm_field_set_null(data, col);
		if (nullable && !orm_field_is_pointer(col)) {
			orm_bit_put(nulls, i, true);
			orm_bit_put(orm_object_snapshot_nulls(h), i, true);
		}
	}
	return h;
}

void orm_object_destroy(orm_object *h)
{
	void *data;

	if (!h)
		return;
	data = orm_object_data(h);
	for (size_t i = 0; i < h->model->ncolumns; i++)
		if (orm_field_is_pointer(&h->model->columns[i]))
			orm_field_clear(data, &h->model->columns[i]);
	/* A collection's array is the object's (chapter 4); the objects in it
	 * are not. */
	for (size_t i = 0; i < h->model->nrelationships; i++) {
		const orm_relationship *rel = &h->model->relationships[i];
		if (orm_relationship_field_kind(rel) == ORM_ONE_TO_MANY)
			orm_free(((orm_collection *)(void *)((char *)data + rel->offset))->items);
	}
	h->mark = 0;
	if (h->home == ORM_HOME_HEAP)
		orm_free(h);
	else if (h->home == ORM_HOME_PINNED)
		orm_arena_unpin(h);
}

int orm_object_leave_arena(orm_object *h, orm_arena *arena, orm_err *err)
{
	char *data = orm_object_data(h);
	uint64_t *snap = orm_object_snapshot(h);

	for (size_t i = 0; i < h->model->ncolumns; i++) {
		const orm_column *col = &h->model->columns[i];
		char **field = (char **)(void *)(data + col->offset);
		bool unchanged;
		char *copy;

		if (!orm_field_is_pointer(col) || !orm_text_in_arena(*field))
			continue;
		unchanged = orm_field_pack(data, col) == snap[i];
		if (!(copy = orm_text_dup(*field, strlen(*field))))
			return orm_err_set(err, ORM_ENOMEM, "out of memory copying %s.%s",
			                   h->model->tablename, col->name);
		*field = copy;
		if (unchanged)
			snap[i] = orm_field_pack(data, col);
	}
	/* Only the session that loaded it holds an arena object: the block
	 * is in this arena. */
	if (h->home == ORM_HOME_ARENA) {
		orm_arena_pin(arena, h);
		h->home = ORM_HOME_PINNED;
	}
	return ORM_OK;
}

/* The header's mark, read without AddressSanitizer's check: in front of a
 * plain struct the bytes are a stack frame's or malloc's, which is the
 * point of looking. */
#if defined(__clang__) || defined(__GNUC__)
__attribute__((no_sanitize_address))
#endif
static uint32_t
read_mark(const void *object)
{
	const volatile uint32_t *mark =
	    (const volatile uint32_t *)(const void *)((const char *)object -
	                                              ORM_OBJECT_HEADER_SIZE +
	                                              offsetof(orm_object, mark));
	return *mark;
}

orm_object *orm_object_from(const void *object, const char *what, orm_err *err)
{
	if (read_mark(object) != ORM_OBJECT_MARK) {
		orm_err_set(err, ORM_EINVAL,
		            "%s: that object was not made by orm_object_new (a plain struct, on "
		            "the stack or from malloc, has no header the library can use)",
		            what);
		return NULL;
	}
	return orm_object_header(object);
}

void *orm_object_new(const orm_model *model)
{
	orm_object *h = orm_object_alloc(model);
	return h ? orm_object_data(h) : NULL;
}

void orm_object_free(void *object)
{
	orm_object *h;

	if (!object || !(h = orm_object_from(object, "orm_object_free", NULL)))
		return;
	/* An object a session holds is freed by orm_session_close(); to
	 * keep it, orm_session_expunge() it first. */
	assert(h->session == NULL);
	/* Objects it is related to (all transient or detached, like it) must
	 * not keep pointing at it. */
	if (orm_rel_hooks_of(h->model))
		orm_rel_hooks_of(h->model)->forget(h);
	orm_object_destroy(h);
}

orm_state orm_object_state(const void *object)
{
	assert(object && orm_object_from(object, "orm_object_state", NULL));
	return (orm_state)orm_object_header(object)->state;
}

const orm_model *orm_object_model(const void *object)
{
	assert(object && orm_object_from(object, "orm_object_model", NULL));
	return orm_object_header(object)->model;
}

bool orm_object_is_expired(const void *object)
{
	assert(object);
	return (orm_object_header(object)->flags & ORM_OBJ_EXPIRED) != 0;
}

int orm_set_text(char **field, const char *text)
{
	char *copy = NULL;

	assert(field);
	/* The copy carries the tag that says it is its own allocation; the
	 * old text is freed only if it had one (a loaded string lives in the
	 * session's arena, see arena.h). */
	if (text) {
		copy = orm_text_dup(text, strlen(text));
		if (!copy)
			return orm_err_set(NULL, ORM_ENOMEM, "out of memory copying text");
	}
	orm_text_free(*field);
	*field = copy;
	return ORM_OK;
}

int orm_object_column_index(const orm_model *model, const char *name)
{
	for (size_t i = 0; i < model->ncolumns; i++)
		if (strcmp(model->columns[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool orm_object_column_is_null(const orm_object *h, size_t i)
{
	const orm_column *col = &h->model->columns[i];
	const void *data = orm_object_data(h);

	if (orm_field_has_null_value(col))
		return orm_field_holds_null(data, col);
	return orm_bit_get(orm_object_nulls(h), i) && orm_field_is_zero(data, col);
}

void orm_object_settle_nulls(orm_object *h)
{
	uint8_t *nulls = orm_object_nulls(h);
	for (size_t i = 0; i < h->model->ncolumns; i++)
		if (orm_bit_get(nulls, i) && !orm_object_column_is_null(h, i))
			orm_bit_put(nulls, i, false);
}

void orm_object_take_snapshot(orm_object *h)
{
	const void *data = orm_object_data(h);
	uint64_t *snap = orm_object_snapshot(h);
	uint8_t *snap_nulls = orm_object_snapshot_nulls(h);

	for (size_t i = 0; i < h->model->ncolumns; i++) {
		snap[i] = orm_field_pack(data, &h->model->columns[i]);
		orm_bit_put(snap_nulls, i, orm_object_column_is_null(h, i));
	}
}

bool orm_object_column_changed(const orm_object *h, size_t i)
{
	const orm_column *col = &h->model->columns[i];

	if (orm_field_pack(orm_object_data(h), col) != orm_object_snapshot(h)[i])
		return true;
	return orm_object_column_is_null(h, i) != orm_bit_get(orm_object_snapshot_nulls(h), i);
}

/* The column `name` of the object's model, checked for a learner's call. */
static int find_column(size_t *out, const orm_object *h, const char *name)
{
	int i = orm_object_column_index(h->model, name);
	if (i < 0)
		return orm_err_set(NULL, ORM_EINVAL, "unknown column '%s' on model %s", name,
		                   h->model->name);
	*out = (size_t)i;
	return ORM_OK;
}

bool orm_is_null(const void *object, const char *column)
{
	orm_object *h;
	size_t i = 0;

	assert(object && column);
	if (!(h = orm_object_from(object, "orm_is_null", NULL)))
		return false;
	if (find_column(&i, h, column) < 0)
		return false;
	return orm_object_column_is_null(h, i);
}

int orm_set_null(void *object, const char *column)
{
	orm_object *h;
	const orm_column *col;
	size_t i = 0;
	int rc;

	assert(object && column);
	if (!(h = orm_object_from(object, "orm_set_null", NULL)))
		return ORM_EINVAL;
	if ((rc = find_column(&i, h, column)) < 0)
		return rc;
	col = &h->model->columns[i];
	if (!orm_schema_column_nullable(col))
		return orm_err_set(NULL, ORM_EINVAL, "%s.%s is NOT NULL", h->model->tablename,
		                   col->name);
	orm_field_set_null(object, col);
	if (!orm_field_is_pointer(col))
		orm_bit_put(orm_object_nulls(h), i, true);
	return ORM_OK;
}

int orm_clear_null(void *object, const char *column)
{
	orm_object *h;
	const orm_column *col;
	size_t i = 0;
	int rc;

	assert(object && column);
	if (!(h = orm_object_from(object, "orm_clear_null", NULL)))
		return ORM_EINVAL;
	if ((rc = find_column(&i, h, column)) < 0)
		return rc;
	col = &h->model->columns[i];
	/* An enum's NULL is a value of its field: 0 is the first label. */
	if (col->type == ORM_ENUM && orm_field_holds_null(object, col))
		memset((char *)object + col->offset, 0, col->field_size);
	if (!orm_field_is_pointer(col))
		orm_bit_put(orm_object_nulls(h), i, false);
	return ORM_OK;
}
