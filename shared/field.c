/*
 * field.c - reading and writing one column of a mapped struct.
 *
 * Introduced in chapter 2 (the session). Everything the session does with
 * an object's fields goes through here: binding a field to an INSERT or
 * UPDATE, storing a column of a row into a field, packing a field into
 * the one 64-bit word the snapshot keeps per column, and checking a value
 * before any SQL is sent. See field.h for the C type behind each column
 * type.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "field.h"

/* ---- raw access by field_size ---------------------------------------- */

static int64_t read_int(const void *p, size_t size)
{
	switch (size) {
	case 1:
		return *(const int8_t *)p;
	case 2:
		return *(const int16_t *)p;
	case 4:
		return *(const int32_t *)p;
	default:
		return *(const int64_t *)p;
	}
}

/* Stores i in a field of `size` bytes; false when it does not fit. */
static bool write_int(void *p, size_t size, int64_t i)
{
	switch (size) {
	case 1:
		if (i < INT8_MIN || i > INT8_MAX)
			return false;
		*(int8_t *)p = (int8_t)i;
		return true;
	case 2:
		if (i < INT16_MIN || i > INT16_MAX)
			return false;
		*(int16_t *)p = (int16_t)i;
		return true;
	case 4:
		if (i < INT32_MIN || i > INT32_MAX)
			return false;
		*(int32_t *)p = (int32_t)i;
		return true;
	default:
		*(int64_t *)p = i;
		return true;
	}
}

static double read_float(const void *p, size_t size)
{
	return size == sizeof(float) ? *(const float *)p : *(const double *)p;
}

static void write_float(void *p, size_t size, double f)
{
	if (size == sizeof(float))
		*(float *)p = (float)f;
	else
		*(double *)p = f;
}

static bool is_text_type(orm_type t)
{
	return t == ORM_TYPE_TEXT || t == ORM_TYPE_DATE || t == ORM_TYPE_DATETIME;
}

const char *orm_field_type_name(orm_type type)
{
	switch (type) {
	case ORM_TYPE_NULL:
		return "NULL";
	case ORM_TYPE_INT:
		return "integer";
	case ORM_TYPE_FLOAT:
		return "float";
	case ORM_TYPE_TEXT:
		return "text";
	case ORM_TYPE_BOOL:
		return "boolean";
	case ORM_TYPE_DATE:
		return "date";
	case ORM_TYPE_DATETIME:
		return "datetime";
	}
	return "unknown";
}

static const char *column_type_name(orm_column_type t)
{
	switch (t) {
	case ORM_INTEGER:
	case ORM_BIGINTEGER:
		return "integer";
	case ORM_STRING:
	case ORM_TEXT:
		return "text";
	case ORM_BOOLEAN:
		return "boolean";
	case ORM_FLOAT:
		return "float";
	case ORM_DATE:
		return "date";
	case ORM_DATETIME:
		return "datetime";
	case ORM_ENUM:
		return "enum";
	}
	return "unknown";
}

bool orm_field_is_zero(const void *data, const orm_column *col)
{
	return orm_field_pack(data, col) == 0;
}

bool orm_field_holds_null(const void *data, const orm_column *col)
{
	const char *p = (const char *)data + col->offset;

	if (orm_field_is_pointer(col))
		return *(char *const *)(const void *)p == NULL;
	return col->type == ORM_ENUM && read_int(p, col->field_size) == ORM_ENUM_NULL;
}

void orm_field_set_null(void *data, const orm_column *col)
{
	char *p = (char *)data + col->offset;

	if (orm_field_is_pointer(col))
		orm_field_clear(data, col);
	else if (col->type == ORM_ENUM)
		write_int(p, col->field_size, ORM_ENUM_NULL);
	else
		memset(p, 0, col->field_size);
}

/* ---- packing for the snapshot ---------------------------------------- */

