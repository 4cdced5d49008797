/*
 * query.c - select(Model).where(...).order_by(...): queries of objects.
 *
 * Introduced in chapter 2 (the session). A query records its conditions
 * (checked against the model as they are added, so an unknown column is
 * reported before any SQL), then builds one SELECT with every value bound
 * as a parameter. Rows come back through the session's identity map
 * (session_internal.h): a row whose object the session already holds
 * gives that object, as it is.
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "field.h"
#include "internal.h"
#include "session_internal.h"

/* The comparison operators a condition may use, as written in SQL. */
static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">=", "LIKE"};
enum { OP_LIKE = 6, OP_IS_NULL = 100, OP_IS_NOT_NULL };

typedef struct where_term {
	size_t col;
	int op;          /* index into ops, or OP_IS_NULL / OP_IS_NOT_NULL */
	orm_value value; /* as bound (an enum as its label) */
	char *text;      /* our copy of the value's text */
} where_term;

typedef struct order_term {
	size_t col;
	orm_order order;
} order_term;

struct orm_query {
	orm_session *session;
	const orm_model_info *info;
	int rc;      /* the first error of a builder call */
	orm_err err; /* and its message */
	where_term *where;
	size_t nwhere, capwhere;
	order_term *order;
	size_t norder, caporder;
	int64_t limit, offset; /* -1 when not set */
};

int orm_query_new(orm_query **out, orm_session *session, const orm_model *model)
{
	const orm_model_info *info;
	orm_query *q;
	int rc;

	assert(out && session && model);
	*out = NULL;
	if ((rc = orm_session_model_info(&info, session, model)) < 0)
		return rc;
	q = orm_calloc(1, sizeof *q);
	if (!q)
		return orm_err_set(&session->err, ORM_ENOMEM, "out of memory making a query");
	q->session = session;
	q->info = info;
	q->limit = q->offset = -1;
	*out = q;
	return ORM_OK;
}

void orm_query_free(orm_query *query)
{
	if (!query)
		return;
	for (size_t i = 0; i < query->nwhere; i++)
		orm_free(query->where[i].text);
	orm_free(query->where);
	orm_free(query->order);
	orm_free(query);
}

/* Records the first failure of a builder call: its code and message. */
static int fail(orm_query *q, int rc)
{
	if (q->rc == ORM_OK) {
		q->rc = rc;
		q->err = q->session->err;
	}
	return rc;
}

static int find_column(size_t *out, orm_query *q, const char *column)
{
	const orm_model *m = q->info->model;
	for (size_t i = 0; i < m->ncolumns; i++) {
		if (strcmp(m->columns[i].name, column) == 0) {
			*out = i;
			return ORM_OK;
		}
	}
	return fail(q, orm_err_set(&q->session->err, ORM_EINVAL, "unknown column '%s' on model %s",
	                           column, m->name));
}

static int add_where(orm_query *q, size_t col, int op, orm_value value)
{
	where_term *t;

	if (q->nwhere == q->capwhere) {
		size_t cap = q->capwhere ? 2 * q->capwhere : 4;
		where_term *w = orm_realloc(q->where, cap * sizeof *w);
		if (!w)
			return fail(q, orm_err_set(&q->session->err, ORM_ENOMEM, "out of memory"));
		q->where = w;
		q->capwhere = cap;
	}
	t = &q->where[q->nwhere];
	*t = (where_term){col, op, value, NULL};
	if (value.type == ORM_TYPE_TEXT || value.type == ORM_TYPE_DATE ||
	    value.type == ORM_TYPE_DATETIME) {
		t->text = orm_malloc(value.u.s.len + 1);
		if (!t->text)
			return fail(q, orm_err_set(&q->session->err, ORM_ENOMEM, "out of memory"));
		memcpy(t->text, value.u.s.ptr, value.u.s.len);
		t->text[value.u.s.len] = '\0';
		t->value.u.s.ptr = t->text;
	}
	q->nwhere++;
	return ORM_OK;
}

int orm_query_where(orm_query *query, const char *column, const char *op, orm_value value)
{
	orm_query *q = query;
	const orm_column *c;
	orm_value bound;
	size_t col;
	int rc, which = -1;

	assert(q && column && op);
	if (q->rc)
		return q->rc;
	if ((rc = find_column(&col, q, column)) < 0)
		return rc;
	c = &q->info->model->columns[col];
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcasecmp(op, ops[i]) == 0)
			which = (int)i;
	if (strcmp(op, "<>") == 0)
		which = 1;
	if (which < 0)
		return fail(q, orm_err_set(&q->session->err, ORM_EINVAL,
		                           "unknown operator '%s' (use = != < <= > >= LIKE)", op));
	if (value.type == ORM_TYPE_NULL)
		return fail(q, orm_err_set(&q->session->err, ORM_EINVAL,
		                           "NULL compared with %s.%s: use orm_query_where_null",
		                           q->info->model->name, column));
	if (which == OP_LIKE && !orm_field_is_pointer(c))
		return fail(q, orm_err_set(&q->session->err, ORM_EINVAL,
		                           "LIKE needs a text column, and %s.%s is not one",
		                           q->info->model->name, column));
	if ((rc = orm_field_coerce(&bound, c, value, q->info->model->name, &q->session->err)) < 0)
		return fail(q, rc);
	return add_where(q, col, which, bound);
}

