/*
 * session.c - the session: identity map, object states and the unit of work.
 *
 * Introduced in chapter 2. This is SQLAlchemy's Session re-told in C:
 *   - a sessionmaker builds, once per model, the SQL text of the
 *     statements a session sends (SELECT by key, DELETE, each INSERT and
 *     UPDATE shape), so the engine's statement cache sees the same text
 *     again and again;
 *   - a session keeps every object it loaded or was given, an identity map
 *     (a hash table keyed by model and primary key) so one row is one C
 *     object, and a snapshot of each object to find what changed;
 *   - flush() is the unit of work: validate everything, then INSERT the
 *     pending objects model by model in foreign-key order, UPDATE only the
 *     changed columns, DELETE in reverse order, each batched into one
 *     orm_conn_execute_many() per statement shape.
 * Queries (query.c) share the identity map through session_internal.h.
 * Chapter 4 adds relationships (relationship.c): the session calls its
 * hooks when an object is added (save-update cascade), around a flush
 * (cascades, foreign keys filled from references, in dependency order
 * down to the rows of a self-referencing table), and when objects are
 * loaded, expired, expunged or rolled back.
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

/* Rows per orm_conn_execute_many() call: bounds the memory of a flush of
 * 100,000 objects, and is what SQLAlchemy's insertmanyvalues batches too. */
#define BATCH_ROWS 1000

/* Primary keys of more columns than this are refused at sessionmaker time. */
#define MAX_PK 8

/* ---- the sessionmaker: per-model SQL, built once ----------------------- */

static bool is_integer_column(const orm_column *col)
{
	return col->type == ORM_INTEGER || col->type == ORM_BIGINTEGER;
}

/* " WHERE id = ?" (or "a = ? AND b = ?" for a composite key). */
static void put_pk_where(orm_buf *b, const orm_model_info *info)
{
	orm_buf_puts(b, " WHERE ");
	for (size_t k = 0; k < info->npk; k++)
		orm_buf_printf(b, "%s%s = ?", k ? " AND " : "",
		               info->model->columns[info->pk[k]].name);
}

static void free_shapes(orm_sql_shape *shape)
{
	while (shape) {
		orm_sql_shape *next = shape->next;
		orm_free(shape->mask);
		orm_free(shape->sql);
		orm_free(shape->bound);
		orm_free(shape->returned);
		orm_free(shape);
		shape = next;
	}
}

static void free_info(orm_model_info *info)
{
	if (info->nrels && orm_rel_hooks_of(info->model))
		orm_rel_hooks_of(info->model)->free_info(info);
	orm_free(info->pk);
	orm_free(info->sql_select);
	orm_free(info->sql_get);
	orm_free(info->sql_delete);
	free_shapes(info->shapes);
}

static int build_info(orm_model_info *info, const orm_model *model, size_t rank)
{
	orm_buf b = ORM_BUF_INIT;
	const orm_column *gen;
	int rc = ORM_OK;

	info->model = model;
	info->rank = rank;
	info->autoincrement = -1;
	info->maskbytes = (model->ncolumns + 7) / 8;
	if (model->size == 0)
		return ORM_OK; /* a table with no struct: DDL only, never in a session */
	info->pk = orm_calloc(model->ncolumns, sizeof *info->pk);
	if (!info->pk)
		return orm_err_set(NULL, ORM_ENOMEM, "out of memory");
	for (size_t i = 0; i < model->ncolumns; i++)
		if (model->columns[i].primary_key)
			info->pk[info->npk++] = i;
	if (info->npk == 0 || info->npk > MAX_PK)
		return orm_err_set(NULL, ORM_EINVAL,
		                   "model %s has %zu primary key columns (1 to %d)", model->name,
		                   info->npk, MAX_PK);
	/* The same rule as the DDL's (SERIAL, the rowid): SQLAlchemy's. */
	if ((gen = orm_model_autoincrement_column(model)) != NULL)
		info->autoincrement = (int)(gen - model->columns);

	orm_buf_puts(&b, "SELECT ");
	for (size_t i = 0; i < model->ncolumns; i++)
		orm_buf_printf(&b, "%s%s", i ? ", " : "", model->columns[i].name);
	orm_buf_printf(&b, " FROM %s", model->tablename);
	if (!b.failed)
		info->sql_select = orm_strdup(orm_buf_cstr(&b));
	put_pk_where(&b, info);
	if (!b.failed)
		info->sql_get = orm_strdup(orm_buf_cstr(&b));
	orm_buf_free(&b);
	orm_buf_printf(&b, "DELETE FROM %s", model->tablename);
	put_pk_where(&b, info);
	if (!b.failed)
		info->sql_delete = orm_strdup(orm_buf_cstr(&b));
	if (!info->sql_select || !info->sql_get || !info->sql_delete)
		rc = orm_err_set(NULL, ORM_ENOMEM, "out of memory");
	orm_buf_free(&b);
	return rc;
}

int orm_sessionmaker_new(orm_sessionmaker **out, orm_engine *engine, orm_metadata *metadata,
                         const orm_session_options *options)
{
	static const orm_session_options defaults = ORM_SESSION_OPTIONS_INIT;
	const orm_model *const *models;
	orm_sessionmaker *maker = NULL;
	size_t count;
	int rc;

	assert(out && engine && metadata);
	*out = NULL;
	if ((rc = orm_metadata_sorted(&models, &count, metadata)) < 0)
		return orm_err_set(NULL, rc, "%s", orm_metadata_errmsg(metadata));
	maker = orm_calloc(1, sizeof *maker);
	if (!maker || (count && !(maker->infos = orm_calloc(count, sizeof *maker->infos)))) {
		rc = orm_err_set(NULL, ORM_ENOMEM, "out of memory making a sessionmaker");
		goto done;
	}
	maker->engine = engine;
	maker->metadata = metadata;
	maker->options = options ? *options : defaults;
	maker->lastrowid = orm_engine_has_lastrowid(engine);
	for (size_t i = 0; i < count; i++) {
		maker->ninfos++;
		if ((rc = build_info(&maker->infos[i], models[i], i)) < 0)
			goto done;
	}
	for (size_t i = 0; i < count && !maker->rel; i++)
		maker->rel = orm_rel_hooks_of(models[i]);
	if (maker->rel && (rc = maker->rel->build(maker)) < 0)
		goto done;
	if (pthread_mutex_init(&maker->lock, NULL) != 0) {
		rc = orm_err_set(NULL, ORM_ENOMEM, "cannot create the sessionmaker's lock");
		goto done;
	}
	*out = maker;
	maker = NULL;
	rc = ORM_OK;
done:
	if (maker) {
		for (size_t i = 0; i < maker->ninfos; i++)
			free_info(&maker->infos[i]);
		orm_free(maker->infos);
		orm_free(maker);
	}
	return rc;
}

void orm_sessionmaker_free(orm_sessionmaker *maker)
{
	if (!maker)
		return;
	for (size_t i = 0; i < maker->ninfos; i++)
		free_info(&maker->infos[i]);
	orm_free(maker->infos);
	pthread_mutex_destroy(&maker->lock);
	orm_free(maker);
}

static bool is_date_column(const orm_column *col)
{
	return col->type == ORM_DATE || col->type == ORM_DATETIME;
}

/* Builds the SQL of an INSERT of the columns in `mask` (RETURNING those
 * left out: the generated key, server defaults) or of an UPDATE setting
 * the columns in `mask`. */
static orm_sql_shape *build_shape(const orm_model_info *info, int kind, const uint8_t *mask,
                                  bool lastrowid)
{
	const orm_model *m = info->model;
	orm_sql_shape *sh = orm_calloc(1, sizeof *sh);
	orm_buf b = ORM_BUF_INIT;
	size_t nset = 0;

	if (!sh)
		return NULL;
	sh->kind = kind;
	sh->mask = orm_malloc(info->maskbytes ? info->maskbytes : 1);
	sh->bound = orm_calloc(m->ncolumns + info->npk, sizeof *sh->bound);
	sh->returned = orm_calloc(m->ncolumns, sizeof *sh->returned);
	if (!sh->mask || !sh->bound || !sh->returned)
		goto fail;
	memcpy(sh->mask, mask, info->maskbytes);
	for (size_t i = 0; i < m->ncolumns; i++) {
		if (orm_bit_get(mask, i))
			sh->bound[sh->nbound++] = i;
		else if (kind == ORM_SHAPE_INSERT)
			sh->returned[sh->nreturned++] = i;
	}
	nset = sh->nbound;

	if (kind == ORM_SHAPE_INSERT) {
		orm_buf_printf(&b, "INSERT INTO %s", m->tablename);
		if (nset == 0) {
			orm_buf_puts(&b, " DEFAULT VALUES");
		} else {
			orm_buf_puts(&b, " (");
			for (size_t k = 0; k < nset; k++)
				orm_buf_printf(&b, "%s%s", k ? ", " : "",
				               m->columns[sh->bound[k]].name);
			orm_buf_puts(&b, ") VALUES (");
			for (size_t k = 0; k < nset; k++)
				orm_buf_puts(&b, k ? ", ?" : "?");
			orm_buf_putc(&b, ')');
		}
		/* Only the generated key to read back, and the database tells
		 * it without RETURNING: no RETURNING (SQLAlchemy's lastrowid). */
		sh->lastrowid = lastrowid && sh->nreturned == 1 &&
		                (int)sh->returned[0] == info->autoincrement &&
		                m->columns[sh->returned[0]].type == ORM_INTEGER;
		for (size_t k = 0; k < sh->nreturned && !sh->lastrowid; k++)
			orm_buf_printf(&b, "%s%s", k ? ", " : " RETURNING ",
			               m->columns[sh->returned[k]].name);
	} else {
		/* SQLAlchemy's spelling: SET title=? WHERE id = ? */
		orm_buf_printf(&b, "UPDATE %s SET ", m->tablename);
		for (size_t k = 0; k < nset; k++)
			orm_buf_printf(&b, "%s%s=?", k ? ", " : "", m->columns[sh->bound[k]].name);
		put_pk_where(&b, info);
		for (size_t k = 0; k < info->npk; k++)
			sh->bound[sh->nbound++] = info->pk[k];
	}
	for (size_t k = 0; k < sh->nbound; k++)
		if (is_date_column(&m->columns[sh->bound[k]]))
			sh->ndates++;
	if (b.failed)
		goto fail;
	sh->sql = orm_buf_detach(&b);
	return sh;
fail:
	orm_buf_free(&b);
	free_shapes(sh);
	return NULL;
}