uint64_t orm_value_hash(orm_value v)
{
	uint64_t bits;

	switch (v.type) {
	case ORM_TYPE_NULL:
		return 0;
	case ORM_TYPE_INT:
		return orm_mix64((uint64_t)v.u.i);
	case ORM_TYPE_FLOAT:
		memcpy(&bits, &v.u.f, sizeof bits);
		return orm_mix64(bits);
	case ORM_TYPE_BOOL:
		return orm_mix64(v.u.b ? 1 : 2);
	case ORM_TYPE_TEXT:
	case ORM_TYPE_DATE:
	case ORM_TYPE_DATETIME:
		return orm_hash_bytes(v.u.s.ptr, v.u.s.len);
	}
	return 0;
}

uint64_t orm_field_pack(const void *data, const orm_column *col)
{
	const char *p = (const char *)data + col->offset;
	uint64_t h;

	switch (col->type) {
	case ORM_INTEGER:
	case ORM_BIGINTEGER:
	case ORM_ENUM:
		return (uint64_t)read_int(p, col->field_size);
	case ORM_BOOLEAN:
		return *(const bool *)p ? 1 : 0;
	case ORM_FLOAT: {
		double f = read_float(p, col->field_size);
		uint64_t bits;
		if (f == 0.0)
			return 0; /* -0.0 too: both are "zero" */
		memcpy(&bits, &f, sizeof bits);
		return bits;
	}
	case ORM_DATE: {
		const orm_date *d = (const orm_date *)(const void *)p;
		return (uint64_t)(uint32_t)d->year << 32 | (uint64_t)(uint16_t)d->month << 16 |
		       (uint16_t)d->day;
	}
	case ORM_DATETIME: {
		const orm_datetime *t = (const orm_datetime *)(const void *)p;
		int parts[7] = {t->year,   t->month,  t->day,        t->hour,
		                t->minute, t->second, t->microsecond};
		h = 0;
		for (int i = 0; i < 7; i++)
			h = orm_mix64(h ^ (uint32_t)parts[i]) + (uint64_t)i;
		for (int i = 0; i < 7; i++)
			if (parts[i])
				return h ? h : 1;
		return 0;
	}
	case ORM_STRING:
	case ORM_TEXT: {
		const char *s = *(char *const *)(const void *)p;
		return s ? orm_field_pack_text(s, strlen(s)) : 0;
	}
	}
	return 0;
}

/* ---- field -> value -------------------------------------------------- */

orm_value orm_field_value(const void *data, const orm_column *col, bool is_null, char *scratch)
{
	const char *p = (const char *)data + col->offset;

	if (is_null)
		return orm_null();
	switch (col->type) {
	case ORM_INTEGER:
	case ORM_BIGINTEGER:
		return orm_int(read_int(p, col->field_size));
	case ORM_ENUM: {
		int64_t i = read_int(p, col->field_size);
		const orm_enum *e = col->enum_type;
		if (!e || i < 0 || (uint64_t)i >= e->nlabels)
			return orm_null();
		return orm_text(e->labels[i]);
	}
	case ORM_BOOLEAN:
		return orm_bool(*(const bool *)p);
	case ORM_FLOAT:
		return orm_float(read_float(p, col->field_size));
	case ORM_DATE: {
		const orm_date *d = (const orm_date *)(const void *)p;
		size_t n = orm_date_format(scratch, d->year, d->month, d->day);
		orm_value v = orm_text_len(scratch, n);
		v.type = ORM_TYPE_DATE;
		return v;
	}
	case ORM_DATETIME: {
		size_t n = orm_datetime_format(scratch, (const orm_datetime *)(const void *)p);
		orm_value v = orm_text_len(scratch, n);
		v.type = ORM_TYPE_DATETIME;
		return v;
	}
	case ORM_STRING:
	case ORM_TEXT:
		return orm_text(*(char *const *)(const void *)p);
	}
	return orm_null();
}

/* ---- value -> field -------------------------------------------------- */

/* "'public', 'private'" into buf, for messages about enum values. */
static void put_labels(orm_buf *b, const orm_enum *e)
{
	for (size_t i = 0; e && i < e->nlabels; i++)
		orm_buf_printf(b, "%s'%s'", i ? ", " : "", e->labels[i]);
}