int orm_query_where_null(orm_query *query, const char *column, bool is_null)
{
	size_t col;
	int rc;

	assert(query && column);
	if (query->rc)
		return query->rc;
	if ((rc = find_column(&col, query, column)) < 0)
		return rc;
	return add_where(query, col, is_null ? OP_IS_NULL : OP_IS_NOT_NULL, orm_null());
}

int orm_query_order_by(orm_query *query, const char *column, orm_order order)
{
	orm_query *q = query;
	size_t col;
	int rc;

	assert(q && column);
	if (q->rc)
		return q->rc;
	if ((rc = find_column(&col, q, column)) < 0)
		return rc;
	if (order != ORM_ASC && order != ORM_DESC)
		return fail(q, orm_err_set(&q->session->err, ORM_EINVAL, "invalid order %d for %s",
		                           (int)order, column));
	if (q->norder == q->caporder) {
		size_t cap = q->caporder ? 2 * q->caporder : 2;
		order_term *o = orm_realloc(q->order, cap * sizeof *o);
		if (!o)
			return fail(q, orm_err_set(&q->session->err, ORM_ENOMEM, "out of memory"));
		q->order = o;
		q->caporder = cap;
	}
	q->order[q->norder++] = (order_term){col, order};
	return ORM_OK;
}

int orm_query_limit(orm_query *query, int64_t limit)
{
	assert(query);
	if (query->rc)
		return query->rc;
	if (limit < 0)
		return fail(query,
		            orm_err_set(&query->session->err, ORM_EINVAL,
		                        "LIMIT must not be negative (got %lld)", (long long)limit));
	query->limit = limit;
	return ORM_OK;
}

int orm_query_offset(orm_query *query, int64_t offset)
{
	assert(query);
	if (query->rc)
		return query->rc;
	if (offset < 0)
		return fail(query, orm_err_set(&query->session->err, ORM_EINVAL,
		                               "OFFSET must not be negative (got %lld)",
		                               (long long)offset));
	query->offset = offset;
	return ORM_OK;
}

/* ---- running it -------------------------------------------------------- */

/*
 * Writes the query's SQL into the session's buffer (reused by every query,
 * so a query allocates nothing for it once the buffer has grown) and its
 * parameters into `params`, which has room for nwhere + 2. `limit`
 * overrides the query's own when >= 0 (first() asks for 1). With `count`,
 * SELECT count(*) instead of the columns.
 */
static int build(orm_value *params, size_t *nparams, orm_query *q, int64_t limit, bool count)
{
	const orm_model *m = q->info->model;
	orm_buf *b = &q->session->sql;
	size_t n = 0;
	bool paged;

	if (limit < 0 || (q->limit >= 0 && q->limit < limit))
		limit = q->limit;
	paged = limit >= 0 || q->offset >= 0;

	orm_buf_reset(b);
	if (!count)
		orm_buf_puts(b, q->info->sql_select);
	else if (paged)
		orm_buf_printf(b, "SELECT count(*) FROM (SELECT 1 FROM %s", m->tablename);
	else
		orm_buf_printf(b, "SELECT count(*) FROM %s", m->tablename);
	for (size_t i = 0; i < q->nwhere; i++) {
		const where_term *t = &q->where[i];
		orm_buf_puts(b, i ? " AND " : " WHERE ");
		orm_buf_puts(b, m->columns[t->col].name);
		if (t->op == OP_IS_NULL) {
			orm_buf_puts(b, " IS NULL");
		} else if (t->op == OP_IS_NOT_NULL) {
			orm_buf_puts(b, " IS NOT NULL");
		} else {
			orm_buf_putc(b, ' ');
			orm_buf_puts(b, ops[t->op]);
			orm_buf_puts(b, " ?");
			params[n++] = t->value;
		}
	}
	for (size_t i = 0; i < q->norder && !count; i++) {
		orm_buf_puts(b, i ? ", " : " ORDER BY ");
		orm_buf_puts(b, m->columns[q->order[i].col].name);
		orm_buf_puts(b, q->order[i].order == ORM_DESC ? " DESC" : " ASC");
	}
	if (paged) {
		/* OFFSET alone is not SQL SQLite accepts, and PostgreSQL
		 * refuses a negative LIMIT: "no limit" is the largest one. */
		orm_buf_puts(b, " LIMIT ?");
		params[n++] = orm_int(limit >= 0 ? limit : INT64_MAX);
		if (q->offset >= 0) {
			orm_buf_puts(b, " OFFSET ?");
			params[n++] = orm_int(q->offset);
		}
	}
	if (count && paged)
		orm_buf_puts(b, ") AS anon_1");
	if (b->failed) {
		orm_buf_free(b);
		return orm_err_set(&q->session->err, ORM_ENOMEM, "out of memory");
	}
	*nparams = n;
	return ORM_OK;
}