/* The shape of `kind` for the columns in `mask`, built on first use. */
static int get_shape(const orm_sql_shape **out, orm_session *s, orm_model_info *info, int kind,
                     const uint8_t *mask)
{
	orm_sessionmaker *maker = s->maker;
	orm_sql_shape *sh;

	pthread_mutex_lock(&maker->lock);
	for (sh = info->shapes; sh; sh = sh->next)
		if (sh->kind == kind && memcmp(sh->mask, mask, info->maskbytes) == 0)
			break;
	if (!sh && (sh = build_shape(info, kind, mask, maker->lastrowid)) != NULL) {
		sh->next = info->shapes;
		info->shapes = sh;
	}
	pthread_mutex_unlock(&maker->lock);
	if (!sh)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory building SQL for %s",
		                   info->model->tablename);
	*out = sh;
	return ORM_OK;
}

/* The info of `model`, or NULL. */
static orm_model_info *find_info(const orm_sessionmaker *maker, const orm_model *model)
{
	for (size_t i = 0; i < maker->ninfos; i++)
		if (maker->infos[i].model == model)
			return &maker->infos[i];
	return NULL;
}

orm_model_info *orm_session_find_info(const orm_sessionmaker *maker, const orm_model *model)
{
	return find_info(maker, model);
}

int orm_session_model_info(const orm_model_info **out, orm_session *s, const orm_model *model)
{
	const orm_model_info *info = find_info(s->maker, model);

	if (!info) {
		if (orm_metadata_model(s->maker->metadata, model->tablename) == model)
			return orm_err_set(
			    &s->err, ORM_EINVAL,
			    "model %s was registered after the sessionmaker was made; "
			    "register every model first",
			    model->name);
		return orm_err_set(&s->err, ORM_EINVAL,
		                   "model %s is not registered in the session's metadata",
		                   model->name);
	}
	if (model->size == 0)
		return orm_err_set(
		    &s->err, ORM_EINVAL,
		    "model %s has no struct behind it (size 0): it cannot hold objects",
		    model->name);
	*out = info;
	return ORM_OK;
}

/* ---- sessions ---------------------------------------------------------- */

int orm_session_open(orm_session **out, orm_sessionmaker *maker)
{
	orm_session *s;

	assert(out && maker);
	*out = NULL;
	s = orm_calloc(1, sizeof *s);
	if (!s)
		return orm_err_set(NULL, ORM_ENOMEM, "out of memory opening a session");
	s->maker = maker;
	*out = s;
	return ORM_OK;
}

const char *orm_session_errmsg(const orm_session *session)
{
	return session ? session->err.msg : "";
}

orm_engine *orm_session_engine(const orm_session *session)
{
	return session->maker->engine;
}

int orm_session_conn_error(orm_session *s, int rc, const char *what)
{
	const char *why = s->conn ? orm_conn_errmsg(s->conn) : orm_error_last();
	char copy[ORM_ERRMSG_MAX];

	/* `why` may be the thread's last error, which orm_err_set rewrites. */
	snprintf(copy, sizeof copy, "%s", why);
	return orm_err_set(&s->err, rc, "%s: %s", what, copy);
}

/* The session's connection, with a transaction open: checked out and
 * begun the first time the session needs the database (autobegin). */
static int ensure_conn(orm_session *s)
{
	int rc;

	if (s->conn)
		return ORM_OK;
	if ((rc = orm_engine_connect(&s->conn, s->maker->engine)) < 0) {
		s->conn = NULL;
		return orm_session_conn_error(s, rc, "connect");
	}
	if ((rc = orm_conn_begin(s->conn)) < 0) {
		orm_session_conn_error(s, rc, "BEGIN");
		orm_conn_close(s->conn);
		s->conn = NULL;
	}
	return rc;
}

int orm_session_ensure_conn(orm_conn **out, orm_session *s)
{
	int rc = ensure_conn(s);
	*out = s->conn;
	return rc;
}

/* Gives the connection back to the pool. */
static void release_conn(orm_session *s)
{
	orm_conn_close(s->conn);
	s->conn = NULL;
}

/* ---- the object lists ------------------------------------------------- */

static int grow(void **array, size_t *cap, size_t need, size_t size)
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

static int reserve_objs(orm_session *s, size_t extra)
{
	if (grow((void **)&s->objs, &s->capobjs, s->nobjs + extra, sizeof *s->objs) < 0)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory adding an object");
	return ORM_OK;
}

static void append_obj(orm_session *s, orm_object *h)
{
	assert(s->nobjs < s->capobjs && s->nobjs < UINT32_MAX);
	h->index = (uint32_t)s->nobjs;
	s->objs[s->nobjs++] = h;
	h->session = s;
}

static void remove_obj(orm_session *s, orm_object *h)
{
	orm_object *last = s->objs[--s->nobjs];
	s->objs[h->index] = last;
	last->index = h->index;
	h->session = NULL;
}

static int append_pending(orm_session *s, orm_object *h)
{
	if (grow((void **)&s->pending, &s->cappending, s->npending + 1, sizeof *s->pending) < 0)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory adding an object");
	h->pending_index = (uint32_t)s->npending;
	s->pending[s->npending++] = h;
	h->state = ORM_PENDING;
	return ORM_OK;
}

static void remove_pending(orm_session *s, orm_object *h)
{
	assert(h->pending_index < s->npending && s->pending[h->pending_index] == h);
	s->pending[h->pending_index] = NULL;
}

/* ---- the identity map -------------------------------------------------- */

/* A primary key value read from a row, in the form a field gives it, so
 * that the same key hashes the same from a row, an object or get(). */