static int bad_value(orm_err *err, const orm_column *col, orm_value v, const char *table)
{
	char shown[64];
	int n;

	if (is_text_type(v.type))
		n = snprintf(shown, sizeof shown, "'%.*s'", (int)(v.u.s.len > 40 ? 40 : v.u.s.len),
		             v.u.s.ptr);
	else if (v.type == ORM_TYPE_INT)
		n = snprintf(shown, sizeof shown, "%" PRId64, v.u.i);
	else if (v.type == ORM_TYPE_FLOAT)
		n = snprintf(shown, sizeof shown, "%g", v.u.f);
	else
		n = snprintf(shown, sizeof shown, "%s",
		             v.type == ORM_TYPE_BOOL && v.u.b ? "true" : "false");
	(void)n;
	if (col->type == ORM_ENUM) {
		orm_buf b = ORM_BUF_INIT;
		int rc;
		put_labels(&b, col->enum_type);
		rc = orm_err_set(err, ORM_EINVAL,
		                 "invalid value %s for %s.%s: allowed labels are %s", shown, table,
		                 col->name, orm_buf_cstr(&b));
		orm_buf_free(&b);
		return rc;
	}
	return orm_err_set(err, ORM_EINVAL, "cannot store %s value %s in %s.%s (%s)",
	                   orm_field_type_name(v.type), shown, table, col->name,
	                   column_type_name(col->type));
}

/* Parses text as a whole integer. */
static bool text_to_int(const char *s, size_t len, int64_t *out)
{
	char buf[32];
	char *end;
	long long i;

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	i = strtoll(buf, &end, 10);
	if (errno || *end)
		return false;
	*out = i;
	return true;
}

static bool text_to_float(const char *s, size_t len, double *out)
{
	char buf[64];
	char *end;

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0';
}

/* Replaces the string field with a copy of s[0..len), in `arena` when
 * there is one, keeping the old pointer when the text is the same. */
static int load_text(char **field, const char *s, size_t len, orm_arena *arena)
{
	char *copy;

	if (*field && strncmp(*field, s, len) == 0 && (*field)[len] == '\0')
		return ORM_OK;
	copy = arena ? orm_arena_text(arena, s, len) : orm_text_dup(s, len);
	if (!copy)
		return ORM_ENOMEM;
	orm_text_free(*field);
	*field = copy;
	return ORM_OK;
}

/* orm_field_load for each kind of column: `v` (not NULL) into the field
 * at p, converted as the column's type asks; ORM_EINVAL naming the value
 * when it cannot be. */
static int load_integer(char *p, const orm_column *col, orm_value v, const char *table,
                        orm_err *err)
{
	int64_t i;

	if (v.type == ORM_TYPE_INT)
		i = v.u.i;
	else if (v.type == ORM_TYPE_BOOL)
		i = v.u.b;
	else if (v.type == ORM_TYPE_FLOAT && v.u.f == (double)(int64_t)v.u.f)
		i = (int64_t)v.u.f;
	else if (!is_text_type(v.type) || !text_to_int(v.u.s.ptr, v.u.s.len, &i))
		return bad_value(err, col, v, table);
	if (!write_int(p, col->field_size, i))
		return bad_value(err, col, v, table);
	return ORM_OK;
}

/* An enum: its label's index, from the index or from the label's text. */
static int load_enum(char *p, const orm_column *col, orm_value v, const char *table, orm_err *err)
{
	const orm_enum *e = col->enum_type;

	if (v.type == ORM_TYPE_INT && e && v.u.i >= 0 && (uint64_t)v.u.i < e->nlabels) {
		write_int(p, col->field_size, v.u.i);
		return ORM_OK;
	}
	if (is_text_type(v.type) && e)
		for (size_t k = 0; k < e->nlabels; k++)
			if (strncmp(e->labels[k], v.u.s.ptr, v.u.s.len) == 0 &&
			    e->labels[k][v.u.s.len] == '\0') {
				write_int(p, col->field_size, (int64_t)k);
				return ORM_OK;
			}
	return bad_value(err, col, v, table);
}

