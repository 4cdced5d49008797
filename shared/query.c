/*
 * query.c - select(Model).where(...).order_by(...): queries of objects.
 *
 * Introduced in chapter 2 (the session). A query records its conditions
 * (checked against the model as they are added, so an unknown column is
 * reported before any SQL), then builds one SELECT with every value bound
 * as a parameter. Rows come back through the session's identity map
 * (session_internal.h): a row whose object the session already holds
 * gives that object, as it is.
 *
 * Chapter 4 adds loading options for relationships: ORM_JOINED adds a
 * LEFT OUTER JOIN to the query's own SELECT (wrapping the query in a
 * subquery when a LIMIT or OFFSET would otherwise cut a collection short,
 * as SQLAlchemy does), ORM_SELECTIN runs after the rows are read
 * (relationship.c).
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "field.h"
#include "internal.h"
#include "relationship_internal.h"
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
	orm_rel_option *opts;  /* relationship loading options (chapter 4) */
	size_t nopts, capopts;
};

int orm_query_new(orm_query **out, orm_session *session, const orm_model *model)
{
	const orm_model_info *info;
	orm_query *q;
	int rc;

	assert(out && session && model);
	orm_err_clear(&session->err); /* "" after a success */
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
	orm_free(query->opts);
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
	size_t col = 0;
	int rc, which = -1;

	assert(q && column && op);
	if (q->rc)
		return q->rc;
	orm_err_clear(&q->session->err); /* "" after a success */
	if ((rc = find_column(&col, q, column)) < 0)
		return rc;
	c = &q->info->model->columns[col];
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(op, ops[i]) == 0)
			which = (int)i;
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
	size_t col = 0;
	int rc;

	assert(query && column);
	if (query->rc)
		return query->rc;
	orm_err_clear(&query->session->err); /* "" after a success */
	if ((rc = find_column(&col, query, column)) < 0)
		return rc;
	return add_where(query, col, is_null ? OP_IS_NULL : OP_IS_NOT_NULL, orm_null());
}

int orm_query_order_by(orm_query *query, const char *column, orm_order order)
{
	orm_query *q = query;
	size_t col = 0;
	int rc;

	assert(q && column);
	if (q->rc)
		return q->rc;
	orm_err_clear(&q->session->err); /* "" after a success */
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
	orm_err_clear(&query->session->err); /* "" after a success */
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
	orm_err_clear(&query->session->err); /* "" after a success */
	if (offset < 0)
		return fail(query, orm_err_set(&query->session->err, ORM_EINVAL,
		                               "OFFSET must not be negative (got %lld)",
		                               (long long)offset));
	query->offset = offset;
	return ORM_OK;
}

int orm_query_options(orm_query *query, const char *relationship, orm_loading loading)
{
	orm_query *q = query;
	int i;

	assert(q && relationship);
	if (q->rc)
		return q->rc;
	orm_err_clear(&q->session->err); /* "" after a success */
	if ((i = orm_rel_find(q->info->model, relationship)) < 0)
		return fail(q, orm_err_set(&q->session->err, ORM_EINVAL,
		                           "model %s has no relationship '%s'",
		                           q->info->model->name, relationship));
	if ((int)loading < ORM_LAZY || loading > ORM_NOLOAD)
		return fail(q, orm_err_set(&q->session->err, ORM_EINVAL,
		                           "unknown loading strategy %d for %s.%s", (int)loading,
		                           q->info->model->name, relationship));
	for (size_t k = 0; k < q->nopts; k++)
		if (q->opts[k].rel == (size_t)i) {
			q->opts[k].loading = loading;
			return ORM_OK;
		}
	if (q->nopts == q->capopts) {
		size_t cap = q->capopts ? 2 * q->capopts : 2;
		orm_rel_option *o = orm_realloc(q->opts, cap * sizeof *o);
		if (!o)
			return fail(q, orm_err_set(&q->session->err, ORM_ENOMEM, "out of memory"));
		q->opts = o;
		q->capopts = cap;
	}
	q->opts[q->nopts++] = (orm_rel_option){(size_t)i, loading};
	return ORM_OK;
}

/* How relationship i is loaded by this query: its option, or the
 * relationship's own default. */
static orm_loading loading_of(const orm_query *q, size_t i)
{
	for (size_t k = 0; k < q->nopts; k++)
		if (q->opts[k].rel == i)
			return q->opts[k].loading;
	return q->info->model->relationships[i].lazy;
}

/* ---- running it -------------------------------------------------------- */

/*
 * Writes the query's SQL into the session's buffer (reused by every query,
 * so a query allocates nothing for it once the buffer has grown) and its
 * parameters into `params`, which has room for nwhere + 2. `limit`
 * overrides the query's own when >= 0 (first() asks for 1). With `count`,
 * SELECT count(*) instead of the columns.
 */
