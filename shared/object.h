/*
 * object.h - the hidden header in front of every mapped object (private).
 *
 * Introduced in chapter 2 (the session). A learner's object is a plain C
 * struct (a User, an Event); what the ORM needs to know about it - which
 * model it is, which session holds it, its state, and the snapshot the
 * session compares against at flush - lives in a header placed just before
 * the struct, in the same allocation. The pointer handed to the learner
 * points at the struct; the header is found by stepping back a fixed,
 * aligned distance. One block per object:
 *
 *     [ orm_object | padding ][ the struct ][ snapshot: one uint64 per column ]
 *     [ null bits ][ snapshot null bits ][ relationship snapshot: one pointer each ]
 *
 * The struct starts at a multiple of alignof(max_align_t), so any field
 * type is aligned. The snapshot holds one 64-bit word per column (see
 * orm_field_pack in field.h): no allocation per attribute, and a change is
 * found by comparing words. A string column is NULL when its pointer is,
 * and an enum column when its field holds ORM_ENUM_NULL (-1, never a
 * label's index); null bits record SQL NULL for the other columns, whose
 * field has no spare value (an int cannot hold NULL).
 *
 * Chapter 4 adds one pointer per relationship of the model: for a
 * many-to-one relationship, the object it pointed to as of the last load
 * or flush, so the flush finds `event->organizer = user` written directly
 * by comparing pointers, with no allocation per attribute.
 */
#ifndef ORM_OBJECT_H
#define ORM_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orm/session.h"

struct orm_err;

/* Flags of an object, beside its state. */
enum {
	/* Reload before handing the object out again (expire_on_commit,
	 * rollback). */
	ORM_OBJ_EXPIRED = 1u << 0,
	/* INSERTed in the session's current transaction: a rollback makes it
	 * transient again. */
	ORM_OBJ_INSERTED = 1u << 1,
	/* UPDATEd in the current transaction: a rollback reloads it. */
	ORM_OBJ_UPDATED = 1u << 2,
	/* orm_session_delete() was called on this persistent object: the next
	 * flush DELETEs its row. */
	ORM_OBJ_TO_DELETE = 1u << 3,
	/* In the session's identity map. */
	ORM_OBJ_IN_MAP = 1u << 4,
	/* INSERTed by the session's last flush (a failed COMMIT after it
	 * makes the object pending again rather than transient). */
	ORM_OBJ_LAST_FLUSH = 1u << 5,
	/* Marked by a rollback for reloading. */
	ORM_OBJ_RELOAD = 1u << 6,
	/* In the session's list of objects whose many-to-one pointer was set
	 * to a parent whose collection is not loaded (chapter 4). */
	ORM_OBJ_MOVED = 1u << 7,
};

typedef struct orm_object {
	const orm_model *model;
	/* The session that owns the object, or NULL when the learner does
	 * (transient from orm_object_new, or expunged). */
	orm_session *session;
	/* The top 24 bits of the hash of (model, primary key), while in the
	 * identity map (see identity_map.c), and the ORM_OBJ_* flags. */
	uint32_t key_hash : 24;
	uint32_t flags : 8;
	/* Position in the session's list of objects, and in its list of
	 * pending objects (kept in the order they were added): at most
	 * ORM_MAX_PENDING pending at once. */
	uint32_t index;
	uint32_t pending_index : 27;
	uint32_t state : 3; /* orm_state */
	uint32_t home : 2;  /* ORM_HOME_*: how the object's memory is freed */
	/* ORM_OBJECT_MARK in every block the library made, cleared when it is
	 * freed: how a plain struct (`User u = {0}`) handed to the library is
	 * told apart from an object (orm_object_from). */
	uint32_t mark;
} orm_object;

/* 32 bytes, so the struct behind it starts at a multiple of 16 with no
 * padding: every loaded and every new object pays for each byte here. */
_Static_assert(sizeof(orm_object) == 32, "the object header is 32 bytes");

#define ORM_MAX_PENDING ((1u << 27) - 1)

#define ORM_OBJECT_MARK 0x4f524d21u /* "ORM!" */

/* Where an object's memory comes from, so orm_object_destroy frees it the
 * right way. */
enum {
	ORM_HOME_HEAP,   /* an allocation of its own: orm_free */
	ORM_HOME_ARENA,  /* a session's arena: freed with its block at close */
	ORM_HOME_PINNED, /* an arena's, expunged: unpins its block when freed */
};

/* Distance from the header to the struct: keeps the struct aligned for
 * any type, the way malloc's result is. */
