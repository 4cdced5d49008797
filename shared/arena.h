/*
 * arena.h - the blocks a session loads its objects and strings into, and
 * the one-byte tag in front of every string field (private).
 *
 * Introduced with chapter 2's benchmark. Loading a row used to cost one
 * malloc for the object and one per string, and as many frees when the
 * session closed. A session's arena hands out loaded objects and their
 * strings from big blocks instead: taking one is a pointer bump, and
 * closing the session frees a block, not each object in it.
 *
 * Every string a field holds starts one byte after a tag saying where it
 * lives: ORM_TEXT_HEAP for a copy of its own (orm_set_text, a value read
 * back at flush), whose allocation starts at the tag; ORM_TEXT_ARENA for
 * text loaded into a session's arena, which is freed with its block. So
 * orm_set_text keeps its contract for both ("frees the old text"): it
 * frees what was allocated and leaves the rest to the arena.
 *
 * The session.h promise still holds for an object expunged before close:
 * it stays valid and is the learner's to free with orm_object_free(). The
 * expunge copies its loaded strings out of the arena and pins the object's
 * block (orm_arena_pin); a block the closed session leaves pinned is freed
 * when its last pinned object is (orm_arena_unpin). The object's header
 * has no room for a pointer to its block (object.h), so a pinned object
 * finds it by address among the few blocks that are pinned.
 */
#ifndef ORM_ARENA_H
#define ORM_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct orm_arena_block {
	struct orm_arena_block *next;
	size_t used, cap; /* bytes of data[] handed out, and its size */
	size_t populated; /* bytes of data[] whose pages are resident (arena.c) */
	/* Expunged objects still living in it, and the list of blocks that
	 * have some (process-wide, under a lock: an expunged object may be
	 * freed in any thread, and knows only its own address). */
	size_t pinned;
	struct orm_arena_block *next_pinned;
	bool orphan; /* its session closed: freed with its last pinned object */
	max_align_t data[];
} orm_arena_block;

/* The tag byte in front of a string field's text. */
enum { ORM_TEXT_HEAP = 'H', ORM_TEXT_ARENA = 'A' };

typedef struct orm_arena {
	orm_arena_block *head; /* the block being filled, then older ones */
} orm_arena;

/* `size` bytes from a new head block (the current one is full): the slow
 * path of orm_arena_bump. NULL when out of memory (a new block comes from
 * orm_malloc, so the out-of-memory sweeps fail it in turn like any other
 * allocation). */
void *orm_arena_grow(orm_arena *arena, size_t size, orm_arena_block **block);

/* `size` bytes at a multiple of `align` (a power of two), not zeroed;
 * `*block` is the block they are in. Inline: this is a few instructions
 * per loaded object and string. */
static inline void *orm_arena_bump(orm_arena *arena, size_t size, size_t align,
                                   orm_arena_block **block)
{
	orm_arena_block *b = arena->head;

	if (b) {
		size_t at = (b->used + align - 1) & ~(align - 1);
		if (at <= b->cap && b->cap - at >= size) {
			b->used = at + size;
			*block = b;
			return (char *)b->data + at;
		}
	}
	return orm_arena_grow(arena, size, block);
}

/* `size` zeroed bytes, aligned like malloc's, from the arena; `*block` is
 * the block they are in. NULL when out of memory. */
void *orm_arena_alloc(orm_arena *arena, size_t size, orm_arena_block **block);

/* The tag, the text and its NUL at p; the text. */
static inline char *orm_text_put(char *p, char tag, const char *s, size_t len)
{
	p[0] = tag;
	memcpy(p + 1, s, len);
	p[len + 1] = '\0';
	return p + 1;
}

/* s[0..len) copied into the arena behind an ORM_TEXT_ARENA tag and
 * NUL-terminated: a loaded string column costs len + 2 bytes and no
 * malloc. NULL when out of memory. */
static inline char *orm_arena_text(orm_arena *arena, const char *s, size_t len)
{
	orm_arena_block *block;
	char *p = orm_arena_bump(arena, len + 2, 1, &block);
	return p ? orm_text_put(p, ORM_TEXT_ARENA, s, len) : NULL;
}

/* s[0..len) copied into an allocation of its own behind an ORM_TEXT_HEAP
 * tag, freed by orm_text_free. NULL when out of memory. */
char *orm_text_dup(const char *s, size_t len);

/* Whether a string field's text lives in an arena. */
static inline bool orm_text_in_arena(const char *text)
{
	return text && (unsigned char)text[-1] == ORM_TEXT_ARENA;
}

/* Frees a string field's text when it has an allocation of its own; an
 * arena's text goes with its block. Accepts NULL. */
void orm_text_free(char *text);

/* The object at p, in `arena`, outlives its session (expunged): its block
 * stays until orm_arena_unpin is called for it. */
void orm_arena_pin(orm_arena *arena, const void *p);

/* The pinned object at p is freed: frees its block when it was the last
 * and the block's session has closed. */
void orm_arena_unpin(const void *p);

/* The session closes (after freeing its objects): frees every block no
 * expunged object lives in, and leaves the others to their last unpin. */
void orm_arena_close(orm_arena *arena);

#endif
