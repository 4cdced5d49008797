/*
 * bookparse.h - the parsing half of booktool (booktool.c): files split into lines, the
 * book:begin / book:end regions of a source file, and the snippet and output markers of
 * BOOK.md. Split out so that the parser can be called on its own: fuzz/book_fuzz.c feeds it
 * arbitrary bytes.
 *
 * Problems found in the input are reported with error_at(), which counts them in nerrors
 * and prints them to stderr unless booktool_quiet is set. Only running out of memory exits.
 */
#ifndef BOOKPARSE_H
#define BOOKPARSE_H

#include <stdbool.h>
#include <stddef.h>

/* A line of a file, without its '\n'. Points into the file's buffer. */
typedef struct line {
	const char *ptr;
	size_t len;
} line;

/* A file read whole and split into lines. */
typedef struct text {
	char *data;
	line *lines;
	size_t nlines;
} text;

enum block_kind { BLOCK_SNIPPET, BLOCK_OUTPUT };

/* One <!-- snippet/output --> ... <!-- /snippet/output --> block of the book. Indexes are
 * 0-based line numbers in the book. */
typedef struct block {
	enum block_kind kind;
	char *path;
	char *region; /* NULL: the whole file */
	size_t open;  /* the opening marker line */
	size_t close; /* the closing marker line */
	bool fenced;  /* there is a ``` fence pair between the markers */
	size_t body;  /* first content line (after the opening fence) */
	size_t nbody; /* number of content lines */
} block;

/* The markers of a region in a source file. */
#define MARK_BEGIN "book:begin"
#define MARK_END "book:end"

extern int nerrors;           /* problems reported so far */
extern const char *book_name; /* the book's name in messages */
extern bool booktool_quiet;   /* count problems without printing them */

void error_at(size_t lineno, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void *xmalloc(size_t n);
char *xstrndup(const char *s, size_t n);
char *join_path(const char *root, const char *rel);

/* Reads `path` into *out. Returns false (errno set) when it cannot be read. */
bool text_read(text *out, const char *path);
/* Splits `data` (len bytes, with a NUL after them) into *out, which owns it from then on. */
void text_split(text *out, char *data, size_t len);
void text_free(text *t);

bool line_is(const line *l, const char *s);
long line_find(const line *l, const char *needle);
line line_trim(line l);
size_t backticks(const line *l);
bool is_fence_open(const line *l);
bool is_fence_close(const line *l, size_t n);

int marker_of(const line *l, line *name);
bool check_markers(const text *src, const char *path, size_t bookline);
bool extract(line **out, size_t *n, const text *src, const char *name);
bool parse_open_marker(const line *raw, size_t lineno, block *b);
bool is_close_marker(const line *raw);
size_t parse_book(block **out, const text *book);

#endif