/* A column name, qualified with `qual` (a table or alias) when not NULL. */
static void put_column(orm_buf *b, const char *qual, const char *name)
{
	if (qual) {
		orm_buf_puts(b, qual);
		orm_buf_putc(b, '.');
	}
	orm_buf_puts(b, name);
}

static void put_where(orm_buf *b, const orm_query *q, const char *qual, orm_value *params,
                      size_t *n)
{
	const orm_model *m = q->info->model;

	for (size_t i = 0; i < q->nwhere; i++) {
		const where_term *t = &q->where[i];
		orm_buf_puts(b, i ? " AND " : " WHERE ");
		put_column(b, qual, m->columns[t->col].name);
		if (t->op == OP_IS_NULL) {
			orm_buf_puts(b, " IS NULL");
		} else if (t->op == OP_IS_NOT_NULL) {
			orm_buf_puts(b, " IS NOT NULL");
		} else {
			orm_buf_putc(b, ' ');
			orm_buf_puts(b, ops[t->op]);
			orm_buf_puts(b, " ?");
			params[(*n)++] = t->value;
		}
	}
}

/* The query's ORDER BY terms; returns how many it wrote. */
static size_t put_order(orm_buf *b, const orm_query *q, const char *qual)
{
	for (size_t i = 0; i < q->norder; i++) {
		orm_buf_puts(b, i ? ", " : " ORDER BY ");
		put_column(b, qual, q->info->model->columns[q->order[i].col].name);
		orm_buf_puts(b, q->order[i].order == ORM_DESC ? " DESC" : " ASC");
	}
	return q->norder;
}

static void put_paging(orm_buf *b, const orm_query *q, int64_t limit, orm_value *params, size_t *n)
{
	/* OFFSET alone is not SQL SQLite accepts, and PostgreSQL refuses a
	 * negative LIMIT: "no limit" is the largest one. */
	orm_buf_puts(b, " LIMIT ?");
	params[(*n)++] = orm_int(limit >= 0 ? limit : INT64_MAX);
	if (q->offset >= 0) {
		orm_buf_puts(b, " OFFSET ?");
		params[(*n)++] = orm_int(q->offset);
	}
}

/* The effective LIMIT: the query's, or `limit` (first() asks for 1) when
 * smaller or the query has none; -1 for none. */
static int64_t effective_limit(const orm_query *q, int64_t limit)
{
	if (limit < 0 || (q->limit >= 0 && q->limit < limit))
		limit = q->limit;
	return limit;
}

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

	limit = effective_limit(q, limit);
	paged = limit >= 0 || q->offset >= 0;

	orm_buf_reset(b);
	if (!count)
		orm_buf_puts(b, q->info->sql_select);
	else if (paged)
		orm_buf_printf(b, "SELECT count(*) FROM (SELECT 1 FROM %s", m->tablename);
	else
		orm_buf_printf(b, "SELECT count(*) FROM %s", m->tablename);
	put_where(b, q, NULL, params, &n);
	if (!count)
		put_order(b, q, NULL);
	if (paged)
		put_paging(b, q, limit, params, &n);
	if (count && paged)
		orm_buf_puts(b, ") AS anon_1");
	if (b->failed) {
		orm_buf_free(b);
		return orm_err_set(&q->session->err, ORM_ENOMEM, "out of memory");
	}
	*nparams = n;
	return ORM_OK;
}

/* The relationships a query loads with ORM_JOINED. */
typedef struct joined_plan {
	const orm_rel_info *rels[8];
	char alias[8][72];
	size_t n;
	const orm_rel_info *collection; /* the one-to-many among them, or NULL */
	int collection_alias;
} joined_plan;

static int plan_joined(joined_plan *jp, orm_query *q)
{
	const orm_model *m = q->info->model;

	memset(jp, 0, sizeof *jp);
	jp->collection_alias = -1;
	for (size_t i = 0; i < m->nrelationships; i++) {
		const orm_rel_info *ri = &q->info->rels[i];
		const char *table;
		int number = 1;

		if (loading_of(q, i) != ORM_JOINED)
			continue;
		if (jp->n == sizeof jp->rels / sizeof jp->rels[0])
			return orm_err_set(&q->session->err, ORM_EINVAL,
			                   "at most %zu relationships of one query can be joined",
			                   jp->n);
		if (ri->link.kind == ORM_ONE_TO_MANY) {
			if (jp->collection)
				return orm_err_set(
				    &q->session->err, ORM_EINVAL,
				    "%s.%s and %s.%s are both collections loaded with ORM_JOINED: "
				    "join one, load the other with ORM_SELECTIN",
				    m->name, jp->collection->rel->name, m->name, ri->rel->name);
			jp->collection = ri;
			jp->collection_alias = (int)jp->n;
		}
		/* SQLAlchemy's anonymous aliases: events_1, users_1, users_2. */
		table = ri->link.kind == ORM_ONE_TO_MANY ? ri->link.child->tablename
		                                         : ri->link.target->tablename;
		for (size_t k = 0; k < jp->n; k++)
			if (strncmp(jp->alias[k], table, strlen(table)) == 0 &&
			    jp->alias[k][strlen(table)] == '_')
				number++;
		snprintf(jp->alias[jp->n], sizeof jp->alias[0], "%s_%d", table, number);
		jp->rels[jp->n++] = ri;
	}
	return ORM_OK;
}