static orm_value key_value(const orm_column *col, orm_value v)
{
	if (v.type == ORM_TYPE_NULL)
		return v;
	if (is_integer_column(col)) {
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

static uint64_t key_hash(const orm_model *model, const orm_value *vals, size_t n)
{
	uint64_t h = orm_mix64((uint64_t)(uintptr_t)model);
	for (size_t k = 0; k < n; k++)
		h = orm_mix64(h ^ orm_value_hash(vals[k])) + k;
	return h;
}

/* The key values of object h, with text written into scratch. */
static void object_key(orm_value *vals, char (*scratch)[ORM_FIELD_SCRATCH],
                       const orm_model_info *info, const orm_object *h)
{
	const void *data = orm_object_data(h);
	for (size_t k = 0; k < info->npk; k++)
		vals[k] =
		    orm_field_value(data, &info->model->columns[info->pk[k]], false, scratch[k]);
}

static uint64_t object_hash(const orm_model_info *info, const orm_object *h)
{
	orm_value vals[MAX_PK];
	char scratch[MAX_PK][ORM_FIELD_SCRATCH];
	object_key(vals, scratch, info, h);
	return key_hash(info->model, vals, info->npk);
}

static orm_object *map_find(const orm_session *s, const orm_model_info *info, const orm_value *vals,
                            uint64_t hash)
{
	size_t mask = s->mapcap - 1;

	if (s->mapcap == 0)
		return NULL;
	for (size_t i = hash & mask; s->map[i]; i = (i + 1) & mask) {
		orm_object *h = s->map[i];
		/* The hash, kept in the object, rules out most other keys
		 * before their fields are compared. */
		bool same = h->key_hash == hash && h->model == info->model;
		for (size_t k = 0; same && k < info->npk; k++)
			same = orm_field_equals(orm_object_data(h),
			                        &info->model->columns[info->pk[k]], vals[k]);
		if (same)
			return h;
	}
	return NULL;
}

/* Makes room for `extra` more objects, keeping the table at most half
 * full: a look-up for a key that is not there (every first get) then
 * probes two or three slots on average. */
static int map_reserve(orm_session *s, size_t extra)
{
	size_t need = s->mapcount + extra, ncap;
	orm_object **slots;

	if (need * 2 <= s->mapcap)
		return ORM_OK;
	ncap = s->mapcap ? s->mapcap : 64;
	while (need * 2 > ncap)
		ncap *= 2;
	slots = orm_calloc(ncap, sizeof *slots);
	if (!slots)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory growing the identity map");
	for (size_t i = 0; i < s->mapcap; i++) {
		if (s->map[i]) {
			size_t j = s->map[i]->key_hash & (ncap - 1);
			while (slots[j])
				j = (j + 1) & (ncap - 1);
			slots[j] = s->map[i];
		}
	}
	orm_free(s->map);
	s->map = slots;
	s->mapcap = ncap;
	return ORM_OK;
}

/* Adds h under `hash`; room must have been reserved. */
static void map_insert(orm_session *s, orm_object *h, uint64_t hash)
{
	size_t mask = s->mapcap - 1, i = hash & mask;

	assert(s->mapcount < s->mapcap && !(h->flags & ORM_OBJ_IN_MAP));
	while (s->map[i])
		i = (i + 1) & mask;
	s->map[i] = h;
	s->mapcount++;
	h->key_hash = hash; /* the slot's hash: read back by find, grow and remove */
	h->flags |= ORM_OBJ_IN_MAP;
}

/* Removes h, shifting back the entries after it that probed past its
 * slot, so no tombstones are needed (Knuth's algorithm R). */
static void map_remove(orm_session *s, orm_object *h)
{
	size_t mask = s->mapcap - 1, i, j;

	if (!(h->flags & ORM_OBJ_IN_MAP))
		return;
	for (i = h->key_hash & mask; s->map[i] != h; i = (i + 1) & mask)
		assert(s->map[i]);
	for (j = (i + 1) & mask; s->map[j]; j = (j + 1) & mask) {
		size_t home = s->map[j]->key_hash & mask;
		/* Move j into the hole at i unless its home lies in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			s->map[i] = s->map[j];
			i = j;
		}
	}
	s->map[i] = NULL;
	s->mapcount--;
	h->flags &= ~ORM_OBJ_IN_MAP;
}

orm_object *orm_session_lookup(orm_session *s, const orm_model_info *info, orm_value key)
{
	orm_value v;

	if (info->npk != 1 || key.type == ORM_TYPE_NULL)
		return NULL;
	v = key_value(&info->model->columns[info->pk[0]], key);
	return map_find(s, info, &v, key_hash(info->model, &v, 1));
}

/* ---- loading rows into objects ----------------------------------------- */

/*
 * Stores the current row (the model's columns in order) into h's fields
 * and snapshot. With keep_changes, columns the learner changed since the
 * snapshot are left alone (and stay changed): that is how an expired
 * object is reloaded without losing what was written into it.
 */
static int load_columns(orm_session *s, orm_object *h, const orm_result *res, int col0,
                        bool keep_changes)
{
	const orm_model *m = h->model;
	void *data = orm_object_data(h);
	uint64_t *snap = orm_object_snapshot(h);
	uint8_t *nulls = orm_object_nulls(h), *snap_nulls = orm_object_snapshot_nulls(h);
	int rc;

	for (size_t i = 0; i < m->ncolumns; i++) {
		const orm_column *col = &m->columns[i];
		bool is_null;

		if (keep_changes && orm_object_column_changed(h, i))
			continue;
		rc = orm_field_load(data, col, orm_result_value(res, col0 + (int)i), &is_null,
		                    m->tablename, &s->err);
		if (rc < 0)
			return rc;
		if (!orm_field_is_pointer(col))
			orm_bit_put(nulls, i, is_null);
		snap[i] = orm_field_pack(data, col);
		orm_bit_put(snap_nulls, i, is_null);
	}
	return ORM_OK;
}

/* load_columns for an object already in the session, then its references
 * recomputed from the foreign keys just read (chapter 4). */
static int reload_columns(orm_session *s, const orm_model_info *info, orm_object *h,
                          const orm_result *res, int col0, bool keep_changes)
{
	int rc = load_columns(s, h, res, col0, keep_changes);
	if (rc == ORM_OK && info->nrels)
		s->maker->rel->after_load(s, info, h, false, keep_changes);
	return rc;
}

/* A new persistent object for the current row, whose key hashes to
 * `hash` and is not in the identity map yet. */
static int load_new_row(void **out, orm_session *s, const orm_model_info *info,
                        const orm_result *res, int col0, uint64_t hash)
{
	orm_object *h;
	int rc;

	if ((rc = reserve_objs(s, 1)) < 0 || (rc = map_reserve(s, 1)) < 0)
		return rc;
	h = orm_object_alloc_bare(info->model); /* load_columns sets every column */
	if (!h)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory loading a %s",
		                   info->model->name);
	if ((rc = load_columns(s, h, res, col0, false)) < 0) {
		orm_object_destroy(h);
		return rc;
	}
	h->state = ORM_PERSISTENT;
	append_obj(s, h);
	map_insert(s, h, hash);
	*out = orm_object_data(h);
	return ORM_OK;
}

int orm_session_load_row_at(void **out, orm_session *s, const orm_model_info *info,
                            const orm_result *res, int col0)
{
	orm_value vals[MAX_PK];
	orm_object *h;
	uint64_t hash;
	int rc;

	for (size_t k = 0; k < info->npk; k++)
		vals[k] = key_value(&info->model->columns[info->pk[k]],
		                    orm_result_value(res, col0 + (int)info->pk[k]));
	hash = key_hash(info->model, vals, info->npk);
	h = map_find(s, info, vals, hash);
	if (!h)
		return load_new_row(out, s, info, res, col0, hash);
	/* Already in the session: the session's version wins, unless it was
	 * expired, in which case the row refreshes it. */
	if (h->flags & ORM_OBJ_EXPIRED) {
		if ((rc = reload_columns(s, info, h, res, col0, true)) < 0)
			return rc;
		h->flags &= ~ORM_OBJ_EXPIRED;
	}
	*out = orm_object_data(h);
	return ORM_OK;
}

int orm_session_load_row(void **out, orm_session *s, const orm_model_info *info,
                         const orm_result *res)
{
	return orm_session_load_row_at(out, s, info, res, 0);
}

/* "42" or "'ada@example.com'", for messages. */
static void format_key(char *buf, size_t size, const orm_value *vals, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < n && len < size; k++) {
		const orm_value *v = &vals[k];
		const char *sep = k ? ", " : "";
		int w;
		if (v->type == ORM_TYPE_INT)
			w = snprintf(buf + len, size - len, "%s%" PRId64, sep, v->u.i);
		else if (v->type == ORM_TYPE_FLOAT)
			w = snprintf(buf + len, size - len, "%s%g", sep, v->u.f);
		else if (v->type == ORM_TYPE_BOOL)
			w = snprintf(buf + len, size - len, "%s%s", sep, v->u.b ? "true" : "false");
		else if (v->type == ORM_TYPE_NULL)
			w = snprintf(buf + len, size - len, "%sNULL", sep);
		else
			w = snprintf(buf + len, size - len, "%s'%.*s'", sep,
			             (int)(v->u.s.len > 60 ? 60 : v->u.s.len), v->u.s.ptr);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static int not_found(orm_session *s, const orm_model_info *info, const orm_value *vals)
{
	char key[160];
	orm_buf names = ORM_BUF_INIT;
	int rc;

	format_key(key, sizeof key, vals, info->npk);
	for (size_t k = 0; k < info->npk; k++)
		orm_buf_printf(&names, "%s%s", k ? ", " : "",
		               info->model->columns[info->pk[k]].name);
	rc = orm_err_set(&s->err, ORM_ENOTFOUND, "no %s row with %s = %s", info->model->tablename,
	                 orm_buf_cstr(&names), key);
	orm_buf_free(&names);
	return rc;
}

/* SELECTs h's row again on `conn` and stores it (see load_columns). */
static int reload(orm_session *s, orm_conn *conn, const orm_model_info *info, orm_object *h,
                  bool keep_changes)
{
	orm_value vals[MAX_PK];
	char scratch[MAX_PK][ORM_FIELD_SCRATCH];
	orm_result *res = NULL;
	int rc;

	object_key(vals, scratch, info, h);
	if ((rc = orm_conn_execute(&res, conn, info->sql_get, vals, info->npk)) < 0)
		return orm_session_conn_error(s, rc, info->model->tablename);
	rc = orm_result_next(res);
	if (rc == ORM_ROW) {
		if ((rc = reload_columns(s, info, h, res, 0, keep_changes)) == ORM_OK)
			h->flags &= ~ORM_OBJ_EXPIRED;
	} else if (rc == ORM_DONE) {
		rc = not_found(s, info, vals);
	} else {
		rc = orm_session_conn_error(s, rc, info->model->tablename);
	}
	orm_result_free(res);
	return rc;
}

/* ---- flush: the unit of work ------------------------------------------- */

/* One object a flush acts on, with the shape of its statement. */
typedef struct work_item {
	orm_object *h;
	orm_model_info *info;
	const uint8_t *mask; /* INSERT: columns bound; UPDATE: columns changed */
	int64_t key;         /* integer primary key, to send UPDATEs and DELETEs in key order */
	size_t seq;          /* the order found, to keep the sort stable */
	uint32_t level;      /* depth among rows of a self-referencing table (chapter 4) */
} work_item;

/* Whether column i of h holds no value yet: NULL, or zero in a NOT NULL
 * int, bool, float or date column. Not an enum's zero: that is its first
 * label, and an enum with a default starts at ORM_ENUM_NULL instead. */
static bool is_unset(const orm_object *h, size_t i)
{
	const orm_column *col = &h->model->columns[i];
	if (orm_object_column_is_null(h, i))
		return true;
	return !orm_schema_column_nullable(col) && !orm_field_has_null_value(col) &&
	       orm_field_is_zero(orm_object_data(h), col);
}

/* A client-side default's SQL literal as a value: 'text' (with '' for a
 * quote), true/false, a number, or NULL. `buf` holds unquoted text. */
static int parse_default(orm_value *out, const char *sql, char *buf, size_t size)
{
	char *end;

	while (isspace((unsigned char)*sql))
		sql++;
	if (*sql == '\'') {
		size_t n = 0;
		for (const char *p = sql + 1; *p; p++) {
			if (*p == '\'' && p[1] != '\'') {
				if (p[1] != '\0')
					return ORM_EINVAL;
				buf[n] = '\0';
				*out = orm_text_len(buf, n);
				return ORM_OK;
			}
			if (*p == '\'')
				p++;
			if (n + 1 >= size)
				return ORM_EINVAL;
			buf[n++] = *p;
		}
		return ORM_EINVAL;
	}
	if (strcasecmp(sql, "true") == 0 || strcasecmp(sql, "false") == 0) {
		*out = orm_bool(tolower((unsigned char)*sql) == 't');
		return ORM_OK;
	}
	if (strcasecmp(sql, "null") == 0) {
		*out = orm_null();
		return ORM_OK;
	}
	errno = 0;
	long long i = strtoll(sql, &end, 10);
	if (end != sql && *end == '\0' && errno == 0) {
		*out = orm_int(i);
		return ORM_OK;
	}
	double f = strtod(sql, &end);
	if (end != sql && *end == '\0') {
		*out = orm_float(f);
		return ORM_OK;
	}
	return ORM_EINVAL;
}

/* Fills unset fields that have a client-side default (Column(default=)). */
static int apply_defaults(orm_session *s, orm_object *h)
{
	const orm_model *m = h->model;
	char buf[256];

	for (size_t i = 0; i < m->ncolumns; i++) {
		const orm_column *col = &m->columns[i];
		orm_value v;
		bool is_null;
		int rc;

		if (!col->default_sql || !is_unset(h, i))
			continue;
		if (parse_default(&v, col->default_sql, buf, sizeof buf) < 0)
			return orm_err_set(&s->err, ORM_EINVAL,
			                   "the default of %s.%s is not a literal value: %s",
			                   m->tablename, col->name, col->default_sql);
		if (v.type == ORM_TYPE_NULL)
			continue;
		rc = orm_field_load(orm_object_data(h), col, v, &is_null, m->tablename, &s->err);
		if (rc < 0)
			return rc;
		if (!orm_field_is_pointer(col))
			orm_bit_put(orm_object_nulls(h), i, is_null);
	}
	return ORM_OK;
}

/* Checks column i of h before it is sent: NULL in a NOT NULL column, a
 * string too long, an enum value without a label, a date that is not. */
static int check_column(orm_session *s, const orm_object *h, size_t i)
{
	const orm_column *col = &h->model->columns[i];

	if (orm_object_column_is_null(h, i)) {
		if (orm_schema_column_nullable(col))
			return ORM_OK;
		return orm_err_set(&s->err, ORM_EINVAL, "NULL in %s.%s, which is NOT NULL",
		                   h->model->tablename, col->name);
	}
	return orm_field_check(orm_object_data(h), col, h->model->tablename, &s->err);
}

/* Prepares a pending object's INSERT: defaults, the columns it sends
 * (all but an unset generated key or server default), checks. */
static int plan_insert(orm_session *s, work_item *it, uint8_t *mask)
{
	orm_object *h = it->h;
	const orm_model *m = h->model;
	int rc;

	if ((rc = apply_defaults(s, h)) < 0)
		return rc;
	orm_object_settle_nulls(h);
	memset(mask, 0, it->info->maskbytes);
	for (size_t i = 0; i < m->ncolumns; i++) {
		const orm_column *col = &m->columns[i];
		if ((int)i == it->info->autoincrement && orm_field_is_zero(orm_object_data(h), col))
			continue;
		if (col->server_default && is_unset(h, i))
			continue;
		if ((rc = check_column(s, h, i)) < 0)
			return rc;
		orm_bit_put(mask, i, true);
	}
	it->mask = mask;
	return ORM_OK;
}

/* Finds the columns of a persistent object that changed since its
 * snapshot. Returns 1 when there are some, 0 when none, or an error. */
static int plan_update(orm_session *s, work_item *it, uint8_t *mask)
{
	orm_object *h = it->h;
	const orm_model *m = h->model;
	bool any = false;
	int rc;

	orm_object_settle_nulls(h);
	memset(mask, 0, it->info->maskbytes);
	for (size_t i = 0; i < m->ncolumns; i++) {
		if (!orm_object_column_changed(h, i))
			continue;
		if (m->columns[i].primary_key)
			return orm_err_set(
			    &s->err, ORM_EINVAL,
			    "the primary key of a persistent %s cannot change (%s.%s)", m->name,
			    m->tablename, m->columns[i].name);
		if ((rc = check_column(s, h, i)) < 0)
			return rc;
		orm_bit_put(mask, i, true);
		any = true;
	}
	/* A reference changed to an object not inserted yet: its key is
	 * filled just before the UPDATE is sent (chapter 4). */
	if (it->info->has_many_to_one && s->maker->rel->force_keys(it->info, h, mask))
		any = true;
	it->mask = mask;
	return any;
}

/* Sort key: the integer primary key, as SQLAlchemy orders UPDATEs and
 * DELETEs; other keys keep the order found. */
static void set_sort_key(work_item *it)
{
	const orm_column *col = &it->info->model->columns[it->info->pk[0]];
	it->key = 0;
	if (it->info->npk == 1 && is_integer_column(col)) {
		orm_value v = orm_field_value(orm_object_data(it->h), col, false, NULL);
		it->key = v.u.i;
	}
}

static int cmp_by_rank_then_key(const void *a, const void *b)
{
	const work_item *x = a, *y = b;
	if (x->info->rank != y->info->rank)
		return x->info->rank < y->info->rank ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* DELETEs: dependent tables first, and in a self-referencing table the
 * rows that refer to others before those they refer to. */
static int cmp_by_reverse_rank_then_key(const void *a, const void *b)
{
	const work_item *x = a, *y = b;
	if (x->info->rank != y->info->rank)
		return x->info->rank > y->info->rank ? -1 : 1;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return cmp_by_rank_then_key(a, b);
}

/* INSERTs of one model: referenced rows first, else the order added. */
static int cmp_by_level_then_seq(const void *a, const void *b)
{
	const work_item *x = a, *y = b;
	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "new Node -> new Node -> new Node" for the message of a cycle. */
static int cycle_error(orm_session *s, work_item *items, const size_t *path, size_t from, size_t to,
                       const char *verb)
{
	orm_buf msg = ORM_BUF_INIT;
	char who[96];
	int rc;

	for (size_t k = from; k <= to; k++) {
		s->maker->rel->describe(who, sizeof who, items[path[k]].h);
		orm_buf_printf(&msg, "%s -> ", who);
	}
	s->maker->rel->describe(who, sizeof who, items[path[from]].h);
	orm_buf_puts(&msg, who);
	rc = orm_err_set(&s->err, ORM_EINVAL,
	                 "the references of these %s objects form a cycle, so no order can %s "
	                 "them: %s",
	                 items[path[from]].h->model->name, verb,
	                 msg.failed ? "(out of memory)" : orm_buf_cstr(&msg));
	orm_buf_free(&msg);
	return rc;
}

/*
 * Rows of a self-referencing table depend on each other (chapter 4): a
 * new node is inserted after the new parent it refers to, a deleted node
 * deleted before the deleted parent. Gives each of items[0..n) (one
 * model) its depth in the chain of references among them, walking the
 * references depth first without recursion. ORM_EINVAL naming the
 * objects when the references form a cycle.
 */
static int set_levels(orm_session *s, work_item *items, size_t n, const char *verb)
{
	const orm_model_info *info = items[0].info;
	int32_t *pos = NULL;
	uint8_t *state = NULL; /* 0 unseen, 1 on the path, 2 done */
	size_t *path = NULL, *next = NULL, depth = 0;
	int rc = ORM_OK;

	pos = orm_malloc((s->nobjs ? s->nobjs : 1) * sizeof *pos);
	state = orm_calloc(n, 1);
	path = orm_malloc(n * sizeof *path);
	next = orm_malloc(n * sizeof *next);
	if (!pos || !state || !path || !next) {
		rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory ordering %s",
		                 info->model->tablename);
		goto done;
	}
	for (size_t i = 0; i < s->nobjs; i++)
		pos[i] = -1;
	for (size_t i = 0; i < n; i++) {
		pos[items[i].h->index] = (int32_t)i;
		items[i].level = 0;
	}
	for (size_t start = 0; start < n; start++) {
		if (state[start])
			continue;
		path[0] = start;
		next[0] = 0;
		state[start] = 1;
		depth = 1;
		while (depth > 0) {
			size_t top = path[depth - 1];
			bool more;
			orm_object *t =
			    s->maker->rel->self_target(s, info, items[top].h, next[depth - 1]++, &more);
			size_t j;

			if (!more) { /* every reference of top is done */
				state[top] = 2;
				depth--;
				if (depth > 0 && items[path[depth - 1]].level <= items[top].level)
					items[path[depth - 1]].level = items[top].level + 1;
				continue;
			}
			if (!t || t->session != s || t->index >= s->nobjs || pos[t->index] < 0)
				continue;
			j = (size_t)pos[t->index];
			if (state[j] == 1) {
				size_t from = 0;
				while (path[from] != j)
					from++;
				rc = cycle_error(s, items, path, from, depth - 1, verb);
				goto done;
			}
			if (state[j] == 2) {
				if (items[top].level <= items[j].level)
					items[top].level = items[j].level + 1;
				continue;
			}
			state[j] = 1;
			path[depth] = j;
			next[depth] = 0;
			depth++;
		}
	}
done:
	orm_free(pos);
	orm_free(state);
	orm_free(path);
	orm_free(next);
	return rc;
}

/* What a batch's RETURNING rows are written into. */
typedef struct returning_ctx {
	orm_session *s;
	work_item *items; /* the batch's first item */
	const orm_sql_shape *shape;
	int rc; /* an error of our own (a bad value), not the database's */
} returning_ctx;

static int on_returning(void *ctx_, size_t row, const orm_result *res)
{
	returning_ctx *ctx = ctx_;
	orm_object *h = ctx->items[row].h;
	const orm_model *m = h->model;

	if (!res && !ctx->shape->lastrowid)
		return ctx->rc = orm_err_set(&ctx->s->err, ORM_ERROR,
		                             "INSERT INTO %s returned no row", m->tablename);
	for (size_t k = 0; k < ctx->shape->nreturned; k++) {
		size_t i = ctx->shape->returned[k];
		const orm_column *col = &m->columns[i];
		orm_value v =
		    res ? orm_result_value(res, (int)k) : orm_int(orm_conn_lastrowid(ctx->s->conn));
		bool is_null;
		int rc = orm_field_load(orm_object_data(h), col, v, &is_null, m->tablename,
		                        &ctx->s->err);
		if (rc < 0)
			return ctx->rc = rc;
		if (!orm_field_is_pointer(col))
			orm_bit_put(orm_object_nulls(h), i, is_null);
	}
	return ORM_OK;
}

/*
 * A foreign key violation whose message names no key (the dialect tells:
 * SQLite says only "FOREIGN KEY constraint failed"): names the keys that
 * could be it -
 * the table's own for an INSERT or UPDATE, those referring to it for a
 * DELETE - so the message says which, as PostgreSQL's does:
 *     INSERT INTO events: FOREIGN KEY constraint failed (events.organizer_id
 *     references users.id)
 */
static void name_foreign_keys(orm_session *s, const orm_model *m, bool deleting)
{
	orm_buf b = ORM_BUF_INIT;
	size_t found = 0;

	const orm_dialect *d = orm_engine_dialect(s->maker->engine);

	if (!d->fk_violation_unnamed || !d->fk_violation_unnamed(s->err.msg))
		return;
	for (size_t r = 0; r < s->maker->ninfos; r++) {
		const orm_model *o = s->maker->infos[r].model;
		if (!deleting && o != m)
			continue;
		for (size_t i = 0; i < o->ncolumns; i++) {
			const orm_column *col = &o->columns[i];
			const char *dot = col->foreign_key ? strrchr(col->foreign_key, '.') : NULL;
			if (!dot)
				continue;
			if (deleting && (strlen(m->tablename) != (size_t)(dot - col->foreign_key) ||
			                 strncmp(m->tablename, col->foreign_key,
			                         (size_t)(dot - col->foreign_key)) != 0))
				continue;
			orm_buf_printf(&b, "%s%s.%s references %s", found++ ? ", " : " (",
			               o->tablename, col->name, col->foreign_key);
		}
	}
	if (found && !b.failed) {
		orm_buf msg = ORM_BUF_INIT;
		orm_buf_printf(&msg, "%s%s)", s->err.msg, orm_buf_cstr(&b));
		if (!msg.failed)
			orm_err_set(&s->err, s->err.code, "%s", orm_buf_cstr(&msg));
		orm_buf_free(&msg);
	}
	orm_buf_free(&b);
}

/*
 * Sends one statement for `n` objects (one row of parameters each, the
 * columns `cols`), BATCH_ROWS rows per orm_conn_execute_many(). With a
 * shape that returns columns, RETURNING rows are stored into the objects.
 */
static int run_batches(orm_session *s, const char *verb, const char *sql, const size_t *cols,
                       size_t ncols, const orm_sql_shape *returning, work_item *items, size_t n)
{
	const orm_model *m = items[0].h->model;
	size_t chunk = n < BATCH_ROWS ? n : BATCH_ROWS, ndates = 0;
	orm_value *params = NULL;
	char(*scratch)[ORM_FIELD_SCRATCH] = NULL;
	int rc = ORM_OK;

	for (size_t k = 0; k < ncols; k++)
		if (is_date_column(&m->columns[cols[k]]))
			ndates++;
	params = orm_malloc((chunk * ncols + 1) * sizeof *params);
	scratch = orm_malloc((chunk * ndates + 1) * sizeof *scratch);
	if (!params || !scratch) {
		rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory flushing %s", m->tablename);
		goto done;
	}
	for (size_t off = 0; off < n; off += chunk) {
		size_t rows = n - off < chunk ? n - off : chunk, d = 0;
		returning_ctx ctx = {s, items + off, returning, ORM_OK};

		for (size_t r = 0; r < rows; r++) {
			const orm_object *h = items[off + r].h;
			const void *data = orm_object_data(h);
			for (size_t k = 0; k < ncols; k++) {
				const orm_column *col = &m->columns[cols[k]];
				char *text = is_date_column(col) ? scratch[d++] : NULL;
				params[r * ncols + k] = orm_field_value(
				    data, col, orm_object_column_is_null(h, cols[k]), text);
			}
		}
		rc = orm_conn_execute_many(s->conn, sql, params, ncols, rows,
		                           returning && returning->nreturned ? on_returning : NULL,
		                           &ctx);
		if (rc < 0) {
			if (ctx.rc == ORM_OK) {
				orm_err_set(&s->err, rc, "%s %s: %s", verb, m->tablename,
				            orm_conn_errmsg(s->conn));
				if (rc == ORM_ECONSTRAINT)
					name_foreign_keys(s, m, strcmp(verb, "DELETE FROM") == 0);
			}
			goto done;
		}
	}
done:
	orm_free(params);
	orm_free(scratch);
	return rc;
}

/* Runs items[0..n) - all of one model and kind - grouping consecutive
 * objects with the same statement shape into one batch. */
static int run_items(orm_session *s, int kind, work_item *items, size_t n)
{
	size_t i = 0, j;
	int rc;

	while (i < n) {
		orm_model_info *info = items[i].info;
		const orm_sql_shape *sh = NULL;

		for (j = i + 1;
		     j < n && items[j].info == info && items[j].level == items[i].level &&
		     (kind == 0 || memcmp(items[j].mask, items[i].mask, info->maskbytes) == 0);
		     j++)
			;
		/* Foreign keys from references to objects inserted by now. */
		for (size_t k = i; kind != 0 && info->has_many_to_one && k < j; k++)
			if ((rc = s->maker->rel->fill_keys(s, info, items[k].h)) < 0)
				return rc;
		if (kind == 0) {
			rc = run_batches(s, "DELETE FROM", info->sql_delete, info->pk, info->npk,
			                 NULL, items + i, j - i);
		} else {
			if ((rc = get_shape(&sh, s, info, kind, items[i].mask)) < 0)
				return rc;
			rc = run_batches(s, kind == ORM_SHAPE_INSERT ? "INSERT INTO" : "UPDATE",
			                 sh->sql, sh->bound, sh->nbound,
			                 kind == ORM_SHAPE_INSERT ? sh : NULL, items + i, j - i);
		}
		if (rc < 0)
			return rc;
		i = j;
	}
	return ORM_OK;
}

/* Puts the database-generated key of h back to zero (not yet inserted). */
static void reset_generated_key(const orm_model_info *info, orm_object *h)
{
	if (info->autoincrement >= 0) {
		const orm_column *col = &info->model->columns[info->autoincrement];
		memset((char *)orm_object_data(h) + col->offset, 0, col->field_size);
	}
}

/* Whether any column of h differs from its snapshot. */
static bool object_changed(orm_object *h)
{
	orm_object_settle_nulls(h);
	for (size_t i = 0; i < h->model->ncolumns; i++)
		if (orm_object_column_changed(h, i))
			return true;
	return false;
}

enum rollback_kind { ROLLBACK_EXPLICIT, ROLLBACK_FAILED_FLUSH, ROLLBACK_FAILED_COMMIT };
static int rollback(orm_session *s, enum rollback_kind kind);

/*
 * The INSERTs of a flush are sent in batches of at most BATCH_ROWS rows,
 * gathered one model at a time: the work items of 100,000 new objects
 * are then never all in memory at once (40 bytes each, 4 MB), only one
 * batch's. A batch holds consecutive new objects of one model with the
 * same columns (and level), so its rows share one statement.
 */
typedef struct insert_batch {
	work_item *items; /* room for BATCH_ROWS */
	size_t n;
} insert_batch;

static int send_batch(orm_session *s, insert_batch *b)
{
	int rc = b->n ? run_items(s, ORM_SHAPE_INSERT, b->items, b->n) : ORM_OK;
	b->n = 0;
	return rc;
}

/* Adds `it` to the batch, sending the batch first when it is full or its
 * rows have another statement shape. The batches, and so the statements
 * and the rows of each, are the same as if run_items() had been given
 * every item of the model at once. */
static int add_to_batch(orm_session *s, insert_batch *b, const work_item *it)
{
	int rc;

	if (b->n > 0) {
		const work_item *last = &b->items[b->n - 1];
		if (b->n == BATCH_ROWS || last->level != it->level ||
		    memcmp(last->mask, it->mask, it->info->maskbytes) != 0)
			if ((rc = send_batch(s, b)) < 0)
				return rc;
	}
	b->items[b->n++] = *it;
	return ORM_OK;
}

/* The items of every new object of info's model, in the order added, with
 * the masks planned (masks is indexed by the position in s->pending). */
static size_t gather_inserts(work_item *items, const orm_session *s, orm_model_info *info,
                             const uint8_t *masks, size_t maskbytes)
{
	size_t n = 0;

	for (size_t p = 0; p < s->npending; p++) {
		orm_object *h = s->pending[p];
		if (h && h->model == info->model) {
			items[n] = (work_item){h, info, masks + p * maskbytes, 0, n, 0};
			n++;
		}
	}
	return n;
}

/* Orders the `n` new objects of a self-referencing model (chapter 4):
 * referenced rows first, else the order added. Fills items[0..n). */
static int order_self_inserts(orm_session *s, work_item *items, size_t n, orm_model_info *info,
                              const uint8_t *masks, size_t maskbytes)
{
	int rc;

	gather_inserts(items, s, info, masks, maskbytes);
	if ((rc = set_levels(s, items, n, "insert")) < 0)
		return rc;
	qsort(items, n, sizeof *items, cmp_by_level_then_seq);
	return ORM_OK;
}

/* Sends the INSERTs of info's `count` new objects, through batch `b`.
 * `all` has room for `count` items when the model refers to itself (its
 * rows are ordered among themselves first), else is unused. */
static int insert_model(orm_session *s, orm_model_info *info, size_t count, const uint8_t *masks,
                        size_t maskbytes, work_item *all, insert_batch *b)
{
	int rc = ORM_OK;

	if (info->self_referencing && count > 1) {
		if ((rc = order_self_inserts(s, all, count, info, masks, maskbytes)) < 0)
			return rc;
		for (size_t i = 0; i < count; i++)
			if ((rc = add_to_batch(s, b, &all[i])) < 0)
				return rc;
		return send_batch(s, b);
	}
	for (size_t p = 0, seq = 0; p < s->npending; p++) {
		orm_object *h = s->pending[p];
		work_item it;
		if (!h || h->model != info->model)
			continue;
		it = (work_item){h, info, masks + p * maskbytes, 0, seq++, 0};
		if ((rc = add_to_batch(s, b, &it)) < 0)
			return rc;
	}
	return send_batch(s, b);
}

static int flush(orm_session *s)
{
	orm_sessionmaker *maker = s->maker;
	work_item *items = NULL, *self_items = NULL;
	insert_batch batch = {NULL, 0};
	uint8_t *masks = NULL, *upd_masks;
	size_t *counts = NULL; /* new objects per model */
	size_t maskbytes = 1, nins = 0, nupd = 0, ndel = 0, nself = 0, cap, n;
	int rc = ORM_OK;

	/* 0. Relationships (chapter 4): cascades, orphans, foreign keys from
	 * references. It may load and add objects, so it comes first. */
	if (s->maker->rel && (rc = s->maker->rel->flush_prepare(s)) < 0)
		return rc;
	if (s->nobjs == 0)
		return ORM_OK;
	for (size_t r = 0; r < maker->ninfos; r++)
		if (maker->infos[r].maskbytes > maskbytes)
			maskbytes = maker->infos[r].maskbytes;
	/* The masks of the INSERTs (one per entry of s->pending, a byte or
	 * two each) are kept from planning to sending; their work items are
	 * not (see insert_batch). The UPDATE and DELETE masks follow. */
	masks = orm_malloc((s->npending + s->nobjs) * maskbytes);
	counts = orm_calloc(maker->ninfos, sizeof *counts);
	if (!masks || !counts) {
		rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory flushing");
		goto done;
	}
	upd_masks = masks + s->npending * maskbytes;

	/* 1. Plan, and check everything before any SQL. INSERTs model by
	 * model in dependency order, each model's objects in the order
	 * they were added. */
	for (size_t r = 0; r < maker->ninfos; r++) {
		orm_model_info *info = &maker->infos[r];
		for (size_t p = 0; p < s->npending; p++) {
			orm_object *h = s->pending[p];
			work_item it = {h, info, NULL, 0, 0, 0};
			if (!h || h->model != info->model)
				continue;
			if ((rc = plan_insert(s, &it, masks + p * maskbytes)) < 0)
				goto done;
			counts[r]++;
		}
		nins += counts[r];
		/* A cycle among new rows of a self-referencing table is an
		 * error found now, before any SQL; the order is worked out
		 * again when they are sent. */
		if (info->self_referencing && counts[r] > 1) {
			if (counts[r] > nself) { /* room for the largest such model */
				orm_free(self_items);
				self_items = orm_malloc(counts[r] * sizeof *self_items);
				if (!self_items) {
					rc = orm_err_set(&s->err, ORM_ENOMEM,
					                 "out of memory flushing");
					goto done;
				}
				nself = counts[r];
			}
			if ((rc = order_self_inserts(s, self_items, counts[r], info, masks,
			                             maskbytes)) < 0)
				goto done;
		}
	}
	/* UPDATEs and DELETEs: only objects that are not new. */
	cap = s->nobjs - nins;
	items = orm_malloc((cap ? cap : 1) * sizeof *items);
	batch.items = orm_malloc(BATCH_ROWS * sizeof *batch.items);
	if (!items || !batch.items) {
		rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory flushing");
		goto done;
	}
	n = 0;
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		h->flags &= ~ORM_OBJ_LAST_FLUSH;
		if (h->state != ORM_PERSISTENT || (h->flags & ORM_OBJ_TO_DELETE))
			continue;
		assert(n < cap);
		items[n] = (work_item){h, find_info(maker, h->model), NULL, 0, n, 0};
		if ((rc = plan_update(s, &items[n], upd_masks + n * maskbytes)) < 0)
			goto done;
		if (rc == 1) {
			set_sort_key(&items[n]);
			n++;
		}
	}
	nupd = n;
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		if (h->state != ORM_PERSISTENT || !(h->flags & ORM_OBJ_TO_DELETE))
			continue;
		assert(n < cap);
		items[n] = (work_item){h, find_info(maker, h->model), NULL, 0, n, 0};
		set_sort_key(&items[n]);
		n++;
	}
	ndel = n - nupd;
	rc = ORM_OK;
	if (nins + n == 0)
		goto done;
	qsort(items, nupd, sizeof *items, cmp_by_rank_then_key);
	qsort(items + nupd, ndel, sizeof *items, cmp_by_reverse_rank_then_key);
	for (size_t i = nupd, j; i < n; i = j) {
		for (j = i + 1; j < n && items[j].info == items[i].info; j++)
			;
		if (!items[i].info->self_referencing || j - i < 2)
			continue;
		if ((rc = set_levels(s, items + i, j - i, "delete")) < 0)
			goto done;
		qsort(items + i, j - i, sizeof *items, cmp_by_reverse_rank_then_key);
	}

	/* 2. Send it, in one transaction (begun now if not yet). */
	if ((rc = ensure_conn(s)) < 0 || (rc = map_reserve(s, nins)) < 0)
		goto done;
	for (size_t r = 0; r < maker->ninfos && rc == ORM_OK; r++)
		if (counts[r])
			rc = insert_model(s, &maker->infos[r], counts[r], masks, maskbytes,
			                  self_items, &batch);
	if (rc < 0 || (rc = run_items(s, ORM_SHAPE_UPDATE, items, nupd)) < 0 ||
	    (rc = run_items(s, 0, items + nupd, ndel)) < 0) {
		orm_err saved = s->err;
		for (size_t p = 0; p < s->npending; p++) {
			orm_object *h = s->pending[p];
			orm_model_info *info = h ? find_info(maker, h->model) : NULL;
			if (info)
				reset_generated_key(info, h);
		}
		rollback(s, ROLLBACK_FAILED_FLUSH);
		orm_err_copy(&s->err, &saved);
		goto done;
	}

	/* 3. It all worked: the new states. */
	for (size_t p = 0; p < s->npending; p++) {
		orm_object *h = s->pending[p];
		orm_model_info *info = h ? find_info(maker, h->model) : NULL;
		if (!info)
			continue;
		orm_object_settle_nulls(h);
		orm_object_take_snapshot(h);
		h->state = ORM_PERSISTENT;
		h->flags |= ORM_OBJ_INSERTED | ORM_OBJ_LAST_FLUSH;
		map_insert(s, h, object_hash(info, h));
	}
	s->npending = 0;
	for (size_t i = 0; i < nupd; i++) {
		orm_object_take_snapshot(items[i].h);
		items[i].h->flags |= ORM_OBJ_UPDATED;
	}
	for (size_t i = nupd; i < n; i++) {
		orm_object *h = items[i].h;
		map_remove(s, h);
		h->state = ORM_DELETED;
		h->flags &= ~ORM_OBJ_TO_DELETE;
	}
	if (s->maker->rel)
		s->maker->rel->flush_done(s);
done:
	orm_free(items);
	orm_free(self_items);
	orm_free(batch.items);
	orm_free(masks);
	orm_free(counts);
	return rc;
}

int orm_session_flush(orm_session *session)
{
	assert(session);
	orm_err_clear(&session->err); /* "" after a success */
	return flush(session);
}

/*
 * Rolls the transaction back and puts objects in the state that matches
 * the database again:
 *   pending                 -> transient, still owned (not for a failed flush,
 *                              whose pending objects stay pending to retry)
 *   inserted in this transaction -> transient, generated key reset (pending
 *                              again when the COMMIT itself failed after the
 *                              flush that inserted them)
 *   marked or flushed deleted -> persistent
 *   changed (in memory or by a flushed UPDATE) -> reloaded now
 *   every other persistent object -> expired, as SQLAlchemy does
 */
static int rollback(orm_session *s, enum rollback_kind kind)
{
	bool had_transaction = s->conn != NULL;
	size_t ndeleted = 0;
	int rc = ORM_OK, rc2;

	if (s->conn && orm_conn_in_transaction(s->conn) && (rc = orm_conn_rollback(s->conn)) < 0)
		orm_session_conn_error(s, rc, "ROLLBACK");
	for (size_t i = 0; i < s->nobjs; i++)
		if (s->objs[i]->state == ORM_DELETED)
			ndeleted++;
	if (map_reserve(s, ndeleted) < 0) {
		/* Without room they cannot come back; forget them instead. */
		for (size_t i = 0; i < s->nobjs; i++)
			if (s->objs[i]->state == ORM_DELETED)
				s->objs[i]->state = ORM_DETACHED;
	}

	if (kind == ROLLBACK_FAILED_COMMIT) {
		/* The flush emptied the pending list; it gets them back. */
		size_t again = 0;
		for (size_t i = 0; i < s->nobjs; i++)
			again += (s->objs[i]->flags & ORM_OBJ_LAST_FLUSH) != 0;
		if (grow((void **)&s->pending, &s->cappending, s->npending + again,
		         sizeof *s->pending) < 0)
			kind = ROLLBACK_EXPLICIT; /* then they become transient */
	}

	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		const orm_model_info *info = find_info(s->maker, h->model);

		switch ((orm_state)h->state) {
		case ORM_PENDING:
			if (kind != ROLLBACK_FAILED_FLUSH) {
				remove_pending(s, h);
				h->state = ORM_TRANSIENT;
			}
			break;
		case ORM_PERSISTENT:
			if (h->flags & ORM_OBJ_INSERTED) {
				map_remove(s, h);
				reset_generated_key(info, h);
				memset(orm_object_snapshot(h), 0,
				       h->model->ncolumns * sizeof(uint64_t));
				if (kind == ROLLBACK_FAILED_COMMIT &&
				    (h->flags & ORM_OBJ_LAST_FLUSH)) {
					h->pending_index = (uint32_t)s->npending;
					s->pending[s->npending++] = h;
					h->state = ORM_PENDING;
				} else {
					h->state = ORM_TRANSIENT;
				}
				h->flags = 0;
				break;
			}
			h->flags &= ~ORM_OBJ_TO_DELETE;
			if (!had_transaction)
				break;
			if ((h->flags & ORM_OBJ_UPDATED) || object_changed(h))
				h->flags |= ORM_OBJ_RELOAD;
			h->flags = (uint8_t)((h->flags & ~ORM_OBJ_UPDATED) | ORM_OBJ_EXPIRED);
			break;
		case ORM_DELETED:
			h->state = ORM_PERSISTENT;
			map_insert(s, h, h->key_hash);
			h->flags |= ORM_OBJ_EXPIRED;
			break;
		default:
			break;
		}
	}
	if (kind == ROLLBACK_EXPLICIT)
		s->npending = 0;
	/* No collection is loaded now; references are recomputed from the
	 * foreign keys as objects are reloaded (chapter 4). */
	if (s->maker->rel)
		s->maker->rel->rollback(s);

	/* Reload what the rollback took back, outside any transaction: the
	 * fields show the database again. An object that cannot be read
	 * stays expired, to be reloaded when next handed out. */
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		if (!(h->flags & ORM_OBJ_RELOAD))
			continue;
		h->flags &= ~ORM_OBJ_RELOAD;
		if (s->conn &&
		    (rc2 = reload(s, s->conn, find_info(s->maker, h->model), h, false)) < 0 &&
		    rc == ORM_OK)
			rc = rc2;
	}
	if (s->conn)
		release_conn(s);
	return rc;
}

int orm_session_commit(orm_session *session)
{
	orm_session *s = session;
	int rc;

	assert(s);
	orm_err_clear(&s->err); /* "" after a success */
	if ((rc = flush(s)) < 0)
		return rc;
	if (s->conn && (rc = orm_conn_commit(s->conn)) < 0) {
		orm_err saved;
		orm_session_conn_error(s, rc, "COMMIT");
		saved = s->err;
		rollback(s, ROLLBACK_FAILED_COMMIT);
		orm_err_copy(&s->err, &saved);
		return rc;
	}
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		h->flags &= ~(ORM_OBJ_INSERTED | ORM_OBJ_UPDATED | ORM_OBJ_LAST_FLUSH);
		if (h->state == ORM_PERSISTENT && s->maker->options.expire_on_commit) {
			h->flags |= ORM_OBJ_EXPIRED;
			if (s->maker->rel)
				s->maker->rel->reset(h); /* collections: loaded again when asked */
		} else if (h->state == ORM_DELETED)
			h->state = ORM_DETACHED;
	}
	if (s->conn)
		release_conn(s);
	return ORM_OK;
}