/* Parameters of a query: on the stack for the usual few conditions. */
#define SMALL_PARAMS 16

static orm_value *params_for(orm_query *q, orm_value *small)
{
	orm_value *p = small;
	if (q->nwhere + 2 > SMALL_PARAMS && !(p = orm_malloc((q->nwhere + 2) * sizeof *p)))
		orm_err_set(&q->session->err, ORM_ENOMEM, "out of memory");
	return p;
}

/*
 * Runs the query and collects up to `max` objects (0: all) into *out (an
 * array the caller frees), and how many rows there were in *nrows (which
 * stops counting at max + 1).
 */
static int run(void ***out, size_t *count, orm_query *q, int64_t limit, size_t max)
{
	orm_session *s = q->session;
	orm_value small[SMALL_PARAMS], *params = small;
	orm_result *res = NULL;
	orm_conn *conn;
	void **objs = NULL;
	size_t n = 0, cap = 0, nparams;
	int rc;

	*out = NULL;
	*count = 0;
	if (q->rc) {
		orm_err_copy(&s->err, &q->err);
		return q->rc;
	}
	if ((rc = orm_session_prepare_read(&conn, s)) < 0)
		goto done;
	if (!(params = params_for(q, small))) {
		rc = ORM_ENOMEM;
		goto done;
	}
	if ((rc = build(params, &nparams, q, limit, false)) < 0)
		goto done;
	if ((rc = orm_conn_execute(&res, conn, orm_buf_cstr(&s->sql), params, nparams)) < 0) {
		rc = orm_session_conn_error(s, rc, q->info->model->tablename);
		goto done;
	}
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		void *obj;
		if (max && n == max) {
			n++; /* one more than wanted is all one() needs to know */
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			void **grown = orm_realloc(objs, ncap * sizeof *grown);
			if (!grown) {
				rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory reading rows");
				goto done;
			}
			objs = grown;
			cap = ncap;
		}
		if ((rc = orm_session_load_row(&obj, s, q->info, res)) < 0)
			goto done;
		objs[n++] = obj;
	}
	if (rc < 0) {
		rc = orm_session_conn_error(s, rc, q->info->model->tablename);
		goto done;
	}
	*out = objs;
	*count = n;
	objs = NULL;
	rc = ORM_OK;
done:
	orm_result_free(res);
	orm_free(objs);
	if (params != small)
		orm_free(params);
	return rc;
}

int orm_query_all(void ***out, size_t *count, orm_query *query)
{
	assert(out && count && query);
	return run(out, count, query, -1, 0);
}

int orm_query_first(void **out, orm_query *query)
{
	void **objs;
	size_t n;
	int rc;

	assert(out && query);
	*out = NULL;
	if ((rc = run(&objs, &n, query, 1, 0)) < 0)
		return rc;
	if (n == 0)
		rc = orm_err_set(&query->session->err, ORM_ENOTFOUND, "no %s row matches the query",
		                 query->info->model->tablename);
	else
		*out = objs[0];
	orm_free(objs);
	return rc;
}

int orm_query_one(void **out, orm_query *query)
{
	void **objs;
	size_t n;
	int rc;

	assert(out && query);
	*out = NULL;
	if ((rc = run(&objs, &n, query, -1, 1)) < 0)
		return rc;
	if (n == 0)
		rc = orm_err_set(&query->session->err, ORM_ENOTFOUND, "no %s row matches the query",
		                 query->info->model->tablename);
	else if (n > 1)
		rc = orm_err_set(&query->session->err, ORM_EMULTIPLE,
		                 "more than one %s row matches the query, one was wanted",
		                 query->info->model->tablename);
	else
		*out = objs[0];
	orm_free(objs);
	return rc;
}

int orm_query_count(int64_t *out, orm_query *query)
{
	orm_query *q = query;
	orm_session *s;
	orm_value small[SMALL_PARAMS], *params = small;
	orm_result *res = NULL;
	orm_conn *conn;
	size_t nparams;
	int rc;

	assert(out && q);
	s = q->session;
	*out = 0;
	if (q->rc) {
		orm_err_copy(&s->err, &q->err);
		return q->rc;
	}
	if ((rc = orm_session_prepare_read(&conn, s)) < 0)
		goto done;
	if (!(params = params_for(q, small))) {
		rc = ORM_ENOMEM;
		goto done;
	}
	if ((rc = build(params, &nparams, q, -1, true)) < 0)
		goto done;
	if ((rc = orm_conn_execute(&res, conn, orm_buf_cstr(&s->sql), params, nparams)) < 0) {
		rc = orm_session_conn_error(s, rc, q->info->model->tablename);
		goto done;
	}
	rc = orm_result_next(res);
	if (rc == ORM_ROW) {
		*out = orm_result_int(res, 0);
		rc = ORM_OK;
	} else {
		rc = orm_session_conn_error(s, rc < 0 ? rc : ORM_ERROR, q->info->model->tablename);
	}
done:
	orm_result_free(res);
	if (params != small)
		orm_free(params);
	return rc;
}
