/*
 * identity_map.c - the objects a session holds, and its identity map.
 *
 * Introduced in chapter 2. A session keeps every object it loaded or was
 * given (in any state) in one list, its pending objects in the order they
 * were added, and an identity map: a hash table keyed by model and
 * primary key, so one row is one C object (SQLAlchemy's orm/identity.py).
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialect.h"
#include "field.h"
#include "internal.h"
#include "object.h"
#include "relationship_internal.h"
#include "schema_internal.h"
#include "session_internal.h"

/* ---- the object lists ------------------------------------------------- */

int orm_session_grow(void **array, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return ORM_OK;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	p = orm_realloc(*array, ncap * size);
	if (!p)
		return ORM_ENOMEM;
	*array = p;
	*cap = ncap;
	return ORM_OK;
}

int orm_session_reserve_objs(orm_session *s, size_t extra)
{
	if (orm_session_grow((void **)&s->objs, &s->capobjs, s->nobjs + extra, sizeof *s->objs) < 0)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory adding an object");
	return ORM_OK;
}

void orm_session_append_obj(orm_session *s, orm_object *h)
{
	assert(s->nobjs < s->capobjs && s->nobjs < UINT32_MAX);
	h->index = (uint32_t)s->nobjs;
	s->objs[s->nobjs++] = h;
	h->session = s;
}

void orm_session_remove_obj(orm_session *s, orm_object *h)
{
	orm_object *last = s->objs[--s->nobjs];
	s->objs[h->index] = last;
	last->index = h->index;
	h->session = NULL;
}

int orm_session_append_pending(orm_session *s, orm_object *h)
{
	if (s->npending >= ORM_MAX_PENDING)
		return orm_err_set(&s->err, ORM_EINVAL,
		                   "too many pending objects in one session (%u): flush first",
		                   ORM_MAX_PENDING);
	if (orm_session_grow((void **)&s->pending, &s->cappending, s->npending + 1,
	                     sizeof *s->pending) < 0)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory adding an object");
	h->pending_index = (uint32_t)s->npending & ORM_MAX_PENDING;
	s->pending[s->npending++] = h;
	h->state = ORM_PENDING;
	return ORM_OK;
}

void orm_session_remove_pending(orm_session *s, orm_object *h)
{
	assert(h->pending_index < s->npending && s->pending[h->pending_index] == h);
	s->pending[h->pending_index] = NULL;
}

/* ---- the identity map -------------------------------------------------- */

/* A primary key value read from a row, in the form a field gives it, so
 * that the same key hashes the same from a row, an object or get(). */
orm_value orm_map_key_value(const orm_column *col, orm_value v)
{
	if (v.type == ORM_TYPE_NULL)
		return v;
	if (orm_session_is_integer_column(col)) {
		if (v.type == ORM_TYPE_FLOAT)
			return orm_int((int64_t)v.u.f);
		if (v.type == ORM_TYPE_BOOL)
			return orm_int(v.u.b);
		if (v.type != ORM_TYPE_INT) {
			char buf[32];
			size_t n = v.u.s.len < sizeof buf - 1 ? v.u.s.len : sizeof buf - 1;
			memcpy(buf, v.u.s.ptr, n);
			buf[n] = '\0';
			return orm_int(strtoll(buf, NULL, 10));
		}
	} else if (col->type == ORM_BOOLEAN && v.type == ORM_TYPE_INT) {
		return orm_bool(v.u.i != 0);
	} else if (col->type == ORM_FLOAT && v.type == ORM_TYPE_INT) {
		return orm_float((double)v.u.i);
	}
	return v;
}

uint64_t orm_map_key_hash(const orm_model *model, const orm_value *vals, size_t n)
{
	uint64_t h = orm_mix64((uint64_t)(uintptr_t)model);

	/* One integer, what most rows have, without orm_value_hash's switch
	 * (the same hash: orm_value_hash of an integer is orm_mix64 of it). */
	if (n == 1 && vals[0].type == ORM_TYPE_INT)
		return orm_mix64(h ^ orm_mix64((uint64_t)vals[0].u.i));
	for (size_t k = 0; k < n; k++)
		h = orm_mix64(h ^ orm_value_hash(vals[k])) + k;
	return h;
}

/* The key values of object h, with text written into scratch. */
void orm_map_object_key(orm_value *vals, char (*scratch)[ORM_FIELD_SCRATCH],
                        const orm_model_info *info, const orm_object *h)
{
	const void *data = orm_object_data(h);
	for (size_t k = 0; k < info->npk; k++)
		vals[k] =
		    orm_field_value(data, &info->model->columns[info->pk[k]], false, scratch[k]);
}

uint64_t orm_map_object_hash(const orm_model_info *info, const orm_object *h)
{
	orm_value vals[MAX_PK];
	char scratch[MAX_PK][ORM_FIELD_SCRATCH];
	orm_map_object_key(vals, scratch, info, h);
	return orm_map_key_hash(info->model, vals, info->npk);
}

/*
 * An object keeps 24 bits of its key's hash (object.h): the low ones, so
 * that keeping them twice changes nothing (a rollback puts an object back
 * in the map under h->key_hash). A probe starts at the slot those bits
 * scale to: the top bits of the 24, as many as the table has, so a table
 * bigger than 2^24 slots is still spread over.
 */
static uint32_t short_hash(uint64_t hash)
{
	return (uint32_t)(hash & 0xffffffu);
}

/* A slot's tag: the object's 24 bits, and bit 24 set so that a used slot's
 * tag is never 0, an empty slot's. */