int orm_session_rollback(orm_session *session)
{
	assert(session);
	orm_err_clear(&session->err); /* "" after a success */
	return rollback(session, ROLLBACK_EXPLICIT);
}

void orm_session_close(orm_session *session)
{
	orm_session *s = session;

	if (!s)
		return;
	if (s->conn) {
		if (orm_conn_in_transaction(s->conn))
			(void)orm_conn_rollback(s->conn);
		release_conn(s);
	}
	for (size_t i = 0; i < s->nobjs; i++) {
		s->objs[i]->session = NULL;
		orm_object_destroy(s->objs[i]);
	}
	orm_free(s->objs);
	orm_free(s->pending);
	orm_free(s->map);
	orm_buf_free(&s->sql);
	if (s->maker->rel)
		s->maker->rel->session_free(s);
	orm_free(s);
}

/* ---- add, get, delete, refresh, expunge -------------------------------- */

static int wrong_session(orm_session *s, const orm_object *h, const char *what)
{
	return orm_err_set(&s->err, ORM_ESTATE,
	                   "cannot %s a %s object: it belongs to another session", what,
	                   h->model->name);
}

int orm_session_add_one(orm_session *s, orm_object *h, bool *added)
{
	const orm_model_info *info;
	int rc;

	*added = false;
	if (h->session && h->session != s)
		return wrong_session(s, h, "add");
	if ((rc = orm_session_model_info(&info, s, h->model)) < 0)
		return rc;
	switch ((orm_state)h->state) {
	case ORM_PENDING:
	case ORM_PERSISTENT:
		return ORM_OK; /* already here */
	case ORM_DELETED:
		return orm_err_set(&s->err, ORM_ESTATE,
		                   "cannot add a deleted %s: commit or roll back first",
		                   h->model->name);
	case ORM_TRANSIENT:
		if (!h->session) {
			if ((rc = reserve_objs(s, 1)) < 0)
				return rc;
			if ((rc = append_pending(s, h)) < 0)
				return rc;
			append_obj(s, h);
			*added = true;
			return ORM_OK;
		}
		if ((rc = append_pending(s, h)) == ORM_OK)
			*added = true;
		return rc;
	case ORM_DETACHED: {
		/* Back into a session: persistent again, unless the session
		 * already has an object for that row. */
		uint64_t hash = object_hash(info, h);
		orm_value vals[MAX_PK];
		char scratch[MAX_PK][ORM_FIELD_SCRATCH];
		object_key(vals, scratch, info, h);
		if (map_find(s, info, vals, hash)) {
			char key[160];
			format_key(key, sizeof key, vals, info->npk);
			return orm_err_set(
			    &s->err, ORM_ESTATE,
			    "another %s object with key %s is already in this session",
			    h->model->name, key);
		}
		if ((rc = map_reserve(s, 1)) < 0 || (!h->session && (rc = reserve_objs(s, 1)) < 0))
			return rc;
		if (!h->session)
			append_obj(s, h);
		h->state = ORM_PERSISTENT;
		map_insert(s, h, hash);
		*added = true;
		return ORM_OK;
	}
	}
	return ORM_OK;
}

