/*
 * buf.c - a growable string, for building SQL text and messages.
 *
 * Introduced in chapter 1. An out-of-memory while appending is remembered
 * in `failed` instead of being reported by every call, so code that builds
 * a statement from many pieces checks once, at the end.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Makes room for `extra` more bytes plus the terminating NUL. */
static int reserve(orm_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return -1;
	if (extra > (size_t)-1 / 2 - b->len - 1) {
		b->failed = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = orm_realloc(b->ptr, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->ptr = p;
	b->cap = cap;
	return 0;
}

void orm_buf_put(orm_buf *b, const char *s, size_t len)
{
	if (reserve(b, len) < 0)
		return;
	if (len)
		memcpy(b->ptr + b->len, s, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void orm_buf_puts(orm_buf *b, const char *s)
{
	orm_buf_put(b, s, strlen(s));
}

void orm_buf_putc(orm_buf *b, char c)
{
	orm_buf_put(b, &c, 1);
}

void orm_buf_printf(orm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *orm_buf_cstr(const orm_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *orm_buf_detach(orm_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = orm_strdup("");
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
	return p;
}

void orm_buf_free(orm_buf *b)
{
	orm_free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
}

void orm_buf_reset(orm_buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}
