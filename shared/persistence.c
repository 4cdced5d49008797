/*
 * persistence.c - the INSERT, UPDATE and DELETE batches of a flush.
 *
 * Introduced in chapter 2. The unit of work (unit_of_work.c) decides what
 * to send and in what order; this file works out what each object sends
 * (an INSERT's columns, with client-side defaults filled in, or an
 * UPDATE's changed columns, each value checked) and sends it: one
 * statement per model and shape, BATCH_ROWS rows per
 * orm_conn_execute_many(), generated keys read back into the objects
 * (SQLAlchemy's orm/persistence.py).
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

/* ---- what each object sends ------------------------------------------ */

/* Whether column i of h, NULL or not as `null` says, holds no value yet:
 * NULL, or zero in a NOT NULL int, bool, float or date column. Not an
 * enum's zero: that is its first label, and an enum with a default starts
 * at ORM_ENUM_NULL instead. */
static bool is_unset(const orm_object *h, size_t i, bool null)
{
	const orm_column *col = &h->model->columns[i];
	if (null)
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

/* Fills column i of h from its client-side default (Column(default=))
 * when the learner left it unset. */
static int apply_default(orm_session *s, orm_object *h, size_t i)
{
	const orm_model *m = h->model;
	const orm_column *col = &m->columns[i];
	char buf[256];
	orm_value v;
	bool is_null;
	int rc;

	if (!is_unset(h, i, orm_object_column_is_null(h, i)))
		return ORM_OK;
	if (parse_default(&v, col->default_sql, buf, sizeof buf) < 0)
		return orm_err_set(&s->err, ORM_EINVAL,
		                   "the default of %s.%s is not a literal value: %s", m->tablename,
		                   col->name, col->default_sql);
	if (v.type == ORM_TYPE_NULL)
		return ORM_OK;
	rc = orm_field_load(orm_object_data(h), col, v, &is_null, m->tablename, &s->err);
	if (rc == ORM_OK && !orm_field_is_pointer(col))
		orm_bit_put(orm_object_nulls(h), i, is_null);
	return rc;
}

/* Checks column i of h, NULL or not as `null` says, before it is sent:
 * NULL in a NOT NULL column, a string too long, an enum value without a
 * label, a date that is not. */
static int check_column(orm_session *s, const orm_object *h, size_t i, bool null)
{
	const orm_column *col = &h->model->columns[i];

	if (null) {
		if (orm_schema_column_nullable(col))
			return ORM_OK;
		return orm_err_set(&s->err, ORM_EINVAL, "NULL in %s.%s, which is NOT NULL",
		                   h->model->tablename, col->name);
	}
	return orm_field_check(orm_object_data(h), col, h->model->tablename, &s->err);
}

/* A pending object's INSERT, in one walk over its columns: defaults
 * filled, null bits settled (as orm_object_settle_nulls does), the columns
 * it sends (all but an unset generated key or server default) in `mask`,
 * each checked (SQLAlchemy's _collect_insert_commands). */
int orm_persist_plan_insert(orm_session *s, const orm_model_info *info, orm_object *h,
                            uint8_t *mask)
{
	const orm_model *m = h->model;
	uint8_t *nulls = orm_object_nulls(h);
	int rc;

	memset(mask, 0, info->maskbytes);
	for (size_t i = 0; i < m->ncolumns; i++) {
		const orm_column *col = &m->columns[i];
		bool null;

		if (col->default_sql && (rc = apply_default(s, h, i)) < 0)
			return rc;
		null = orm_object_column_is_null(h, i);
		if (!null && orm_bit_get(nulls, i))
			orm_bit_put(nulls, i, false);
		if ((int)i == info->autoincrement && orm_field_is_zero(orm_object_data(h), col))
			continue;
		if (col->server_default && is_unset(h, i, null))
			continue;
		if ((rc = check_column(s, h, i, null)) < 0)
			return rc;
		orm_bit_put(mask, i, true);
	}
	return ORM_OK;
}

/* The columns of a persistent object that changed since its snapshot,
 * in `mask` (SQLAlchemy's _collect_update_commands). 1 when there are
 * some, 0 when none, or an error. */
int orm_persist_plan_update(orm_session *s, orm_model_info *info, orm_object *h, uint8_t *mask)
{
	const orm_model *m = h->model;
	bool any = false;
	int rc;

	orm_object_settle_nulls(h);
	memset(mask, 0, info->maskbytes);
	for (size_t i = 0; i < m->ncolumns; i++) {
		if (!orm_object_column_changed(h, i))
			continue;
		if (m->columns[i].primary_key)
			return orm_err_set(
			    &s->err, ORM_EINVAL,
			    "the primary key of a persistent %s cannot change (%s.%s)", m->name,
			    m->tablename, m->columns[i].name);
		if ((rc = check_column(s, h, i, orm_object_column_is_null(h, i))) < 0)
			return rc;
		orm_bit_put(mask, i, true);
		any = true;
	}
	/* A reference changed to an object not inserted yet: its key is
	 * filled just before the UPDATE is sent (chapter 4). */
	if (info->has_many_to_one && s->maker->rel->force_keys(info, h, mask))
		any = true;
	return any;
}

/* ---- sending the batches ---------------------------------------------- */

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

/* One statement a flush sends for many objects. */
typedef struct batch_sql {
	const char *verb; /* "INSERT INTO", "UPDATE" or "DELETE FROM", for messages */
	const char *sql;
	const size_t *cols; /* the columns bound, in order */
	size_t ncols;
	const orm_sql_shape *returning; /* an INSERT's shape: the keys it reads back */
	bool fill_keys; /* each row's foreign keys filled from its references first */
} batch_sql;

/* The parameters of items[0..rows) into params (one row of b->ncols each),
 * each row's foreign keys first filled from the references whose targets
 * are inserted by now (chapter 4): while the object is at hand. */
static int bind_rows(orm_session *s, const batch_sql *b, const work_item *items, size_t rows,
                     orm_value *params, char (*scratch)[ORM_FIELD_SCRATCH])
{
	const orm_model *m = items[0].h->model;
	size_t d = 0;
	int rc;

	for (size_t r = 0; r < rows; r++) {
		orm_object *h = items[r].h;
		const void *data = orm_object_data(h);
		if (b->fill_keys && (rc = s->maker->rel->fill_keys(s, items[r].info, h)) < 0)
			return rc;
		for (size_t k = 0; k < b->ncols; k++) {
			const orm_column *col = &m->columns[b->cols[k]];
			char *text = orm_session_is_date_column(col) ? scratch[d++] : NULL;
			params[r * b->ncols + k] = orm_field_value(
			    data, col, orm_object_column_is_null(h, b->cols[k]), text);
		}
	}
	return ORM_OK;
}

/*
 * Sends b's statement for `n` objects, BATCH_ROWS rows per
 * orm_conn_execute_many(), the parameters in one array reused by every
 * call. With a shape that returns columns, RETURNING rows are stored into
 * the objects.
 */
static int run_batches(orm_session *s, const batch_sql *b, work_item *items, size_t n)
{
	const orm_model *m = items[0].h->model;
	size_t chunk = n < BATCH_ROWS ? n : BATCH_ROWS, ndates = 0;
	orm_value *params = NULL;
	char(*scratch)[ORM_FIELD_SCRATCH] = NULL;
	int rc = ORM_OK;

	for (size_t k = 0; k < b->ncols; k++)
		if (orm_session_is_date_column(&m->columns[b->cols[k]]))
			ndates++;
	params = orm_malloc((chunk * b->ncols + 1) * sizeof *params);
	scratch = orm_malloc((chunk * ndates + 1) * sizeof *scratch);
	if (!params || !scratch) {
		rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory flushing %s", m->tablename);
		goto done;
	}
	for (size_t off = 0; off < n; off += chunk) {
		size_t rows = n - off < chunk ? n - off : chunk;
		returning_ctx ctx = {s, items + off, b->returning, ORM_OK};

		if ((rc = bind_rows(s, b, items + off, rows, params, scratch)) < 0)
			goto done;
		rc = orm_conn_execute_many(
		    s->conn, b->sql, params, b->ncols, rows,
		    b->returning && b->returning->nreturned ? on_returning : NULL, &ctx);
		if (rc < 0) {
			if (ctx.rc == ORM_OK) {
				orm_err_set(&s->err, rc, "%s %s: %s", b->verb, m->tablename,
				            orm_conn_errmsg(s->conn));
				if (rc == ORM_ECONSTRAINT)
					name_foreign_keys(s, m,
					                  strcmp(b->verb, "DELETE FROM") == 0);
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
int orm_persist_run_items(orm_session *s, int kind, work_item *items, size_t n)
{
	size_t i = 0, j;
	int rc;

	while (i < n) {
		orm_model_info *info = items[i].info;
		const orm_sql_shape *sh = NULL;
		batch_sql b;

		for (j = i + 1;
		     j < n && items[j].info == info && items[j].level == items[i].level &&
		     (kind == 0 || memcmp(items[j].mask, items[i].mask, info->maskbytes) == 0);
		     j++)
			;
		if (kind == 0) {
			b = (batch_sql){"DELETE FROM", info->sql_delete, info->pk, info->npk, NULL,
			                false};
		} else {
			if ((rc = orm_session_get_shape(&sh, s, info, kind, items[i].mask)) < 0)
				return rc;
			b = (batch_sql){kind == ORM_SHAPE_INSERT ? "INSERT INTO" : "UPDATE",
			                sh->sql,
			                sh->bound,
			                sh->nbound,
			                kind == ORM_SHAPE_INSERT ? sh : NULL,
			                info->has_many_to_one};
		}
		if ((rc = run_batches(s, &b, items + i, j - i)) < 0)
			return rc;
		i = j;
	}
	return ORM_OK;
}