int orm_session_add(orm_session *session, void *object)
{
	orm_object *h;
	bool added;
	int rc;

	assert(session && object);
	orm_err_clear(&session->err); /* "" after a success */
	if (!(h = orm_object_from(object, "orm_session_add", &session->err)))
		return ORM_EINVAL;
	if ((rc = orm_session_add_one(session, h, &added)) < 0)
		return rc;
	/* The save-update cascade (chapter 4): what it reaches comes too. */
	if (added && h->model->nrelationships)
		rc = orm_rel_hooks_of(h->model)->cascade_add(session, h);
	return rc;
}

int orm_session_add_all(orm_session *session, void *const *objects, size_t count)
{
	int rc;

	assert(session && (objects || count == 0));
	orm_err_clear(&session->err); /* "" after a success */
	if ((rc = reserve_objs(session, count)) < 0)
		return rc;
	for (size_t i = 0; i < count; i++)
		if ((rc = orm_session_add(session, objects[i])) < 0)
			return rc;
	return ORM_OK;
}

int orm_session_prepare_read(orm_conn **out, orm_session *s)
{
	int rc;

	if (s->maker->options.autoflush && (rc = flush(s)) < 0)
		return rc;
	if ((rc = ensure_conn(s)) < 0)
		return rc;
	*out = s->conn;
	return ORM_OK;
}