/*
 * The SQL of a query with joined relationships:
 *     SELECT users.id, users.email, events_1.id, ... FROM users
 *     LEFT OUTER JOIN events AS events_1 ON users.id = events_1.organizer_id
 *     WHERE ... ORDER BY users.email ASC, events_1.date_of
 * With a collection joined and a LIMIT or OFFSET, the LIMIT must count
 * users, not rows: the query goes in a subquery, as SQLAlchemy writes it,
 *     SELECT anon_1.id, anon_1.email, events_1.id, ... FROM (SELECT users.id,
 *     users.email FROM users ... LIMIT ?) AS anon_1 LEFT OUTER JOIN ...
 */
static int build_joined(orm_value *params, size_t *nparams, orm_query *q, int64_t limit,
                        const joined_plan *jp)
{
	const orm_model *m = q->info->model;
	orm_buf *b = &q->session->sql;
	bool paged, wrapped;
	const char *outer;
	size_t n = 0;

	limit = effective_limit(q, limit);
	paged = limit >= 0 || q->offset >= 0;
	wrapped = paged && jp->collection;
	outer = wrapped ? "anon_1" : m->tablename;

	orm_buf_reset(b);
	orm_buf_puts(b, "SELECT ");
	for (size_t i = 0; i < m->ncolumns; i++) {
		orm_buf_puts(b, i ? ", " : "");
		put_column(b, outer, m->columns[i].name);
	}
	for (size_t k = 0; k < jp->n; k++)
		orm_rel_put_join_columns(b, jp->rels[k], jp->alias[k]);
	orm_buf_puts(b, " FROM ");
	if (wrapped) {
		orm_buf_puts(b, "(SELECT ");
		for (size_t i = 0; i < m->ncolumns; i++) {
			orm_buf_puts(b, i ? ", " : "");
			put_column(b, m->tablename, m->columns[i].name);
		}
		orm_buf_printf(b, " FROM %s", m->tablename);
		put_where(b, q, m->tablename, params, &n);
		put_order(b, q, m->tablename);
		put_paging(b, q, limit, params, &n);
		orm_buf_puts(b, ") AS anon_1");
	} else {
		orm_buf_puts(b, m->tablename);
	}
	for (size_t k = 0; k < jp->n; k++)
		orm_rel_put_join(b, jp->rels[k], outer, jp->alias[k]);
	if (!wrapped)
		put_where(b, q, m->tablename, params, &n);
	if (jp->collection && jp->collection->link.order_by >= 0) {
		orm_buf_puts(b, put_order(b, q, outer) ? ", " : " ORDER BY ");
		put_column(b, jp->alias[jp->collection_alias],
		           jp->collection->link.child->columns[jp->collection->link.order_by].name);
	} else {
		put_order(b, q, outer);
	}
	if (paged && !wrapped)
		put_paging(b, q, limit, params, &n);
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

/* Appends obj to the growing array *objs. */
static int push_object(orm_session *s, void ***objs, size_t *n, size_t *cap, void *obj)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;
		void **grown = orm_realloc(*objs, ncap * sizeof *grown);
		if (!grown)
			return orm_err_set(&s->err, ORM_ENOMEM, "out of memory reading rows");
		*objs = grown;
		*cap = ncap;
	}
	(*objs)[(*n)++] = obj;
	return ORM_OK;
}

/* After the rows: the relationships loaded by selectin (or noload). */
static int load_after(orm_query *q, void **objs, size_t n)
{
	for (size_t i = 0; i < q->info->nrels; i++) {
		orm_loading how = loading_of(q, i);
		int rc;
		if (how == ORM_SELECTIN &&
		    (rc = orm_rel_selectin(q->session, q->info, i, objs, n)) < 0)
			return rc;
		if (how == ORM_NOLOAD)
			orm_rel_noload(q->info, i, objs, n);
	}
	return ORM_OK;
}

/*
 * Runs the query and collects up to `max` objects (0: all) into *out (an
 * array the caller frees), and how many rows there were in *nrows (which
 * stops counting at max + 1). With a joined relationship, a row is a
 * parent with one related row: parents are counted once each.
 */
