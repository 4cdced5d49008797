/*
 * field.h - moving one column between a struct field and an orm_value
 * (private).
 *
 * Introduced in chapter 2 (the session). A model's column says where its
 * field is (offset), how big it is (field_size) and its SQL type; these
 * functions are the only place that knows how each type sits in memory:
 *
 *     ORM_INTEGER, ORM_BIGINTEGER   int8/16/32/64_t, chosen by field_size
 *     ORM_STRING, ORM_TEXT          char *, owned by the object: its own copy or
 *                                   the session's arena's, behind a tag (arena.h)
 *     ORM_BOOLEAN                   bool
 *     ORM_FLOAT                     double (or float, by field_size)
 *     ORM_DATE                      orm_date     <-> "YYYY-MM-DD"
 *     ORM_DATETIME                  orm_datetime <-> "YYYY-MM-DD HH:MM:SS[.ffffff]"
 *     ORM_ENUM                      a C enum (int) <-> its label, via column->enum_type;
 *                                   ORM_ENUM_NULL (-1) <-> NULL
 *
 * `data` below is the struct (what the learner holds), not the header.
 */
#ifndef ORM_FIELD_H
#define ORM_FIELD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "internal.h"
#include "orm/schema.h"

/* Room for the text of a date or datetime (what orm_field_value writes). */
#define ORM_FIELD_SCRATCH 32

/* True when the column's field is a char * (NULL is SQL NULL). */
static inline bool orm_field_is_pointer(const orm_column *col)
{
	return col->type == ORM_STRING || col->type == ORM_TEXT;
}

/* True when the field itself can say NULL: a char * (NULL) or an enum
 * (ORM_ENUM_NULL). Other fields keep NULL in the object's null bits. */
static inline bool orm_field_has_null_value(const orm_column *col)
{
	return orm_field_is_pointer(col) || col->type == ORM_ENUM;
}

/* For a field that can say NULL: whether it does. False for others. */
bool orm_field_holds_null(const void *data, const orm_column *col);

/* Makes the field what NULL looks like in it: frees a string and sets it
 * to NULL, writes ORM_ENUM_NULL into an enum, zeroes any other field. */
void orm_field_set_null(void *data, const orm_column *col);

/* Whether the field holds zero (0, 0.0, false, NULL, the all-zero date). */
bool orm_field_is_zero(const void *data, const orm_column *col);

/*
 * The field as a value to bind. Dates are written as ISO text into
 * `scratch` (ORM_FIELD_SCRATCH bytes), which the value then points at;
 * strings point at the field's own text; an enum becomes its label (NULL
 * when out of range: orm_field_check catches that first). Call with
 * is_null true to get a NULL value.
 */
orm_value orm_field_value(const void *data, const orm_column *col, bool is_null, char *scratch);

/*
 * Stores value `v` (read from a row) into the field. A NULL value makes the
 * field NULL (orm_field_set_null) and sets *is_null. A string field keeps its pointer when the
 * text is unchanged (so the snapshot still matches) and is replaced with
 * a copy otherwise. ORM_EINVAL when the value does not fit the column (a
 * label not in the enum, a malformed date), naming `table`, the column
 * and the value; ORM_ENOMEM. On error the field is unchanged.
 */
int orm_field_load(void *data, const orm_column *col, orm_value v, bool *is_null, const char *table,
                   orm_err *err);

/* orm_field_load as a session loads a row: a new string's text is copied
 * into `arena` (NULL: an allocation of its own), and *word receives the
 * field's snapshot word (what orm_field_pack would give), computed while
 * storing it. The value is NULL when v.type is ORM_TYPE_NULL. */
struct orm_arena;
int orm_field_load_in(uint64_t *word, struct orm_arena *arena, void *data, const orm_column *col,
                      orm_value v, const char *table, orm_err *err);

/*
 * The field packed in one word, for the snapshot: integers, enums and
 * bools as themselves, a double's bits, a date packed exactly, a datetime
 * hashed, and a string as a hash of its text mixed with its pointer (a
 * new pointer is a change; an in-place edit changes the hash). Zero for a
 * zero field, so a transient object's all-zero snapshot means "unset"
 * (except an enum's ORM_ENUM_NULL, which packs as all ones: NULL -> 0 is a
 * change like any other).
 */
uint64_t orm_field_pack(const void *data, const orm_column *col);

/* Spreads the bits of x (the finalizer of MurmurHash3). Inline: every
 * identity map key and snapshot string goes through it. */