int orm_session_get(void **out, orm_session *session, const orm_model *model, orm_value pk)
{
	orm_session *s = session;
	const orm_model_info *info;
	const orm_column *col;
	orm_result *res = NULL;
	orm_conn *conn = NULL;
	orm_object *h;
	orm_value v;
	uint64_t hash;
	int rc;

	assert(out && s && model);
	orm_err_clear(&s->err); /* "" after a success */
	*out = NULL;
	if ((rc = orm_session_model_info(&info, s, model)) < 0)
		return rc;
	if (info->npk != 1)
		return orm_err_set(&s->err, ORM_EINVAL,
		                   "model %s has a primary key of %zu columns; get takes one value",
		                   model->name, info->npk);
	col = &model->columns[info->pk[0]];
	if (pk.type == ORM_TYPE_NULL)
		return orm_err_set(&s->err, ORM_EINVAL,
		                   "NULL is not a value of %s.%s, the primary key", model->name,
		                   col->name);
	if ((rc = orm_field_coerce(&v, col, pk, model->name, &s->err)) < 0)
		return rc;
	v = key_value(col, v);
	hash = key_hash(model, &v, 1);

	/* 1. The identity map: no SQL for an object the session has. */
	h = map_find(s, info, &v, hash);
	if (!h) {
		/* 2. The database (autoflush first, when on: the row may be a
		 * pending object's, in the map once flushed). */
		if ((rc = orm_session_prepare_read(&conn, s)) < 0)
			return rc;
		if (s->maker->options.autoflush)
			h = map_find(s, info, &v, hash);
	}
	if (h) {
		if ((h->flags & ORM_OBJ_EXPIRED) &&
		    ((rc = ensure_conn(s)) < 0 || (rc = reload(s, s->conn, info, h, true)) < 0))
			return rc;
		*out = orm_object_data(h);
		return ORM_OK;
	}
	if ((rc = orm_conn_execute(&res, conn, info->sql_get, &v, 1)) < 0)
		return orm_session_conn_error(s, rc, model->tablename);
	rc = orm_result_next(res);
	if (rc == ORM_ROW)
		rc = load_new_row(out, s, info, res, 0, hash);
	else if (rc == ORM_DONE)
		rc = not_found(s, info, &v);
	else
		rc = orm_session_conn_error(s, rc, model->tablename);
	orm_result_free(res);
	return rc;
}