static int load_boolean(char *p, const orm_column *col, orm_value v, const char *table,
                        orm_err *err)
{
	if (v.type == ORM_TYPE_BOOL)
		*(bool *)p = v.u.b;
	else if (v.type == ORM_TYPE_INT && (v.u.i == 0 || v.u.i == 1))
		*(bool *)p = v.u.i == 1;
	else if (is_text_type(v.type) && v.u.s.len >= 1 && strchr("tf10", v.u.s.ptr[0]) != NULL)
		*(bool *)p = v.u.s.ptr[0] == 't' || v.u.s.ptr[0] == '1';
	else
		return bad_value(err, col, v, table);
	return ORM_OK;
}

static int load_float(char *p, const orm_column *col, orm_value v, const char *table, orm_err *err)
{
	double f;

	if (v.type == ORM_TYPE_FLOAT)
		f = v.u.f;
	else if (v.type == ORM_TYPE_INT)
		f = (double)v.u.i;
	else if (!is_text_type(v.type) || !text_to_float(v.u.s.ptr, v.u.s.len, &f))
		return bad_value(err, col, v, table);
	write_float(p, col->field_size, f);
	return ORM_OK;
}

/* A date, or a datetime (`with_time`), from ISO 8601 text. */
static int load_date(char *p, const orm_column *col, orm_value v, const char *table, orm_err *err,
                     bool with_time)
{
	orm_datetime t;

	if (!is_text_type(v.type))
		return bad_value(err, col, v, table);
	/* The usual "YYYY-MM-DD" parsed as just a date (cheaper: every row
	 * loaded has one); a DATETIME read into a date keeps the date part. */
	if (!with_time && v.u.s.len == 10 &&
	    orm_date_parse((orm_date *)(void *)p, v.u.s.ptr, 10) == ORM_OK)
		return ORM_OK;
	if (orm_datetime_parse(&t, v.u.s.ptr, v.u.s.len) < 0)
		return bad_value(err, col, v, table);
	if (with_time)
		*(orm_datetime *)(void *)p = t;
	else
		*(orm_date *)(void *)p = (orm_date){t.year, t.month, t.day};
	return ORM_OK;
}

/* A string: a copy of the text (or of a number or bool written as text);
 * *word is what orm_field_pack gives for it, from the length at hand. */
static int load_string(uint64_t *word, char *p, const orm_column *col, orm_value v,
                       orm_arena *arena, const char *table, orm_err *err)
{
	char num[32];
	const char *s;
	size_t len;

	if (is_text_type(v.type)) {
		s = v.u.s.ptr;
		len = v.u.s.len;
	} else if (v.type == ORM_TYPE_INT) {
		len = (size_t)snprintf(num, sizeof num, "%" PRId64, v.u.i);
		s = num;
	} else if (v.type == ORM_TYPE_FLOAT) {
		len = (size_t)snprintf(num, sizeof num, "%.17g", v.u.f);
		s = num;
	} else {
		s = v.u.b ? "true" : "false";
		len = strlen(s);
	}
	if (load_text((char **)(void *)p, s, len, arena) < 0)
		return orm_err_set(err, ORM_ENOMEM, "out of memory reading %s.%s", table,
		                   col->name);
	*word = orm_field_pack_text(*(char **)(void *)p, len);
	return ORM_OK;
}

int orm_field_load(void *data, const orm_column *col, orm_value v, bool *is_null, const char *table,
                   orm_err *err)
{
	uint64_t word;

	*is_null = v.type == ORM_TYPE_NULL;
	return orm_field_load_in(&word, NULL, data, col, v, table, err);
}

