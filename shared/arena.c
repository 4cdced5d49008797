/*
 * arena.c - the blocks a session loads its objects and strings into, and
 * string fields' own copies (see arena.h).
 *
 * Blocks grow from 16 KiB to 1 MiB as a session loads more, so a session
 * that loads one row does not pay for a megabyte, and one that loads a
 * million rows makes a few hundred allocations instead of millions.
 *
 * A closed session's full-size blocks are kept for the next session (up
 * to SPARE_MAX of them, process-wide), instead of going back to the C
 * library: freed, a megabyte goes back to the system, and the next
 * session to load as much takes a page fault (and a page of zeroes) for
 * every 4 KiB of it again. The benchmark's load phases spent 5-7% of
 * their time in those faults.
 */
#define _DEFAULT_SOURCE /* madvise's MADV_POPULATE_WRITE */
#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"
#include "internal.h"

enum { FIRST_BLOCK = 16 * 1024, LAST_BLOCK = 1024 * 1024, SPARE_MAX = 32 };

/* Full-size blocks of closed sessions, for the next ones (see above):
 * only while the C library's allocator is the library's, so that a block
 * is always freed by the allocator that made it. */
static orm_arena_block *spare_blocks;
static size_t nspare;
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;

/* A spare block, or NULL. */
static orm_arena_block *take_spare(void)
{
	orm_arena_block *b;

	if (!orm_alloc_is_default())
		return NULL;
	pthread_mutex_lock(&spare_lock);
	b = spare_blocks;
	if (b) {
		spare_blocks = b->next;
		nspare--;
	}
	pthread_mutex_unlock(&spare_lock);
	return b;
}

/* Frees b, or keeps it as a spare. */
static void drop_block(orm_arena_block *b)
{
	if (b->cap == LAST_BLOCK && orm_alloc_is_default()) {
		pthread_mutex_lock(&spare_lock);
		if (nspare < SPARE_MAX) {
			b->next = spare_blocks;
			spare_blocks = b;
			nspare++;
			b = NULL;
		}
		pthread_mutex_unlock(&spare_lock);
	}
	orm_free(b);
}

/* Bytes of a full-size block whose pages are asked for at once. */
enum { POPULATE_STEP = 256 * 1024 };

/*
 * Asks the kernel for the pages of a full-size block ahead of the objects
 * taken from it, POPULATE_STEP bytes at a time. A session that loads
 * megabytes writes every page of its blocks, and touching a fresh page
 * traps into the kernel once per 4 KiB: in the benchmark's first big load
 * (perf), the traps were about half of what taking objects cost. One
 * madvise per step does the same work in one system call (the kernel
 * still zeroes the pages), and a step, not a whole block, keeps what is
 * made resident and never used small. Only a hint: where it is not
 * supported (Linux before 5.14), the pages fault in as before.
 */
static void populate_ahead(orm_arena_block *b)
{
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
	long page = sysconf(_SC_PAGESIZE);
	size_t end = b->populated + POPULATE_STEP < b->cap ? b->populated + POPULATE_STEP : b->cap;
	uintptr_t first, last;

	if (page > 0) {
		first = ((uintptr_t)b->data + b->populated + (uintptr_t)page - 1) &
		        ~((uintptr_t)page - 1);
		last = ((uintptr_t)b->data + end) & ~((uintptr_t)page - 1);
		if (last > first)
			(void)madvise((void *)first, last - first, MADV_POPULATE_WRITE);
	}
	b->populated = end;
#else
	b->populated = b->cap;
#endif
}

/* A new block able to hold `size` bytes, made the arena's head. */
static orm_arena_block *new_block(orm_arena *arena, size_t size)
{
	orm_arena_block *b, *head = arena->head;
	size_t cap = head ? head->cap * 2 : FIRST_BLOCK;

	if (cap > LAST_BLOCK)
		cap = LAST_BLOCK;
	if (cap < size)
		cap = size;
	/* Not calloc: only what is handed out needs zeroing, and an object
	 * is zeroed when it is taken. */
	b = cap == LAST_BLOCK ? take_spare() : NULL; /* keeps its populated */
	if (!b) {
		if (!(b = orm_malloc(sizeof *b + cap)))
			return NULL;
		/* Smaller blocks fault in as they are used: few pages. */
		b->populated = cap == LAST_BLOCK ? 0 : cap;
	}
	b->used = 0;
	b->cap = cap;
	b->pinned = 0;
	b->next_pinned = NULL;
	b->orphan = false;
	b->next = head;
	arena->head = b;
	return b;
}

void *orm_arena_grow(orm_arena *arena, size_t size, orm_arena_block **block)
{
	orm_arena_block *b = new_block(arena, size);

	if (!b)
		return NULL;
	b->used = size;
	*block = b;
	return b->data;
}

void *orm_arena_alloc(orm_arena *arena, size_t size, orm_arena_block **block)
{
	void *p = orm_arena_bump(arena, size, _Alignof(max_align_t), block);
	if (!p)
		return NULL;
	if ((*block)->used > (*block)->populated)
		populate_ahead(*block);
	memset(p, 0, size);
	return p;
}

char *orm_text_dup(const char *s, size_t len)
{
	char *p = orm_malloc(len + 2);
	return p ? orm_text_put(p, ORM_TEXT_HEAP, s, len) : NULL;
}

void orm_text_free(char *text)
{
	if (!text)
		return;
	/* Any other byte there means the field was written without
	 * orm_set_text (a literal, a malloc'd string): the library cannot
	 * know how to free that. */
	assert(text[-1] == ORM_TEXT_HEAP || text[-1] == ORM_TEXT_ARENA);
	if (text[-1] == ORM_TEXT_HEAP)
		orm_free(text - 1);
}

/* Blocks with pinned objects, in every session and none (orphans). */
static orm_arena_block *pinned_blocks;
static pthread_mutex_t pinned_lock = PTHREAD_MUTEX_INITIALIZER;

static bool holds(const orm_arena_block *b, const void *p)
{
	const char *c = p, *data = (const char *)b->data;
	return c >= data && c < data + b->cap;
}

void orm_arena_pin(orm_arena *arena, const void *p)
{
	orm_arena_block *b = arena->head;

	while (b && !holds(b, p))
		b = b->next;
	assert(b);
	pthread_mutex_lock(&pinned_lock);
	if (b->pinned++ == 0) {
		b->next_pinned = pinned_blocks;
		pinned_blocks = b;
	}
	pthread_mutex_unlock(&pinned_lock);
}

void orm_arena_unpin(const void *p)
{
	orm_arena_block **at, *b = NULL;

	pthread_mutex_lock(&pinned_lock);
	for (at = &pinned_blocks; *at && !holds(*at, p); at = &(*at)->next_pinned)
		;
	assert(*at);
	if (*at && --(*at)->pinned == 0) {
		b = *at;
		*at = b->next_pinned;
		if (!b->orphan)
			b = NULL; /* its session still has it */
	}
	pthread_mutex_unlock(&pinned_lock);
	orm_free(b);
}

void orm_arena_close(orm_arena *arena)
{
	orm_arena_block *b = arena->head, *next;

	pthread_mutex_lock(&pinned_lock);
	for (; b; b = next) {
		next = b->next;
		if (b->pinned == 0)
			drop_block(b);
		else
			b->orphan = true;
	}
	pthread_mutex_unlock(&pinned_lock);
	arena->head = NULL;
}