int orm_session_delete(orm_session *session, void *object)
{
	orm_session *s = session;
	orm_object *h;

	assert(s && object);
	orm_err_clear(&s->err); /* "" after a success */
	if (!(h = orm_object_from(object, "orm_session_delete", &s->err)))
		return ORM_EINVAL;
	if (h->session && h->session != s)
		return wrong_session(s, h, "delete");
	switch ((orm_state)h->state) {
	case ORM_PENDING:
		/* As SQLAlchemy ("Instance ... is not persisted"): there is no row
		 * to delete. Taking it back out is what expunge is for. */
		return orm_err_set(&s->err, ORM_ESTATE,
		                   "cannot delete a pending %s: it was never flushed, so it has no "
		                   "row to delete (orm_session_expunge takes it back out)",
		                   h->model->name);
	case ORM_PERSISTENT:
		h->flags |= ORM_OBJ_TO_DELETE;
		return ORM_OK;
	case ORM_DELETED:
		return ORM_OK;
	default:
		return orm_err_set(&s->err, ORM_ESTATE,
		                   "cannot delete a %s %s: it is not persistent in this session",
		                   orm_state_name((orm_state)h->state), h->model->name);
	}
}

void orm_session_drop_pending(orm_session *session, orm_object *h)
{
	assert(h->session == session && h->state == ORM_PENDING);
	remove_pending(session, h);
	h->state = ORM_TRANSIENT;
}