#define ORM_OBJECT_HEADER_SIZE                                                      \
	((sizeof(orm_object) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * \
	 _Alignof(max_align_t))

static inline orm_object *orm_object_header(const void *object)
{
	return (orm_object *)((char *)(uintptr_t)object - ORM_OBJECT_HEADER_SIZE);
}

static inline void *orm_object_data(const orm_object *h)
{
	return (char *)(uintptr_t)h + ORM_OBJECT_HEADER_SIZE;
}

/* The snapshot: one word per column, after the struct (rounded up to 8). */
static inline uint64_t *orm_object_snapshot(const orm_object *h)
{
	size_t at = ORM_OBJECT_HEADER_SIZE + ((h->model->size + 7) & ~(size_t)7);
	return (uint64_t *)(void *)((char *)(uintptr_t)h + at);
}

/* Null bits of the fields now, and as of the snapshot: bit i for column i. */
static inline uint8_t *orm_object_nulls(const orm_object *h)
{
	return (uint8_t *)(orm_object_snapshot(h) + h->model->ncolumns);
}

static inline uint8_t *orm_object_snapshot_nulls(const orm_object *h)
{
	return orm_object_nulls(h) + (h->model->ncolumns + 7) / 8;
}

/* The relationship snapshot: slot i for relationship i of the model (only
 * many-to-one slots are used). Aligned for pointers. */
static inline void **orm_object_rel_snapshot(const orm_object *h)
{
	size_t at = (size_t)(orm_object_snapshot_nulls(h) + (h->model->ncolumns + 7) / 8 -
	                     (const uint8_t *)h);
	at = (at + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
	return (void **)(void *)((char *)(uintptr_t)h + at);
}

static inline bool orm_bit_get(const uint8_t *bits, size_t i)
{
	return (bits[i / 8] >> (i % 8)) & 1u;
}

static inline void orm_bit_put(uint8_t *bits, size_t i, bool on)
{
	if (on)
		bits[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		bits[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

/*
 * A new object of `model` in state transient, owned by nobody: the struct
 * zeroed, every nullable column NULL, the snapshot all zero. An enum field
 * starts at ORM_ENUM_NULL when its column is nullable or has a default (a
 * default is used only for an unset field, and 0 is a label, not unset).
 * NULL when out of memory.
 */
orm_object *orm_object_alloc(const orm_model *model);

/* The same block, zeroed, with no column marked NULL, taken from `arena`:
 * for a row about to be loaded, which sets every field, null bit and
 * snapshot word itself. (Loading is the hot path of queries; the NULL
 * set-up would be undone, and a malloc per row is most of its cost.) */
struct orm_arena;
orm_object *orm_object_alloc_loaded(struct orm_arena *arena, const orm_model *model);

/* Frees the object's own strings (not an arena's), its collections'
 * arrays (chapter 4) and its block (an arena object's memory goes with
 * the arena, or with the last object pinning its block). Accepts NULL. */
void orm_object_destroy(orm_object *h);

/*
 * Before an object leaves its session alive (expunge): its strings that
 * live in an arena are copied into allocations of their own (the snapshot
 * follows a copy of an unchanged string, so it stays unchanged), and an
 * object loaded into `arena` (its session's) pins its block (see
 * arena.h). ORM_ENOMEM
 * (message in `err`) with the object still usable in the session (some
 * strings may already be copies).
 */
int orm_object_leave_arena(orm_object *h, struct orm_arena *arena, struct orm_err *err);

/*
 * Whether column i is NULL now. A pointer column is NULL when its pointer
 * is, an enum column when its field holds ORM_ENUM_NULL (its null bit is
 * not read); another nullable column when its null bit is set and its
 * field is still zero - writing a non-zero value into the field is enough
 * to make it non-NULL, no call needed (orm_clear_null() is for storing
 * zero).
 */
bool orm_object_column_is_null(const orm_object *h, size_t i);

/* Normalizes the null bits (clears the bit of every non-zero field), so
 * that the bits alone say which columns are NULL. Done before a flush. */
void orm_object_settle_nulls(orm_object *h);

/* Records the fields as they are now in the snapshot: after a load, an
 * INSERT or an UPDATE. */
void orm_object_take_snapshot(orm_object *h);

/* Whether column i differs from the snapshot (value or NULL-ness). */
bool orm_object_column_changed(const orm_object *h, size_t i);

/*
 * The header of `object` when the library made it (orm_object_new, or a
 * session loading a row), else NULL with ORM_EINVAL in `err` (which may
 * be NULL: then only in orm_error_last()): "<what>: that object was not
 * made by orm_object_new ...". The commonest learner mistake,
 * `User u = {0}; orm_session_add(s, &u);`, lands here. The look at the
 * bytes before a plain struct reads memory that is not its own, but that
 * is mapped (a stack frame, malloc's bookkeeping), and a mark matching by
 * chance is one in four billion.
 */
orm_object *orm_object_from(const void *object, const char *what, struct orm_err *err);

/* Index of the column named `name` in `model`, or -1. */
int orm_object_column_index(const orm_model *model, const char *name);

#endif
