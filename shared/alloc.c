/*
 * alloc.c - the one path through which the library allocates memory.
 *
 * Introduced in chapter 1. Every allocation in the library goes through
 * the two function pointers below, so a test can swap in an allocator that
 * fails on the Nth call and check that each error path cleans up after
 * itself (clox routes everything through reallocate() for the same reason).
 * By default they call the C library's realloc() and free().
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void *default_realloc(void *ptr, size_t size, void *ctx)
{
	(void)ctx;
	return realloc(ptr, size);
}

static void default_free(void *ptr, void *ctx)
{
	(void)ctx;
	free(ptr);
}

static orm_realloc_fn realloc_fn = default_realloc;
static orm_free_fn free_fn = default_free;
static void *alloc_ctx;

void orm_set_allocator(orm_realloc_fn new_realloc, orm_free_fn new_free, void *ctx)
{
	if (new_realloc && new_free) {
		realloc_fn = new_realloc;
		free_fn = new_free;
		alloc_ctx = ctx;
	} else {
		realloc_fn = default_realloc;
		free_fn = default_free;
		alloc_ctx = NULL;
	}
}

bool orm_alloc_is_default(void)
{
	return realloc_fn == default_realloc && free_fn == default_free;
}

void *orm_realloc(void *ptr, size_t size)
{
	/* The contract promises the allocator never sees size 0, whose
	 * meaning for realloc() differs between C libraries. */
	return realloc_fn(ptr, size ? size : 1, alloc_ctx);
}

/*
 * realloc(NULL, n) is malloc(n), but the C library's realloc() takes a few
 * dozen instructions to find that out, and loading a row allocates an
 * object and its strings: with the default allocator, malloc() and
 * calloc() are called directly. An installed allocator still sees every
 * allocation.
 */
void *orm_malloc(size_t size)
{
	if (realloc_fn == default_realloc)
		return malloc(size ? size : 1);
	return orm_realloc(NULL, size);
}

void *orm_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	if (realloc_fn == default_realloc)
		return n == 0 || size == 0 ? calloc(1, 1) : calloc(n, size);
	p = orm_realloc(NULL, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void orm_free(void *ptr)
{
	if (!ptr)
		return;
	if (free_fn == default_free)
		free(ptr);
	else
		free_fn(ptr, alloc_ctx);
}

char *orm_strdup(const char *s)
{
	size_t len;
	char *copy;

	if (!s)
		return NULL;
	len = strlen(s);
	copy = orm_malloc(len + 1);
	if (copy)
		memcpy(copy, s, len + 1);
	return copy;
}