static inline uint64_t orm_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/*
 * FNV-1a, but over eight bytes at a step while eight remain: every string
 * column of every row loaded is hashed for its snapshot, and byte by byte
 * that was a sixth of the cost of storing the row. memcpy() of a constant
 * 8 bytes compiles to one load at any alignment. The hash only has to
 * agree with itself within one run: it is never stored.
 */
static inline uint64_t orm_hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h ^= w;
		h *= 0x100000001b3ULL;
		h ^= h >> 32; /* FNV's multiply moves bits up only: fold them back */
	}
	for (; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A string's word: a hash of its text mixed with its pointer. */
static inline uint64_t orm_field_pack_text(const char *s, size_t len)
{
	uint64_t h = orm_hash_bytes(s, len) ^ orm_mix64((uint64_t)(uintptr_t)s);
	return h ? h : 1;
}

enum { ORM_FIELD_NOT_DONE, ORM_FIELD_STORED, ORM_FIELD_NO_MEMORY };

/*
 * The part of orm_field_load_in that handles what a database gives for
 * most columns of most rows, inline in the loader's loop: an integer into
 * an int64_t field, and text into a string field that holds none yet (a
 * new object), copied into `arena`. ORM_FIELD_STORED with *word set,
 * ORM_FIELD_NO_MEMORY (nothing changed), or ORM_FIELD_NOT_DONE for
 * anything else: then orm_field_load_in does the general conversions.
 */
static inline int orm_field_load_fast(uint64_t *word, struct orm_arena *arena, void *data,
                                      const orm_column *col, const orm_value *v)
{
	char *p = (char *)data + col->offset;

	if (v->type == ORM_TYPE_INT && col->field_size == sizeof(int64_t) &&
	    (col->type == ORM_INTEGER || col->type == ORM_BIGINTEGER)) {
		*(int64_t *)(void *)p = v->u.i;
		*word = (uint64_t)v->u.i;
		return ORM_FIELD_STORED;
	}
	if (v->type == ORM_TYPE_TEXT && arena && orm_field_is_pointer(col) &&
	    !*(char **)(void *)p) {
		char *text = orm_arena_text(arena, v->u.s.ptr, v->u.s.len);
		if (!text)
			return ORM_FIELD_NO_MEMORY;
		*(char **)(void *)p = text;
		*word = orm_field_pack_text(text, v->u.s.len);
		return ORM_FIELD_STORED;
	}
	return ORM_FIELD_NOT_DONE;
}

/*
 * Checks that the field can be written to the column, before any SQL:
 * a string longer than String(n) (PostgreSQL would reject it, SQLite would
 * store it silently, so the library refuses on both), an enum value with
 * no label, an impossible date. ORM_EINVAL with a message naming
 * table.column and the value.
 */
int orm_field_check(const void *data, const orm_column *col, const char *table, orm_err *err);

/*
 * Converts a value a learner compares a column with (in a query, or as a
 * primary key for get) into what is bound: the enum's label for an int,
 * dates checked. ORM_EINVAL when the type does not fit the column, naming
 * `model_name`.column and both types. Text is not copied.
 */
int orm_field_coerce(orm_value *out, const orm_column *col, orm_value v, const char *model_name,
                     orm_err *err);

/* Whether the field equals value `v` (already coerced), for identity map
 * look-ups by primary key. */
bool orm_field_equals(const void *data, const orm_column *col, orm_value v);

/* A hash of a value, the same for equal values whatever their text type
 * (text, date, datetime), for identity map keys. */
uint64_t orm_value_hash(orm_value v);

/* Frees the text of a string field (unless it is an arena's) and sets it
 * to NULL. */
void orm_field_clear(void *data, const orm_column *col);

/* The name of a value's type, for messages: "integer", "text", ... */
const char *orm_field_type_name(orm_type type);

/* Parses "YYYY-MM-DD" (len characters). ORM_OK or ORM_EINVAL. */
int orm_date_parse(orm_date *out, const char *s, size_t len);
int orm_datetime_parse(orm_datetime *out, const char *s, size_t len);
/* Whether the date is a real calendar date (year 1..9999), and the time
 * a real time of day. */
bool orm_date_valid(const orm_date *d);
bool orm_datetime_valid(const orm_datetime *t);

/* "YYYY-MM-DD" and "YYYY-MM-DD HH:MM:SS[.ffffff]" into buf
 * (ORM_FIELD_SCRATCH bytes), NUL-terminated; the length written. Parts out
 * of range (only in a field orm_field_check refuses) are still written. */
size_t orm_date_format(char *buf, int y, int m, int d);
size_t orm_datetime_format(char *buf, const orm_datetime *t);

#endif