/* Reading a query's rows into objects (run). */
typedef struct row_reader {
	orm_query *q;
	const joined_plan *jp;
	orm_rel_joined *seen;
	void **objs; /* the objects, in order, grown as they come */
	size_t n, cap;
	size_t max; /* stop after this many (0: all) */
	bool cut;   /* a joined load stopped at max, mid-collection */
} row_reader;

/* The joined relationships' columns of the current row, after the
 * model's own: each stored into obj's relationship. */
static int read_joined(row_reader *rr, void *obj, const orm_result *res)
{
	int col = (int)rr->q->info->model->ncolumns, rc;

	for (size_t k = 0; k < rr->jp->n; k++) {
		const orm_rel_info *ri = rr->jp->rels[k];
		if ((rc = orm_rel_joined_row(rr->q->session, rr->seen, ri, orm_object_header(obj),
		                             res, col)) < 0)
			return rc;
		col += (int)(ri->link.kind == ORM_ONE_TO_MANY ? ri->link.child : ri->link.target)
		           ->ncolumns;
	}
	return ORM_OK;
}

/* Every row of `res` into an object through the identity map. With a
 * joined collection a parent spans several rows and is kept once. */
static int read_rows(row_reader *rr, orm_result *res)
{
	orm_session *s = rr->q->session;
	const joined_plan *jp = rr->jp;
	int rc;

	while ((rc = orm_result_next(res)) == ORM_ROW) {
		void *obj;
		bool met = false;

		if (!jp->n && rr->max && rr->n == rr->max) {
			rr->n++; /* one more than wanted is all one() needs to know */
			return ORM_OK;
		}
		if ((rc = orm_session_load_row(&obj, s, rr->q->info, res)) < 0)
			return rc;
		if (jp->n && (rc = orm_rel_joined_meet(s, rr->seen, jp->collection,
		                                       orm_object_header(obj), &met)) < 0)
			return rc;
		if (!met) {
			if (jp->n && rr->max && rr->n == rr->max) {
				rr->n++;
				rr->cut = true;
				return ORM_OK;
			}
			if ((rc = push_object(s, &rr->objs, &rr->n, &rr->cap, obj)) < 0)
				return rc;
		}
		if ((rc = read_joined(rr, obj, res)) < 0)
			return rc;
	}
	if (rc < 0)
		return orm_session_conn_error(s, rc, rr->q->info->model->tablename);
	return ORM_OK;
}

static int run(void ***out, size_t *count, orm_query *q, int64_t limit, size_t max)
{
	orm_session *s = q->session;
	orm_value small[SMALL_PARAMS], *params = small;
	orm_rel_joined seen = {0};
	joined_plan jp;
	row_reader rr = {q, &jp, &seen, NULL, 0, 0, max, false};
	orm_result *res = NULL;
	orm_conn *conn;
	size_t nparams = 0;
	int rc;

	*out = NULL;
	*count = 0;
	if (q->rc) {
		orm_err_copy(&s->err, &q->err);
		return q->rc;
	}
	orm_err_clear(&s->err); /* "" after a success */
	if ((rc = plan_joined(&jp, q)) < 0)
		return rc;
	if ((rc = orm_session_prepare_read(&conn, s)) < 0)
		goto done;
	if (!(params = params_for(q, small))) {
		rc = ORM_ENOMEM;
		goto done;
	}
	if ((rc = jp.n ? build_joined(params, &nparams, q, limit, &jp)
	               : build(params, &nparams, q, limit, false)) < 0)
		goto done;
	if ((rc = orm_conn_execute(&res, conn, orm_buf_cstr(&s->sql), params, nparams)) < 0) {
		rc = orm_session_conn_error(s, rc, q->info->model->tablename);
		goto done;
	}
	if ((rc = read_rows(&rr, res)) < 0)
		goto done;
	if (jp.collection) {
		orm_rel_joined_finish(s, &seen, jp.collection, !rr.cut);
		jp.collection = NULL;
	}
	orm_result_free(res);
	res = NULL;
	if ((rc = load_after(q, rr.objs, rr.n > max && max ? max : rr.n)) < 0)
		goto done;
	*out = rr.objs;
	*count = rr.n;
	rr.objs = NULL;
	rc = ORM_OK;
done:
	if (jp.collection)
		orm_rel_joined_finish(s, &seen, jp.collection, false);
	orm_rel_joined_free(&seen);
	orm_result_free(res);
	orm_free(rr.objs);
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
	size_t nparams = 0;
	int rc;

	assert(out && q);
	s = q->session;
	*out = 0;
	if (q->rc) {
		orm_err_copy(&s->err, &q->err);
		return q->rc;
	}
	orm_err_clear(&s->err); /* "" after a success */
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