int orm_session_refresh(orm_session *session, void *object)
{
	orm_session *s = session;
	const orm_model_info *info;
	orm_object *h;
	int rc;

	assert(s && object);
	orm_err_clear(&s->err); /* "" after a success */
	if (!(h = orm_object_from(object, "orm_session_refresh", &s->err)))
		return ORM_EINVAL;
	if (h->session != s || h->state != ORM_PERSISTENT)
		return orm_err_set(
		    &s->err, ORM_ESTATE,
		    "cannot refresh a %s %s: it is not persistent in this session",
		    h->session && h->session != s ? "foreign" : orm_state_name((orm_state)h->state),
		    h->model->name);
	if ((rc = orm_session_model_info(&info, s, h->model)) < 0 || (rc = ensure_conn(s)) < 0)
		return rc;
	if (s->maker->rel)
		s->maker->rel->reset(h);
	return reload(s, s->conn, info, h, false);
}

int orm_session_expunge(orm_session *session, void *object)
{
	orm_session *s = session;
	orm_object *h;

	assert(s && object);
	orm_err_clear(&s->err); /* "" after a success */
	if (!(h = orm_object_from(object, "orm_session_expunge", &s->err)))
		return ORM_EINVAL;
	if (h->session != s)
		return orm_err_set(&s->err, ORM_ESTATE,
		                   "cannot expunge a %s: it is not in this session",
		                   h->model->name);
	if (h->state == ORM_PENDING)
		remove_pending(s, h);
	if (s->maker->rel)
		s->maker->rel->unlink(s, h);
	map_remove(s, h);
	remove_obj(s, h);
	switch ((orm_state)h->state) {
	case ORM_PENDING:
	case ORM_TRANSIENT:
		h->state = ORM_TRANSIENT;
		break;
	default:
		h->state = ORM_DETACHED;
		break;
	}
	h->flags &= ORM_OBJ_EXPIRED;
	return ORM_OK;
}
