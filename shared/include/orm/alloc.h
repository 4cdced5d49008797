/*
 * orm/alloc.h - the one path through which the library allocates memory.
 *
 * Introduced in chapter 1. Every allocation in the library goes through
 * orm_malloc/orm_realloc/orm_free, so a test can install an allocator
 * that fails on the Nth call and check that every error path cleans up
 * (the way clox routes everything through reallocate()).
 *
 * Memory the library hands to a caller to own (documented as such on each
 * function) is freed with orm_free().
 */
#ifndef ORM_ALLOC_H
#define ORM_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Like malloc/realloc/free. orm_free accepts NULL. */
void *orm_malloc(size_t size);
void *orm_calloc(size_t n, size_t size);
void *orm_realloc(void *ptr, size_t size);
void orm_free(void *ptr);
/* A copy of s (NULL for NULL), freed with orm_free. */
char *orm_strdup(const char *s);

/*
 * Replaces the allocator; NULL restores the C library's. `realloc_fn`
 * follows realloc's contract (size 0 is never asked for; ptr NULL means
 * allocate). Not thread-safe: set it before creating any engine.
 */
typedef void *(*orm_realloc_fn)(void *ptr, size_t size, void *ctx);
typedef void (*orm_free_fn)(void *ptr, void *ctx);
void orm_set_allocator(orm_realloc_fn realloc_fn, orm_free_fn free_fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
