/*
 * sessionmaker.c - the sessionmaker, and a session's connection.
 *
 * Introduced in chapter 2. A sessionmaker builds, once per model, the SQL
 * text of the statements a session sends (SELECT by key, DELETE, each
 * INSERT and UPDATE shape), so the engine's statement cache sees the same
 * text again and again. A session checks its connection out here at first
 * need (autobegin) and gives it back at commit or rollback.
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

/* ---- the sessionmaker: per-model SQL, built once ----------------------- */

bool orm_session_is_integer_column(const orm_column *col)
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

bool orm_session_is_date_column(const orm_column *col)
{
	return col->type == ORM_DATE || col->type == ORM_DATETIME;
}

/* The text of an INSERT of sh->bound (its `nbound` columns), reading back
 * sh->returned: with RETURNING, or through the rowid (sh->lastrowid). */
static void put_insert(orm_buf *b, orm_sql_shape *sh, const orm_model_info *info, bool lastrowid)
{
	const orm_model *m = info->model;

	orm_buf_printf(b, "INSERT INTO %s", m->tablename);
	if (sh->nbound == 0) {
		orm_buf_puts(b, " DEFAULT VALUES");
	} else {
		orm_buf_puts(b, " (");
		for (size_t k = 0; k < sh->nbound; k++)
			orm_buf_printf(b, "%s%s", k ? ", " : "", m->columns[sh->bound[k]].name);
		orm_buf_puts(b, ") VALUES (");
		for (size_t k = 0; k < sh->nbound; k++)
			orm_buf_puts(b, k ? ", ?" : "?");
		orm_buf_putc(b, ')');
	}
	/* Only the generated key to read back, and the database tells it
	 * without RETURNING: no RETURNING (SQLAlchemy's lastrowid). */
	sh->lastrowid = lastrowid && sh->nreturned == 1 &&
	                (int)sh->returned[0] == info->autoincrement &&
	                m->columns[sh->returned[0]].type == ORM_INTEGER;
	for (size_t k = 0; k < sh->nreturned && !sh->lastrowid; k++)
		orm_buf_printf(b, "%s%s", k ? ", " : " RETURNING ",
		               m->columns[sh->returned[k]].name);
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
		put_insert(&b, sh, info, lastrowid);
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
		if (orm_session_is_date_column(&m->columns[sh->bound[k]]))
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
int orm_session_get_shape(const orm_sql_shape **out, orm_session *s, orm_model_info *info, int kind,
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

/* ---- the session's connection and messages ----------------------------- */

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
int orm_session_need_conn(orm_session *s)
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
	int rc = orm_session_need_conn(s);
	*out = s->conn;
	return rc;
}

/* Gives the connection back to the pool. */
void orm_session_release_conn(orm_session *s)
{
	orm_conn_close(s->conn);
	s->conn = NULL;
}
