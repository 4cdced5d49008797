/*
 * result.c - reading the rows of a result.
 *
 * Introduced in chapter 1. A result walks the rows of a statement that
 * orm_conn_execute() ran (engine.c), and reads each column as the type the
 * caller asks for, converting as SQLAlchemy's Row does not need to in
 * Python: text to a number, a number to text, 't'/'f' to a bool.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dialect.h"
#include "engine_internal.h"
#include "internal.h"
#include "orm/engine.h"
#include "stmtcache.h"

/* ---- Reading results ---------------------------------------------- */

int orm_result_next(orm_result *res)
{
	int rc;

	assert(res);
	if (res->state == ORM_DONE)
		return ORM_DONE;
	rc = res->conn->engine->dialect->next(res->stmt, &res->conn->err);
	res->state = rc == ORM_ROW ? ORM_ROW : ORM_DONE;
	/* A database may count the changes of INSERT ... RETURNING only once
	 * its last row is read (SQLite does). */
	if (rc == ORM_DONE)
		res->conn->changes = res->conn->engine->dialect->changes(res->stmt);
	return rc;
}

int orm_result_ncols(const orm_result *res)
{
	return res->ncols;
}

const char *orm_result_colname(const orm_result *res, int col)
{
	assert(col >= 0 && col < orm_result_ncols(res));
	return res->conn->engine->dialect->colname(res->stmt, col);
}

orm_value orm_result_value(const orm_result *res, int col)
{
	/* Asserted, but also safe without asserts: outside a row, or past
	 * the last column, every column reads as NULL. */
	assert(res->state == ORM_ROW);
	assert(col >= 0 && col < orm_result_ncols(res));
	if (res->state != ORM_ROW || col < 0 || col >= orm_result_ncols(res))
		return orm_null();
	return res->conn->engine->dialect->column(res->stmt, col);
}

void orm_result_values(orm_value *out, const orm_result *res, int first, int n)
{
	const orm_dialect *d = res->conn->engine->dialect;

	assert(first >= 0 && n >= 0 && first + n <= orm_result_ncols(res));
	if (res->state != ORM_ROW) {
		for (int i = 0; i < n; i++)
			out[i] = orm_null();
	} else if (d->row) {
		d->row(res->stmt, first, n, out);
	} else {
		for (int i = 0; i < n; i++)
			out[i] = d->column(res->stmt, first + i);
	}
}

bool orm_result_is_null(const orm_result *res, int col)
{
	return orm_result_value(res, col).type == ORM_TYPE_NULL;
}

/* Text as a number: "42" -> 42, " 4.5" -> 4.5, anything else 0. */
static double text_to_double(const orm_value *v, bool *ok)
{
	char tmp[64], *end;
	double d;

	*ok = false;
	if (v->u.s.len == 0 || v->u.s.len >= sizeof tmp)
		return 0;
	memcpy(tmp, v->u.s.ptr, v->u.s.len);
	tmp[v->u.s.len] = '\0';
	d = strtod(tmp, &end);
	*ok = end != tmp && *end == '\0';
	return *ok ? d : 0;
}

/* A double as int64_t without undefined behavior: truncated toward zero,
 * clamped at the ends, NaN as 0. */
