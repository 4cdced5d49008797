/*
 * internal.h - helpers every source file of the library shares (private).
 *
 * Introduced in chapter 1. Holds the error buffer that handles carry their
 * message in, and the small string builder used to assemble SQL and
 * messages. Nothing here is part of the public API.
 */
#ifndef ORM_INTERNAL_H
#define ORM_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "orm/alloc.h"
#include "orm/error.h"

#define ORM_ERRMSG_MAX 512

/* Whether orm_malloc/orm_free are the C library's (no orm_set_allocator):
 * memory kept across calls, like the arena's spare blocks, is only kept
 * then, so it is never handed to another allocator's free. */
bool orm_alloc_is_default(void);

/* The message of a handle's last error. Every handle embeds one. */
typedef struct orm_err {
	int code;
	char msg[ORM_ERRMSG_MAX];
} orm_err;

/*
 * Records `code` and a printf-formatted one-line message in `err` (which
 * may be NULL), copies it to this thread's last error, and returns `code`
 * so a failure reads `return orm_err_set(err, ORM_EINVAL, "...", ...);`.
 * Newlines in the message (PostgreSQL likes them) are folded into spaces.
 */
int orm_err_set(orm_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Copies src's code and message into dst (and the thread's last error). */
int orm_err_copy(orm_err *dst, const orm_err *src);

/* Clears the message (code ORM_OK, empty text). */
void orm_err_clear(orm_err *err);

/* A growable NUL-terminated string. On out-of-memory it sets `failed`
 * and further appends do nothing, so a caller checks once at the end. */
typedef struct orm_buf {
	char *ptr;
	size_t len;
	size_t cap;
	int failed;
} orm_buf;

/* clang-format off */
#define ORM_BUF_INIT {NULL, 0, 0, 0}
/* clang-format on */

void orm_buf_put(orm_buf *b, const char *s, size_t len);
void orm_buf_puts(orm_buf *b, const char *s);
void orm_buf_putc(orm_buf *b, char c);
void orm_buf_printf(orm_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The text so far ("" when empty). Borrowed. */
const char *orm_buf_cstr(const orm_buf *b);
/* Takes ownership of the text (free with orm_free); the buffer is reset. */
char *orm_buf_detach(orm_buf *b);
void orm_buf_free(orm_buf *b);
void orm_buf_reset(orm_buf *b); /* empties, keeps the memory */

/* Columns col0 .. col0 + n - 1 of the current row, as orm_result_value
 * reads them one by one (NULL past the last column or outside a row), for
 * loading a row into an object in one call (result.c). */
struct orm_result;
#include "orm/value.h"
void orm_result_values(orm_value *out, const struct orm_result *res, int col0, int n);

#endif
