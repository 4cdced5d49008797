/*
 * strategies.c - loading relationships: lazy, selectin and joined.
 *
 * Introduced in chapter 4. A relationship not loaded yet is loaded on
 * orm_session_load (lazy: one SELECT for one object), for every object a
 * query returned at once (selectin: one SELECT ... WHERE key IN (...) per
 * 500 keys), or in the query's own SELECT (joined: a LEFT OUTER JOIN),
 * as SQLAlchemy's orm/strategies.py. Loaded rows go through the session's
 * identity map (loading.c).
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

/* ---- loading ------------------------------------------------------------ */

/* An integer column whose field is an int64_t. */
static bool int64_field(const orm_column *col)
{
	return (col->type == ORM_INTEGER || col->type == ORM_BIGINTEGER) &&
	       col->field_size == sizeof(int64_t);
}

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
	/* The usual keys, integers in int64_t fields, compared directly:
	 * every row a relationship loads comes through here. */
	if (int64_field(fk) && int64_field(&parent->model->columns[ri->link.ref])) {
		int64_t mine =
		    *(const int64_t *)(const void *)((const char *)orm_object_data(child) +
		                                     fk->offset);
		int64_t theirs =
		    *(const int64_t *)(const void *)((const char *)orm_object_data(parent) +
		                                     parent->model->columns[ri->link.ref].offset);
		return mine == theirs &&
		       (mine != 0 || !orm_object_column_is_null(child, ri->link.fk));
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
	if (c->count == c->capacity && orm_rel_coll_reserve(c, 1) < 0)
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
		if (orm_rel_coll_reserve(c, 1) < 0)
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
int orm_rel_load_collection(orm_session *s, const orm_rel_info *ri, orm_object *parent,
                            bool prepare)
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
		return orm_rel_no_such(&s->err, h->model, relationship);
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
	return orm_rel_load_collection(s, ri, h, true);
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
 * each one is handed to `fn` (may be NULL), with whether the row made it
 * (it was not in the session). */
static int select_rows(orm_session *s, orm_conn *conn, const orm_model_info *info, const char *sql,
                       const orm_value *params, size_t nparams,
                       int (*fn)(orm_session *s, orm_object *obj, bool loaded_now,
                                 const orm_result *res, void *ctx),
                       void *ctx)
{
	orm_result *res = NULL;
	int rc;

	if ((rc = orm_conn_execute(&res, conn, sql, params, nparams)) < 0)
		return orm_session_conn_error(s, rc, info->model->tablename);
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		size_t before = s->nobjs;
		void *obj;
		if ((rc = orm_session_load_row(&obj, s, info, res)) < 0 ||
		    (fn && (rc = fn(s, orm_object_header(obj), s->nobjs != before, res, ctx)) < 0))
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

static int selectin_adopt(orm_session *s, orm_object *child, bool loaded_now, const orm_result *res,
                          void *ctx_)
{
	selectin_ctx *ctx = ctx_;
	const orm_column *fk = &child->model->columns[ctx->ri->link.fk];
	orm_object *parent;

	/* A child the row just made has the row's key in its field (never
	 * NULL: NULL is IN no list): read from there, in cache, and not
	 * from the row again. A child the session had keeps its own. */
	if (ctx->by_int && loaded_now && int64_field(fk)) {
		int64_t key =
		    *(const int64_t *)(const void *)((const char *)orm_object_data(child) +
		                                     fk->offset);
		parent = ctx->parents[parent_slot(ctx, key)];
	} else {
		orm_value key = orm_result_value(res, (int)ctx->ri->link.fk);
		if (ctx->by_int && key.type == ORM_TYPE_INT)
			parent = ctx->parents[parent_slot(ctx, key.u.i)];
		else
			parent = orm_session_lookup(s, ctx->parent_info, key);
	}
	if (!parent)
		return ORM_OK;
	return adopt(s, ctx->ri, parent, child);
}

/* A chunk's parents: their keys into params (text into scratch), their
 * collections emptied, and the index of them by integer key filled. */
static void index_parents(selectin_ctx *ctx, const orm_model_info *info, const orm_rel_info *ri,
                          orm_object **parents, size_t k, orm_value *params,
                          char (*scratch)[ORM_FIELD_SCRATCH])
{
	const orm_column *pk = &info->model->columns[ri->link.ref];

	ctx->ri = ri;
	ctx->parent_info = info;
	ctx->by_int = pk->type == ORM_INTEGER || pk->type == ORM_BIGINTEGER;
	memset(ctx->parents, 0, sizeof ctx->parents);
	for (size_t j = 0; j < k; j++) {
		orm_object *h = parents[j];
		params[j] = orm_field_value(orm_object_data(h), pk, false, scratch[j]);
		coll_field(h, ri->rel)->count = 0;
		if (ctx->by_int) {
			size_t at = parent_slot(ctx, params[j].u.i);
			ctx->keys[at] = params[j].u.i;
			ctx->parents[at] = h;
		}
	}
}

/* After a chunk's SELECT (whose result is rc): its parents' collections
 * are loaded, with the children moved to them merged in, or left empty. */
static int finish_parents(orm_session *s, const orm_rel_info *ri, orm_object **parents, size_t k,
                          int rc)
{
	for (size_t j = 0; j < k; j++) {
		orm_collection *c = coll_field(parents[j], ri->rel);
		if (rc == ORM_OK)
			rc = merge_moved(s, ri, parents[j]);
		if (rc == ORM_OK)
			c->loaded = true;
		else
			c->count = 0;
	}
	return rc;
}

/* selectin for a collection: parents whose collection is not loaded, 500
 * keys per SELECT ... WHERE fk IN (...). */
static int selectin_collections(orm_session *s, const orm_model_info *info, const orm_rel_info *ri,
                                void **objs, size_t n)
{
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
		index_parents(ctx, info, ri, parents + off, k, params, scratch);
		rc = select_rows(s, conn, ri->child, orm_buf_cstr(b), params, k, selectin_adopt,
		                 ctx);
		if ((rc = finish_parents(s, ri, parents + off, k, rc)) < 0)
			goto done;
	}
done:
	orm_free(parents);
	orm_free(params);
	orm_free(scratch);
	orm_free(ctx);
	return rc;
}

/* Integer keys sorted, without repeats (ints: room for n); how many. */
static size_t unique_int_keys(orm_value *keys, int64_t *ints, size_t n)
{
	size_t u = 0;

	for (size_t k = 0; k < n; k++)
		ints[k] = keys[k].u.i;
	qsort(ints, n, sizeof *ints, cmp_int64);
	for (size_t k = 0; k < n; k++)
		if (k == 0 || ints[k] != ints[k - 1])
			keys[u++] = orm_int(ints[k]);
	return u;
}

/* The rows of tinfo's model whose pk is one of keys, loaded, 500 keys per
 * SELECT ... WHERE pk IN (...). */
static int select_by_keys(orm_session *s, const orm_model_info *tinfo, const orm_column *pk,
                          const orm_value *keys, size_t nkeys)
{
	orm_conn *conn;
	int rc;

	if ((rc = orm_session_ensure_conn(&conn, s)) < 0)
		return rc;
	for (size_t off = 0; off < nkeys; off += SELECTIN_CHUNK) {
		size_t k = nkeys - off < SELECTIN_CHUNK ? nkeys - off : SELECTIN_CHUNK;
		orm_buf *b = &s->relsql;

		orm_buf_reset(b);
		orm_buf_puts(b, tinfo->sql_select);
		put_in(b, pk->name, k);
		if (b->failed) {
			orm_buf_free(b);
			return orm_err_set(&s->err, ORM_ENOMEM, "out of memory");
		}
		if ((rc = select_rows(s, conn, tinfo, orm_buf_cstr(b), keys + off, k, NULL, NULL)) <
		    0)
			return rc;
	}
	return ORM_OK;
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
		if (nkeys && keys[0].type == ORM_TYPE_INT)
			nkeys = unique_int_keys(keys, ints, nkeys);
		if ((rc = select_by_keys(s, tinfo, pk, keys, nkeys)) < 0)
			goto done;
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
