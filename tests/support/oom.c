/*
 * oom.c - the failing allocator of oom.h, shared by the library's
 * out-of-memory tests (engine, session, relationships).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "oom.h"
#include "orm/orm.h"

static long allocations; /* counted since oom_start() */
static long fail_at;     /* the allocation that fails; 0 for none */
static int failures;     /* how many were failed */

static void *failing_realloc(void *ptr, size_t size, void *ctx)
{
	(void)ctx;
	if (++allocations == fail_at) {
		failures++;
		return NULL;
	}
	return realloc(ptr, size);
}

static void plain_free(void *ptr, void *ctx)
{
	(void)ctx;
	free(ptr);
}

void oom_start(long n)
{
	allocations = 0;
	failures = 0;
	fail_at = n;
	orm_set_allocator(failing_realloc, plain_free, NULL);
}

int oom_stop(void)
{
	orm_set_allocator(NULL, NULL, NULL);
	return failures;
}

long oom_fail_at(void)
{
	return fail_at;
}

bool oom_failed(int rc, const char *step)
{
	if (rc >= 0)
		return false;
	if (rc != ORM_ENOMEM)
		fail_msg("with allocation %ld failing, %s gave %s: %s", fail_at, step,
		         orm_strerror(rc), orm_error_last());
	return true;
}
