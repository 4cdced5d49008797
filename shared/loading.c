/*
 * loading.c - rows into objects.
 *
 * Introduced in chapter 2. A row becomes an object through the identity
 * map: an object the session has is returned as it is (reloaded first if
 * expired), otherwise a new persistent one is made and its snapshot taken
 * (SQLAlchemy's orm/loading.py). Chapter 4's relationship strategies
 * (lazy, selectin, joined) build on this, in strategies.c.
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

/* ---- loading rows into objects ----------------------------------------- */

/* Columns read from a row per call into the result (see load_columns). */
enum { LOAD_CHUNK = 16 };

/*
 * Stores the current row (the model's columns in order) into h's fields
 * and snapshot. With keep_changes, columns the learner changed since the
 * snapshot are left alone (and stay changed): that is how an expired
 * object is reloaded without losing what was written into it. Each field
 * gives its snapshot word as it is stored (orm_field_load_in), so the
 * snapshot costs no second pass over the fields; a new string's text goes
 * into the session's arena.
 */
static int load_columns(orm_session *s, orm_object *h, const orm_result *res, int col0,
                        bool keep_changes)
{
	bool fresh = h->state == ORM_TRANSIENT && !h->session; /* orm_session_load_new_row's */
	const orm_model *m = h->model;
	void *data = orm_object_data(h);
	uint64_t *snap = orm_object_snapshot(h);
	uint8_t *nulls = orm_object_nulls(h), *snap_nulls = orm_object_snapshot_nulls(h);
	orm_value vals[LOAD_CHUNK];
	int rc;

	for (size_t at = 0; at < m->ncolumns; at += LOAD_CHUNK) {
		size_t n = m->ncolumns - at < LOAD_CHUNK ? m->ncolumns - at : LOAD_CHUNK;
		orm_result_values(vals, res, col0 + (int)at, (int)n);
		for (size_t i = at; i < at + n; i++) {
			const orm_column *col = &m->columns[i];
			bool is_null = vals[i - at].type == ORM_TYPE_NULL;

			if (keep_changes && orm_object_column_changed(h, i))
				continue;
			rc = orm_field_load_fast(&snap[i], &s->arena, data, col, &vals[i - at]);
			if (rc != ORM_FIELD_STORED &&
			    (rc = orm_field_load_in(&snap[i], &s->arena, data, col, vals[i - at],
			                            m->tablename, &s->err)) < 0)
				return rc;
			/* A new object's bits are all clear: only NULLs write. */
			if (is_null || !fresh) {
				if (!orm_field_is_pointer(col))
					orm_bit_put(nulls, i, is_null);
				orm_bit_put(snap_nulls, i, is_null);
			}
		}
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
int orm_session_load_new_row(void **out, orm_session *s, const orm_model_info *info,
                             const orm_result *res, int col0, uint64_t hash)
{
	orm_object *h;
	int rc;

	if ((s->nobjs >= s->capobjs && (rc = orm_session_reserve_objs(s, 1)) < 0) ||
	    (rc = orm_map_reserve(s, 1)) < 0)
		return rc;
	h = orm_object_alloc_loaded(&s->arena, info->model); /* load_columns sets every column */
	if (!h)
		return orm_err_set(&s->err, ORM_ENOMEM, "out of memory loading a %s",
		                   info->model->name);
	if ((rc = load_columns(s, h, res, col0, false)) < 0) {
		orm_object_destroy(h);
		return rc;
	}
	h->state = ORM_PERSISTENT;
	orm_session_append_obj(s, h);
	orm_map_insert(s, h, hash);
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

	for (size_t k = 0; k < info->npk; k++) {
		const orm_column *col = &info->model->columns[info->pk[k]];
		orm_result_values(&vals[k], res, col0 + (int)info->pk[k], 1);
		/* An integer read for an integer key is already in the map's
		 * form (the usual case: no call to convert it). */
		if (vals[k].type != ORM_TYPE_INT || !orm_session_is_integer_column(col))
			vals[k] = orm_map_key_value(col, vals[k]);
	}
	hash = orm_map_key_hash(info->model, vals, info->npk);
	h = orm_map_find(s, info, vals, hash);
	if (!h)
		return orm_session_load_new_row(out, s, info, res, col0, hash);
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
void orm_session_format_key(char *buf, size_t size, const orm_value *vals, size_t n)
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

int orm_session_not_found(orm_session *s, const orm_model_info *info, const orm_value *vals)
{
	char key[160];
	orm_buf names = ORM_BUF_INIT;
	int rc;

	orm_session_format_key(key, sizeof key, vals, info->npk);
	for (size_t k = 0; k < info->npk; k++)
		orm_buf_printf(&names, "%s%s", k ? ", " : "",
		               info->model->columns[info->pk[k]].name);
	rc = orm_err_set(&s->err, ORM_ENOTFOUND, "no %s row with %s = %s", info->model->tablename,
	                 orm_buf_cstr(&names), key);
	orm_buf_free(&names);
	return rc;
}

/* SELECTs h's row again on `conn` and stores it (see load_columns). */
int orm_session_reload(orm_session *s, orm_conn *conn, const orm_model_info *info, orm_object *h,
                       bool keep_changes)
{
	orm_value vals[MAX_PK];
	char scratch[MAX_PK][ORM_FIELD_SCRATCH];
	orm_result *res = NULL;
	int rc;

	orm_map_object_key(vals, scratch, info, h);
	if ((rc = orm_conn_execute(&res, conn, info->sql_get, vals, info->npk)) < 0)
		return orm_session_conn_error(s, rc, info->model->tablename);
	rc = orm_result_next(res);
	if (rc == ORM_ROW) {
		if ((rc = reload_columns(s, info, h, res, 0, keep_changes)) == ORM_OK)
			h->flags &= ~ORM_OBJ_EXPIRED;
	} else if (rc == ORM_DONE) {
		rc = orm_session_not_found(s, info, vals);
	} else {
		rc = orm_session_conn_error(s, rc, info->model->tablename);
	}
	orm_result_free(res);
	return rc;
}