static int64_t double_to_int(double d)
{
	if (isnan(d))
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

int64_t orm_result_int(const orm_result *res, int col)
{
	orm_value v = orm_result_value(res, col);
	bool ok;

	switch (v.type) {
	case ORM_TYPE_INT:
		return v.u.i;
	case ORM_TYPE_FLOAT:
		return double_to_int(v.u.f);
	case ORM_TYPE_BOOL:
		return v.u.b;
	case ORM_TYPE_TEXT: {
		char tmp[32], *end;
		long long n;

		/* Exact integers first, so large ones keep every digit. */
		if (v.u.s.len > 0 && v.u.s.len < sizeof tmp) {
			memcpy(tmp, v.u.s.ptr, v.u.s.len);
			tmp[v.u.s.len] = '\0';
			errno = 0;
			n = strtoll(tmp, &end, 10);
			if (end != tmp && *end == '\0' && errno == 0)
				return n;
		}
		return double_to_int(text_to_double(&v, &ok));
	}
	default:
		return 0;
	}
}

double orm_result_float(const orm_result *res, int col)
{
	orm_value v = orm_result_value(res, col);
	bool ok;

	switch (v.type) {
	case ORM_TYPE_INT:
		return (double)v.u.i;
	case ORM_TYPE_FLOAT:
		return v.u.f;
	case ORM_TYPE_BOOL:
		return v.u.b;
	case ORM_TYPE_TEXT:
		return text_to_double(&v, &ok);
	default:
		return 0;
	}
}

/* True for non-zero numbers and for the texts PostgreSQL and Python call
 * true: "t", "true", "y", "yes", "on", "1" (any case). */
static bool text_to_bool(const orm_value *v)
{
	static const char *const truthy[] = {"t", "true", "y", "yes", "on"};
	bool ok;

	for (size_t i = 0; i < sizeof truthy / sizeof truthy[0]; i++) {
		size_t n = strlen(truthy[i]);

		if (v->u.s.len == n) {
			size_t j = 0;

			while (j < n && (v->u.s.ptr[j] | 0x20) == truthy[i][j])
				j++;
			if (j == n)
				return true;
		}
	}
	return text_to_double(v, &ok) != 0;
}

bool orm_result_bool(const orm_result *res, int col)
{
	orm_value v = orm_result_value(res, col);

	switch (v.type) {
	case ORM_TYPE_INT:
		return v.u.i != 0;
	case ORM_TYPE_FLOAT:
		return v.u.f != 0;
	case ORM_TYPE_BOOL:
		return v.u.b;
	case ORM_TYPE_TEXT:
		return text_to_bool(&v);
	default:
		return false;
	}
}

const char *orm_result_text(const orm_result *res, int col)
{
	orm_result *r = (orm_result *)res; /* the slots are a cache, not state */
	orm_value v = orm_result_value(res, col);
	int ncols;

	switch (v.type) {
	case ORM_TYPE_NULL:
		return NULL;
	case ORM_TYPE_BOOL:
		return v.u.b ? "true" : "false";
	case ORM_TYPE_TEXT:
	case ORM_TYPE_DATE:
	case ORM_TYPE_DATETIME:
		/* Dialects hand out text with a NUL after its last byte. */
		return v.u.s.ptr;
	case ORM_TYPE_INT:
	case ORM_TYPE_FLOAT:
		break;
	}

	/* A number is printed into a slot of its own column, so the texts of
	 * two columns of the same row can be held at once. */
	ncols = orm_result_ncols(res);
	if (r->nslots < ncols) {
		orm_text_slot *slots = orm_realloc(r->slots, (size_t)ncols * sizeof *slots);

		if (!slots) {
			orm_err_set(&r->conn->err, ORM_ENOMEM,
			            "out of memory reading a column as text");
			return NULL;
		}
		r->slots = slots;
		r->nslots = ncols;
	}
	if (v.type == ORM_TYPE_INT) {
		snprintf(r->slots[col], sizeof r->slots[col], "%" PRId64, v.u.i);
	} else {
		/* The shortest of %.15g and %.17g that reads back the same. */
		snprintf(r->slots[col], sizeof r->slots[col], "%.15g", v.u.f);
		if (strtod(r->slots[col], NULL) != v.u.f)
			snprintf(r->slots[col], sizeof r->slots[col], "%.17g", v.u.f);
	}
	return r->slots[col];
}

void orm_result_free(orm_result *res)
{
	orm_conn *conn;

	if (!res)
		return;
	conn = res->conn;
	orm_conn_release_stmt(conn, res->stmt, res->entry);
	conn->nresults--;
	res->stmt = NULL;
	res->entry = NULL;
	if (!conn->spare) {
		conn->spare = res;
	} else {
		orm_free(res->slots);
		orm_free(res);
	}
}
