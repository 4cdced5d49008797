/*
 * bookparse.c - the parser of booktool: see bookparse.h, and booktool.c for what the markers
 * mean.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bookparse.h"

int nerrors;
const char *book_name = "BOOK.md";
bool booktool_quiet;

void error_at(size_t lineno, const char *fmt, ...)
{
	va_list ap;
	nerrors++;
	if (booktool_quiet)
		return;
	if (lineno)
		fprintf(stderr, "%s:%zu: ", book_name, lineno);
	else
		fprintf(stderr, "%s: ", book_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "booktool: out of memory\n");
		exit(2);
	}
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *join_path(const char *root, const char *rel)
{
	size_t a = strlen(root), b = strlen(rel);
	char *p = xmalloc(a + b + 2);
	memcpy(p, root, a);
	p[a] = '/';
	memcpy(p + a + 1, rel, b + 1);
	return p;
}

/* Reads `path` into *out. Returns false (errno set) when it cannot be read. */
bool text_read(text *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, len = 0, n;
	char *data;
	memset(out, 0, sizeof *out);
	if (!f)
		return false;
	data = xmalloc(cap + 1);
	while ((n = fread(data + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *bigger = realloc(data, cap * 2 + 1);
			if (!bigger) {
				fprintf(stderr, "booktool: out of memory\n");
				exit(2);
			}
			data = bigger;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		int saved = errno;
		fclose(f);
		free(data);
		errno = saved;
		return false;
	}
	fclose(f);
	data[len] = '\0';
	text_split(out, data, len);
	return true;
}

void text_split(text *out, char *data, size_t len)
{
	size_t i, start;

	memset(out, 0, sizeof *out);
	/* A final line without '\n' still counts; a trailing '\n' does not open a new line. */
	out->data = data;
	out->lines = xmalloc(sizeof(line) * (len + 1));
	for (i = 0, start = 0; i < len; i++) {
		if (data[i] == '\n') {
			out->lines[out->nlines].ptr = data + start;
			out->lines[out->nlines].len = i - start;
			out->nlines++;
			start = i + 1;
		}
	}
	if (start < len) {
		out->lines[out->nlines].ptr = data + start;
		out->lines[out->nlines].len = len - start;
		out->nlines++;
	}
}

void text_free(text *t)
{
	free(t->data);
	free(t->lines);
	memset(t, 0, sizeof *t);
}

bool line_is(const line *l, const char *s)
{
	return l->len == strlen(s) && memcmp(l->ptr, s, l->len) == 0;
}

/* Finds `needle` in the line; returns the offset just past it, or -1. */
long line_find(const line *l, const char *needle)
{
	size_t n = strlen(needle), i;
	for (i = 0; n <= l->len && i <= l->len - n; i++)
		if (memcmp(l->ptr + i, needle, n) == 0)
			return (long)(i + n);
	return -1;
}

/* The line without leading and trailing blanks. */
line line_trim(line l)
{
	while (l.len && (l.ptr[0] == ' ' || l.ptr[0] == '\t' || l.ptr[0] == '\r')) {
		l.ptr++;
		l.len--;
	}
	while (l.len &&
	       (l.ptr[l.len - 1] == ' ' || l.ptr[l.len - 1] == '\t' || l.ptr[l.len - 1] == '\r'))
		l.len--;
	return l;
}

/* Number of backticks a line starts with. */
size_t backticks(const line *l)
{
	size_t n = 0;
	while (n < l->len && l->ptr[n] == '`')
		n++;
	return n;
}

/* An opening fence: three or more backticks, then an optional language word. */
bool is_fence_open(const line *l)
{
	size_t n = backticks(l), i;
	if (n < 3)
		return false;
	for (i = n; i < l->len; i++)
		if (l->ptr[i] == '`' || l->ptr[i] == ' ')
			return false;
	return true;
}

/* A closing fence: only backticks, exactly `n` of them. */
bool is_fence_close(const line *l, size_t n)
{
	return backticks(l) == n && l->len == n;
}

/* ------------------------------------------------------------------ source regions */

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/*
 * If the line is a begin or end marker, returns 1 (begin) or 2 (end) and the region name in
 * *name; 0 when it is not a marker. A marker is the word, blanks, then a name.
 */
int marker_of(const line *l, line *name)
{
	int kind = 0;
	long at = line_find(l, MARK_BEGIN " ");
	size_t i, start;
	if (at >= 0)
		kind = 1;
	else if ((at = line_find(l, MARK_END " ")) >= 0)
		kind = 2;
	else
		return 0;
	i = (size_t)at;
	while (i < l->len && (l->ptr[i] == ' ' || l->ptr[i] == '\t'))
		i++;
	start = i;
	while (i < l->len && is_name_char(l->ptr[i]))
		i++;
	name->ptr = l->ptr + start;
	name->len = i - start;
	return kind;
}

/*
 * Checks the markers of a source file: every begin has one end after it, no name begins
 * twice, no end without its begin. Reports each problem against `path` and the book line
 * that referenced it. Returns true when the markers are sound.
 */
bool check_markers(const text *src, const char *path, size_t bookline)
{
	size_t i, j;
	bool ok = true;
	for (i = 0; i < src->nlines; i++) {
		line name;
		int kind = marker_of(&src->lines[i], &name);
		bool seen_end = false;
		if (!kind)
			continue;
		if (name.len == 0) {
			error_at(bookline, "%s:%zu: marker without a region name", path, i + 1);
			ok = false;
			continue;
		}
		for (j = 0; j < i; j++) {
			line other;
			if (marker_of(&src->lines[j], &other) == kind && other.len == name.len &&
			    memcmp(other.ptr, name.ptr, name.len) == 0) {
				error_at(bookline,
				         "%s:%zu: region '%.*s' is %s twice (first at line %zu)",
				         path, i + 1, (int)name.len, name.ptr,
				         kind == 1 ? "begun" : "ended", j + 1);
				ok = false;
				break;
			}
		}
		for (j = kind == 1 ? i + 1 : 0; j < (kind == 1 ? src->nlines : i); j++) {
			line other;
			if (marker_of(&src->lines[j], &other) == 3 - kind &&
			    other.len == name.len && memcmp(other.ptr, name.ptr, name.len) == 0)
				seen_end = true;
		}
		if (!seen_end) {
			error_at(bookline, "%s:%zu: region '%.*s' has no %s marker", path, i + 1,
			         (int)name.len, name.ptr,
			         kind == 1 ? "matching " MARK_END : "earlier " MARK_BEGIN);
			ok = false;
		}
	}
	return ok;
}

/*
 * The lines of region `name` in `src` (every line when name is NULL), marker lines left
 * out, into a new array *out of *n lines (caller frees). Returns false when the region does
 * not exist.
 */
bool extract(line **out, size_t *n, const text *src, const char *name)
{
	size_t i, count = 0;
	bool inside = name == NULL, found = name == NULL;
	line *lines = xmalloc(sizeof(line) * (src->nlines + 1));
	for (i = 0; i < src->nlines; i++) {
		line mname;
		int kind = marker_of(&src->lines[i], &mname);
		bool ours = name && kind && mname.len == strlen(name) &&
		            memcmp(mname.ptr, name, mname.len) == 0;
		if (ours && kind == 1) {
			inside = found = true;
			continue;
		}
		if (ours && kind == 2) {
			inside = false;
			continue;
		}
		if (kind)
			continue;
		if (inside)
			lines[count++] = src->lines[i];
	}
	if (!found) {
		free(lines);
		return false;
	}
	*out = lines;
	*n = count;
	return true;
}

/* ------------------------------------------------------------------ the book */

/*
 * If the line is an opening marker, fills kind/path/region and returns true. Returns false
 * for any other line. A malformed marker (no path) is reported and skipped.
 */
bool parse_open_marker(const line *raw, size_t lineno, block *b)
{
	line l = line_trim(*raw);
	const char *p, *end;
	size_t plen;
	if (l.len >= 13 && memcmp(l.ptr, "<!-- snippet:", 13) == 0) {
		b->kind = BLOCK_SNIPPET;
		p = l.ptr + 13;
	} else if (l.len >= 12 && memcmp(l.ptr, "<!-- output:", 12) == 0) {
		b->kind = BLOCK_OUTPUT;
		p = l.ptr + 12;
	} else {
		return false;
	}
	if (l.len < 3 || memcmp(l.ptr + l.len - 3, "-->", 3) != 0) {
		error_at(lineno, "marker does not end with '-->' on the same line");
		return false;
	}
	/* A NUL would cut the path short in C (found by fuzz/book_fuzz.c). */
	for (size_t i = 0; i < l.len; i++) {
		if ((unsigned char)l.ptr[i] < ' ' && l.ptr[i] != '\t') {
			error_at(lineno, "marker holds a control character (byte %d)", l.ptr[i]);
			return false;
		}
	}
	end = l.ptr + l.len - 3;
	while (p < end && *p == ' ')
		p++;
	for (plen = 0; p + plen < end && p[plen] != ' '; plen++)
		;
	if (plen == 0) {
		error_at(lineno, "marker names no file");
		return false;
	}
	b->path = xstrndup(p, plen);
	p += plen;
	while (p < end && *p == ' ')
		p++;
	b->region = NULL;
	if (p < end) {
		size_t rlen;
		for (rlen = 0; p + rlen < end && p[rlen] != ' '; rlen++)
			;
		b->region = xstrndup(p, rlen);
		p += rlen;
		while (p < end && *p == ' ')
			p++;
		if (p != end || b->kind == BLOCK_OUTPUT) {
			error_at(lineno, "marker has too many words (expected: %s)",
			         b->kind == BLOCK_OUTPUT ? "<!-- output: PATH -->"
			                                 : "<!-- snippet: PATH [REGION] -->");
			free(b->path);
			free(b->region);
			return false;
		}
	}
	if (b->path[0] == '/' || strstr(b->path, "..")) {
		error_at(lineno, "path '%s' must be relative to the workbook root, without '..'",
		         b->path);
		free(b->path);
		free(b->region);
		return false;
	}
	return true;
}

bool is_close_marker(const line *raw)
{
	line l = line_trim(*raw);
	return line_is(&l, "<!-- /snippet -->") || line_is(&l, "<!-- /output -->");
}

/* Finds every block of the book. Returns the number found in *out (caller frees paths). */
size_t parse_book(block **out, const text *book)
{
	size_t i, n = 0;
	block *blocks = xmalloc(sizeof(block) * (book->nlines + 1));
	for (i = 0; i < book->nlines; i++) {
		block b;
		size_t j;
		memset(&b, 0, sizeof b);
		if (is_close_marker(&book->lines[i])) {
			error_at(i + 1, "closing marker without an opening one");
			continue;
		}
		if (!parse_open_marker(&book->lines[i], i + 1, &b))
			continue;
		b.open = i;
		for (j = i + 1; j < book->nlines; j++) {
			block other;
			if (is_close_marker(&book->lines[j]))
				break;
			memset(&other, 0, sizeof other);
			if (parse_open_marker(&book->lines[j], j + 1, &other)) {
				free(other.path);
				free(other.region);
				j = book->nlines;
				break;
			}
		}
		if (j >= book->nlines) {
			error_at(i + 1, "block for %s is not closed by <!-- /%s -->", b.path,
			         b.kind == BLOCK_SNIPPET ? "snippet" : "output");
			free(b.path);
			free(b.region);
			continue;
		}
		{
			line closing = line_trim(book->lines[j]);
			const char *want =
			    b.kind == BLOCK_SNIPPET ? "<!-- /snippet -->" : "<!-- /output -->";
			if (!line_is(&closing, want))
				error_at(
				    j + 1,
				    "block opened at line %zu is closed by the wrong marker (want %s)",
				    i + 1, want);
		}
		b.close = j;
		if (j == i + 1) {
			b.fenced = false; /* empty: update will add the fence */
		} else if (j - i >= 3 && is_fence_open(&book->lines[i + 1]) &&
		           is_fence_close(&book->lines[j - 1], backticks(&book->lines[i + 1]))) {
			b.fenced = true;
			b.body = i + 2;
			b.nbody = j - 1 - (i + 2);
		} else {
			error_at(i + 1, "block for %s must hold exactly one fenced code block",
			         b.path);
			free(b.path);
			free(b.region);
			i = j;
			continue;
		}
		blocks[n++] = b;
		i = j;
	}
	*out = blocks;
	return n;
}
