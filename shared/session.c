/*
 * session.c - the session's lifecycle: open, add, get, delete, refresh,
 * expunge, commit, rollback and close.
 *
 * Introduced in chapter 2. This is SQLAlchemy's Session (orm/session.py)
 * re-told in C, its public face; the parts it is made of live in files
 * named after them, as SQLAlchemy splits its ORM:
 *   sessionmaker.c   the sessionmaker: per-model SQL built once, and the
 *                    session's connection;
 *   identity_map.c   the objects a session holds, and the identity map
 *                    (orm/identity.py);
 *   loading.c        rows into objects (orm/loading.py);
 *   unit_of_work.c   flush: planning and ordering, and rollback
 *                    (orm/unitofwork.py);
 *   persistence.c    what each object sends (an INSERT's columns and
 *                    defaults, an UPDATE's changed columns), and the
 *                    INSERT, UPDATE and DELETE batches (orm/persistence.py).
 * Calls go one way, down that list read from the bottom: this file calls
 * them all, none calls back. Chapter 4's relationship code sits above the
 * session: the session reaches it only through the table of hooks its
 * sessionmaker keeps (maker->rel, see relationship_internal.h).
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

int orm_session_commit(orm_session *session)
{
	orm_session *s = session;
	int rc;

	assert(s);
	orm_err_clear(&s->err); /* "" after a success */
	if ((rc = orm_uow_flush(s)) < 0)
		return rc;
	if (s->conn && (rc = orm_conn_commit(s->conn)) < 0) {
		orm_err saved;
		orm_session_conn_error(s, rc, "COMMIT");
		saved = s->err;
		orm_uow_rollback(s, ROLLBACK_FAILED_COMMIT);
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
		orm_session_release_conn(s);
	return ORM_OK;
}

int orm_session_rollback(orm_session *session)
{
	assert(session);
	orm_err_clear(&session->err); /* "" after a success */
	return orm_uow_rollback(session, ROLLBACK_EXPLICIT);
}

void orm_session_close(orm_session *session)
{
	orm_session *s = session;

	if (!s)
		return;
	if (s->conn) {
		if (orm_conn_in_transaction(s->conn))
			(void)orm_conn_rollback(s->conn);
		orm_session_release_conn(s);
	}
	for (size_t i = 0; i < s->nobjs; i++) {
		s->objs[i]->session = NULL;
		orm_object_destroy(s->objs[i]);
	}
	orm_arena_close(&s->arena); /* after the objects: expunged ones pin their blocks */
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
			if ((rc = orm_session_reserve_objs(s, 1)) < 0)
				return rc;
			if ((rc = orm_session_append_pending(s, h)) < 0)
				return rc;
			orm_session_append_obj(s, h);
			*added = true;
			return ORM_OK;
		}
		if ((rc = orm_session_append_pending(s, h)) == ORM_OK)
			*added = true;
		return rc;
	case ORM_DETACHED: {
		/* Back into a session: persistent again, unless the session
		 * already has an object for that row. */
		uint64_t hash = orm_map_object_hash(info, h);
		orm_value vals[MAX_PK];
		char scratch[MAX_PK][ORM_FIELD_SCRATCH];
		orm_map_object_key(vals, scratch, info, h);
		if (orm_map_find(s, info, vals, hash)) {
			char key[160];
			orm_session_format_key(key, sizeof key, vals, info->npk);
			return orm_err_set(
			    &s->err, ORM_ESTATE,
			    "another %s object with key %s is already in this session",
			    h->model->name, key);
		}
		if ((rc = orm_map_reserve(s, 1)) < 0 ||
		    (!h->session && (rc = orm_session_reserve_objs(s, 1)) < 0))
			return rc;
		if (!h->session)
			orm_session_append_obj(s, h);
		h->state = ORM_PERSISTENT;
		orm_map_insert(s, h, hash);
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
	if ((rc = orm_session_reserve_objs(session, count)) < 0)
		return rc;
	for (size_t i = 0; i < count; i++)
		if ((rc = orm_session_add(session, objects[i])) < 0)
			return rc;
	return ORM_OK;
}

int orm_session_prepare_read(orm_conn **out, orm_session *s)
{
	int rc;

	if (s->maker->options.autoflush && (rc = orm_uow_flush(s)) < 0)
		return rc;
	if ((rc = orm_session_need_conn(s)) < 0)
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
	v = orm_map_key_value(col, v);
	hash = orm_map_key_hash(model, &v, 1);

	/* 1. The identity map: no SQL for an object the session has. */
	h = orm_map_find(s, info, &v, hash);
	if (!h) {
		/* 2. The database (autoflush first, when on: the row may be a
		 * pending object's, in the map once flushed). */
		if ((rc = orm_session_prepare_read(&conn, s)) < 0)
			return rc;
		if (s->maker->options.autoflush)
			h = orm_map_find(s, info, &v, hash);
	}
	if (h) {
		if ((h->flags & ORM_OBJ_EXPIRED) &&
		    ((rc = orm_session_need_conn(s)) < 0 ||
		     (rc = orm_session_reload(s, s->conn, info, h, true)) < 0))
			return rc;
		*out = orm_object_data(h);
		return ORM_OK;
	}
	if ((rc = orm_conn_execute(&res, conn, info->sql_get, &v, 1)) < 0)
		return orm_session_conn_error(s, rc, model->tablename);
	rc = orm_result_next(res);
	if (rc == ORM_ROW)
		rc = orm_session_load_new_row(out, s, info, res, 0, hash);
	else if (rc == ORM_DONE)
		rc = orm_session_not_found(s, info, &v);
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
	orm_session_remove_pending(session, h);
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
	if ((rc = orm_session_model_info(&info, s, h->model)) < 0 ||
	    (rc = orm_session_need_conn(s)) < 0)
		return rc;
	if (s->maker->rel)
		s->maker->rel->reset(h);
	return orm_session_reload(s, s->conn, info, h, false);
}

int orm_session_expunge(orm_session *session, void *object)
{
	orm_session *s = session;
	orm_object *h;
	int rc;

	assert(s && object);
	orm_err_clear(&s->err); /* "" after a success */
	if (!(h = orm_object_from(object, "orm_session_expunge", &s->err)))
		return ORM_EINVAL;
	if (h->session != s)
		return orm_err_set(&s->err, ORM_ESTATE,
		                   "cannot expunge a %s: it is not in this session",
		                   h->model->name);
	/* The learner owns it from now on, and it may outlive the session's
	 * arena (see arena.h): its loaded strings are copied out first, the
	 * one step that can fail. */
	if ((rc = orm_object_leave_arena(h, &s->arena, &s->err)) < 0)
		return rc;
	if (h->state == ORM_PENDING)
		orm_session_remove_pending(s, h);
	if (s->maker->rel)
		s->maker->rel->unlink(s, h);
	orm_map_remove(s, h);
	orm_session_remove_obj(s, h);
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