static uint32_t slot_tag(uint32_t h24)
{
	return h24 | (1u << 24);
}

/* The slot a probe starts at, from 24 bits of hash or a slot's tag. */
static size_t home_slot(uint32_t h24, size_t cap)
{
	return (size_t)(((uint64_t)(h24 & 0xffffffu) * cap) >> 24);
}

/* Whether h's primary key is vals (h of info's model). The usual key, one
 * integer in an int64_t field, is compared directly: every row a query
 * loads is looked up here. */
static bool same_key(const orm_model_info *info, const orm_object *h, const orm_value *vals)
{
	const orm_column *col = &info->model->columns[info->pk[0]];

	if (info->npk == 1 && vals[0].type == ORM_TYPE_INT && col->field_size == sizeof(int64_t) &&
	    orm_session_is_integer_column(col))
		return *(const int64_t *)(const void *)((const char *)orm_object_data(h) +
		                                        col->offset) == vals[0].u.i;
	for (size_t k = 0; k < info->npk; k++)
		if (!orm_field_equals(orm_object_data(h), &info->model->columns[info->pk[k]],
		                      vals[k]))
			return false;
	return true;
}

orm_object *orm_map_find(const orm_session *s, const orm_model_info *info, const orm_value *vals,
                         uint64_t hash)
{
	size_t mask = s->mapcap - 1;

	if (s->mapcap == 0)
		return NULL;
	uint32_t tag = slot_tag(short_hash(hash));

	/* The tags are read in a row, and an object only when its tag
	 * matches: a key that is not there (every row a query loads for the
	 * first time) costs no visit to other objects' memory. */
	for (size_t i = home_slot(tag, s->mapcap); s->maptags[i]; i = (i + 1) & mask) {
		if (s->maptags[i] != tag)
			continue;
		orm_object *h = s->map[i];
		if (h->model == info->model && same_key(info, h, vals))
			return h;
	}
	return NULL;
}

/* The table's slots and their tags, in one block of ncap entries. */
static int map_alloc(orm_session *s, size_t ncap, orm_object ***slots, uint32_t **tags)
{
	void *block = orm_calloc(ncap, sizeof **slots + sizeof **tags);
	if (!block)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory growing the identity map");
	*slots = block;
	*tags = (uint32_t *)(void *)(*slots + ncap);
	return ORM_OK;
}

/* Makes room for `extra` more objects, keeping the table at most four
 * fifths full. Linear probing over the tags (four bytes a slot, read in a
 * row) stays cheap that full, and the table is smaller than a half-full
 * one: 1.5 MB for 100,000 objects instead of 2. */
int orm_map_reserve(orm_session *s, size_t extra)
{
	size_t need = s->mapcount + extra, ncap;
	orm_object **slots = NULL;
	uint32_t *tags = NULL;
	int rc;

	if (need * 5 <= s->mapcap * 4)
		return ORM_OK;
	ncap = s->mapcap ? s->mapcap : 64;
	while (need * 5 > ncap * 4)
		ncap *= 2;
	if ((rc = map_alloc(s, ncap, &slots, &tags)) < 0)
		return rc;
	/* Moved by their tags: no object is visited. */
	for (size_t i = 0; i < s->mapcap; i++) {
		if (s->maptags[i]) {
			size_t j = home_slot(s->maptags[i], ncap);
			while (tags[j])
				j = (j + 1) & (ncap - 1);
			slots[j] = s->map[i];
			tags[j] = s->maptags[i];
		}
	}
	orm_free(s->map);
	s->map = slots;
	s->maptags = tags;
	s->mapcap = ncap;
	return ORM_OK;
}

void orm_map_insert(orm_session *s, orm_object *h, uint64_t hash)
{
	uint32_t tag = slot_tag(short_hash(hash));
	size_t mask = s->mapcap - 1, i = home_slot(tag, s->mapcap);

	assert(s->mapcount < s->mapcap && !(h->flags & ORM_OBJ_IN_MAP));
	while (s->maptags[i])
		i = (i + 1) & mask;
	s->map[i] = h;
	s->maptags[i] = tag;
	s->mapcount++;
	h->key_hash = short_hash(hash); /* read back by remove, and by a rollback's re-insert */
	h->flags |= ORM_OBJ_IN_MAP;
}

/* Removes h, shifting back the entries after it that probed past its
 * slot, so no tombstones are needed (Knuth's algorithm R). */
void orm_map_remove(orm_session *s, orm_object *h)
{
	size_t mask = s->mapcap - 1, i, j;

	if (!(h->flags & ORM_OBJ_IN_MAP))
		return;
	for (i = home_slot(h->key_hash, s->mapcap); s->map[i] != h; i = (i + 1) & mask)
		assert(s->maptags[i]);
	for (j = (i + 1) & mask; s->maptags[j]; j = (j + 1) & mask) {
		size_t home = home_slot(s->maptags[j], s->mapcap);
		/* Move j into the hole at i unless its home lies in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			s->map[i] = s->map[j];
			s->maptags[i] = s->maptags[j];
			i = j;
		}
	}
	s->map[i] = NULL;
	s->maptags[i] = 0;
	s->mapcount--;
	h->flags &= ~ORM_OBJ_IN_MAP;
}

orm_object *orm_session_lookup(orm_session *s, const orm_model_info *info, orm_value key)
{
	orm_value v;

	if (info->npk != 1 || key.type == ORM_TYPE_NULL)
		return NULL;
	v = orm_map_key_value(&info->model->columns[info->pk[0]], key);
	return orm_map_find(s, info, &v, orm_map_key_hash(info->model, &v, 1));
}