int orm_field_load_in(uint64_t *word, orm_arena *arena, void *data, const orm_column *col,
                      orm_value v, const char *table, orm_err *err)
{
	char *p = (char *)data + col->offset;
	int rc;

	switch (orm_field_load_fast(word, arena, data, col, &v)) {
	case ORM_FIELD_STORED:
		return ORM_OK;
	case ORM_FIELD_NO_MEMORY:
		return orm_err_set(err, ORM_ENOMEM, "out of memory reading %s.%s", table,
		                   col->name);
	default:
		break;
	}
	if (v.type == ORM_TYPE_NULL) {
		orm_field_set_null(data, col);
		*word = col->type == ORM_ENUM ? (uint64_t)(int64_t)ORM_ENUM_NULL : 0;
		return ORM_OK;
	}
	switch (col->type) {
	case ORM_INTEGER:
	case ORM_BIGINTEGER:
	case ORM_ENUM:
		rc = col->type == ORM_ENUM ? load_enum(p, col, v, table, err)
		                           : load_integer(p, col, v, table, err);
		*word = (uint64_t)read_int(p, col->field_size);
		return rc;
	case ORM_STRING:
	case ORM_TEXT:
		return load_string(word, p, col, v, arena, table, err);
	case ORM_BOOLEAN:
		rc = load_boolean(p, col, v, table, err);
		break;
	case ORM_FLOAT:
		rc = load_float(p, col, v, table, err);
		break;
	case ORM_DATE:
	case ORM_DATETIME:
		rc = load_date(p, col, v, table, err, col->type == ORM_DATETIME);
		break;
	default:
		return bad_value(err, col, v, table);
	}
	*word = orm_field_pack(data, col);
	return rc;
}

void orm_field_clear(void *data, const orm_column *col)
{
	char **p = (char **)(void *)((char *)data + col->offset);
	orm_text_free(*p);
	*p = NULL;
}

/* ---- checks before SQL ----------------------------------------------- */

/* Characters, not bytes: VARCHAR(n) counts characters on PostgreSQL. */
static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int orm_field_check(const void *data, const orm_column *col, const char *table, orm_err *err)
{
	const char *p = (const char *)data + col->offset;

	switch (col->type) {
	case ORM_STRING: {
		const char *s = *(char *const *)(const void *)p;
		size_t n;
		if (!s || col->length <= 0)
			return ORM_OK;
		n = utf8_length(s);
		if (n > (size_t)col->length)
			return orm_err_set(err, ORM_EINVAL,
			                   "value too long for %s.%s VARCHAR(%d): %zu characters",
			                   table, col->name, col->length, n);
		return ORM_OK;
	}
	case ORM_ENUM: {
		int64_t i = read_int(p, col->field_size);
		const orm_enum *e = col->enum_type;
		if (!e || i < 0 || (uint64_t)i >= e->nlabels)
			return bad_value(err, col, orm_int(i), table);
		return ORM_OK;
	}
	case ORM_DATE: {
		const orm_date *d = (const orm_date *)(const void *)p;
		if (!orm_date_valid(d))
			return orm_err_set(err, ORM_EINVAL, "invalid date %04d-%02d-%02d for %s.%s",
			                   d->year, d->month, d->day, table, col->name);
		return ORM_OK;
	}
	case ORM_DATETIME: {
		const orm_datetime *t = (const orm_datetime *)(const void *)p;
		if (!orm_datetime_valid(t))
			return orm_err_set(
			    err, ORM_EINVAL,
			    "invalid datetime %04d-%02d-%02d %02d:%02d:%02d for %s.%s", t->year,
			    t->month, t->day, t->hour, t->minute, t->second, table, col->name);
		return ORM_OK;
	}
	default:
		return ORM_OK;
	}
}

/* ---- values a learner compares with ---------------------------------- */

