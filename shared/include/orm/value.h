/*
 * orm/value.h - one SQL value: what is bound to a statement and read back.
 *
 * Introduced in chapter 1 (the engine). A value is a small tagged union
 * passed by value. Text, dates and datetimes point at characters owned by
 * somebody else (the caller when binding, the result when reading): a value
 * never owns memory and never needs freeing. How long borrowed text lives:
 *   - a value you bind: it must stay valid until the call you pass it to
 *     returns (orm_conn_execute, orm_query_where...); the library copies
 *     what it keeps (a query's WHERE values are copied by orm_query_where);
 *   - a value read from a result (orm_result_value): until the next
 *     orm_result_next() or orm_result_free() of that result, as for
 *     orm_result_text(). Copy it (orm_set_text, strdup) to keep it.
 *
 * Dates travel as ISO 8601 text: "2024-06-21" for ORM_TYPE_DATE and
 * "2024-06-21 18:30:00" for ORM_TYPE_DATETIME (build them with
 * orm_date_text() and orm_datetime_text(); the struct types orm_date and
 * orm_datetime that model fields use are in orm/schema.h). That is how SQLAlchemy stores
 * them on SQLite, and PostgreSQL accepts and returns the same text.
 */
#ifndef ORM_VALUE_H
#define ORM_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum orm_type {
	ORM_TYPE_NULL = 0,
	ORM_TYPE_INT,      /* 64-bit signed integer */
	ORM_TYPE_FLOAT,    /* double */
	ORM_TYPE_TEXT,     /* characters, not necessarily NUL-terminated: use .len */
	ORM_TYPE_BOOL,     /* true or false */
	ORM_TYPE_DATE,     /* text "YYYY-MM-DD" */
	ORM_TYPE_DATETIME, /* text "YYYY-MM-DD HH:MM:SS[.ffffff]" */
} orm_type;

typedef struct orm_value {
	orm_type type;
	union {
		int64_t i;
		double f;
		bool b;
		struct {
			const char *ptr;
			size_t len;
		} s; /* TEXT, DATE and DATETIME */
	} u;
} orm_value;

/* Constructors, so binding reads like a list of SQL literals:
 *     orm_value params[] = { orm_text(email), orm_int(42) };           */
static inline orm_value orm_null(void)
{
	orm_value v;
	memset(&v, 0, sizeof v);
	v.type = ORM_TYPE_NULL;
	return v;
}

static inline orm_value orm_int(int64_t i)
{
	orm_value v = orm_null();
	v.type = ORM_TYPE_INT;
	v.u.i = i;
	return v;
}

static inline orm_value orm_float(double f)
{
	orm_value v = orm_null();
	v.type = ORM_TYPE_FLOAT;
	v.u.f = f;
	return v;
}

static inline orm_value orm_bool(bool b)
{
	orm_value v = orm_null();
	v.type = ORM_TYPE_BOOL;
	v.u.b = b;
	return v;
}

/* A NULL pointer gives a SQL NULL, so optional strings bind naturally. */
static inline orm_value orm_text(const char *s)
{
	orm_value v = orm_null();
	if (s) {
		v.type = ORM_TYPE_TEXT;
		v.u.s.ptr = s;
		v.u.s.len = strlen(s);
	}
	return v;
}

static inline orm_value orm_text_len(const char *s, size_t len)
{
	orm_value v = orm_null();
	v.type = ORM_TYPE_TEXT;
	v.u.s.ptr = s;
	v.u.s.len = len;
	return v;
}

static inline orm_value orm_date_text(const char *iso)
{
	orm_value v = orm_text(iso);
	if (iso)
		v.type = ORM_TYPE_DATE;
	return v;
}

static inline orm_value orm_datetime_text(const char *iso)
{
	orm_value v = orm_text(iso);
	if (iso)
		v.type = ORM_TYPE_DATETIME;
	return v;
}

#ifdef __cplusplus
}
#endif

#endif