/* orm_field_coerce for a date or datetime column and text: checked. */
static int coerce_date(orm_value *out, const orm_column *col, orm_value v, const char *model_name,
                       orm_err *err)
{
	orm_datetime t;
	bool ok = col->type == ORM_DATE
	              ? v.type != ORM_TYPE_DATETIME &&
	                    orm_date_parse(&(orm_date){0, 0, 0}, v.u.s.ptr, v.u.s.len) == ORM_OK
	              : orm_datetime_parse(&t, v.u.s.ptr, v.u.s.len) == ORM_OK;

	if (!ok)
		return orm_err_set(err, ORM_EINVAL, "invalid %s '%.*s' for %s.%s",
		                   col->type == ORM_DATE ? "date" : "datetime",
		                   (int)(v.u.s.len > 40 ? 40 : v.u.s.len), v.u.s.ptr, model_name,
		                   col->name);
	*out = v;
	out->type = col->type == ORM_DATE ? ORM_TYPE_DATE : ORM_TYPE_DATETIME;
	return ORM_OK;
}

/* orm_field_coerce for an enum column and an int or text: its label. */
static int coerce_enum(orm_value *out, const orm_column *col, orm_value v, const char *model_name,
                       orm_err *err)
{
	const orm_enum *e = col->enum_type;

	if (v.type == ORM_TYPE_INT && e && v.u.i >= 0 && (uint64_t)v.u.i < e->nlabels) {
		*out = orm_text(e->labels[v.u.i]);
		return ORM_OK;
	}
	for (size_t k = 0; v.type != ORM_TYPE_INT && e && k < e->nlabels; k++) {
		if (strlen(e->labels[k]) == v.u.s.len &&
		    memcmp(e->labels[k], v.u.s.ptr, v.u.s.len) == 0) {
			*out = orm_text(e->labels[k]);
			return ORM_OK;
		}
	}
	return bad_value(err, col, v, model_name);
}

int orm_field_coerce(orm_value *out, const orm_column *col, orm_value v, const char *model_name,
                     orm_err *err)
{
	switch (col->type) {
	case ORM_INTEGER:
	case ORM_BIGINTEGER:
		if (v.type == ORM_TYPE_INT) {
			*out = v;
			return ORM_OK;
		}
		break;
	case ORM_STRING:
	case ORM_TEXT:
		if (is_text_type(v.type)) {
			*out = v;
			out->type = ORM_TYPE_TEXT;
			return ORM_OK;
		}
		break;
	case ORM_BOOLEAN:
		if (v.type == ORM_TYPE_BOOL) {
			*out = v;
			return ORM_OK;
		}
		break;
	case ORM_FLOAT:
		if (v.type == ORM_TYPE_FLOAT || v.type == ORM_TYPE_INT) {
			*out = v.type == ORM_TYPE_INT ? orm_float((double)v.u.i) : v;
			return ORM_OK;
		}
		break;
	case ORM_DATE:
	case ORM_DATETIME:
		if (is_text_type(v.type))
			return coerce_date(out, col, v, model_name, err);
		break;
	case ORM_ENUM:
		if (v.type == ORM_TYPE_INT || is_text_type(v.type))
			return coerce_enum(out, col, v, model_name, err);
		break;
	}
	return orm_err_set(err, ORM_EINVAL, "wrong type for %s.%s: %s expected, got %s", model_name,
	                   col->name, column_type_name(col->type), orm_field_type_name(v.type));
}

bool orm_field_equals(const void *data, const orm_column *col, orm_value v)
{
	char scratch[ORM_FIELD_SCRATCH];
	orm_value mine = orm_field_value(data, col, false, scratch);

	if (mine.type == ORM_TYPE_NULL || v.type == ORM_TYPE_NULL)
		return false;
	if (is_text_type(mine.type))
		return is_text_type(v.type) && mine.u.s.len == v.u.s.len &&
		       memcmp(mine.u.s.ptr, v.u.s.ptr, v.u.s.len) == 0;
	if (mine.type != v.type)
		return false;
	switch (mine.type) {
	case ORM_TYPE_INT:
		return mine.u.i == v.u.i;
	case ORM_TYPE_FLOAT:
		return mine.u.f == v.u.f;
	case ORM_TYPE_BOOL:
		return mine.u.b == v.u.b;
	default:
		return false;
	}
}
