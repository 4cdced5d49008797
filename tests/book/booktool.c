/*
 * booktool.c - keeps BOOK.md true to the code: the book is the code by construction.
 *
 * Introduced with the book itself (chapter 0). The book never contains hand-copied code or
 * hand-copied output. Instead a fenced block in BOOK.md is announced by a marker comment:
 *
 *     <!-- snippet: chapters/ch01_engine/main.c create-engine -->   a named region of a file
 *     <!-- snippet: chapters/ch00_why_orm/exercises/ex0_1_safe_lookup.h -->   a whole file
 *     <!-- output: chapters/ch01_engine/expected/sqlite.txt -->     a file, exactly
 *
 * and closed by <!-- /snippet --> or <!-- /output -->. In a source file a region is the lines
 * between a line containing `book:begin NAME` and a line containing `book:end NAME`; marker
 * lines themselves never appear in the book (nor do those of regions nested inside).
 *
 *     booktool check [--book FILE] ROOT    exit 1, naming each block that differs from its
 *                                          source with the first differing line; also fails on
 *                                          unknown files or regions, unbalanced or duplicated
 *                                          markers, and a chapter program whose expected
 *                                          output (chapters/chNN_x/expected/sqlite.txt) the
 *                                          book does not show.
 *     booktool update [--book FILE] ROOT   rewrites every block from its source. The new book
 *                                          is written to FILE.tmp and renamed over FILE, so a
 *                                          failure never leaves a half-written book.
 *
 * FILE defaults to ROOT/BOOK.md; paths in markers are relative to ROOT. Only libc is used, so
 * the tool builds before anything else in the workbook does.
 *
 * The chain that keeps the book honest: the book's output blocks equal the expected files
 * (checked here), and the expected files equal what the programs really print (checked by each
 * chapter program's test, tests/run_program.sh).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int nerrors;
static const char *book_name = "BOOK.md";

static void error_at(size_t lineno, const char *fmt, ...)
{
	va_list ap;
	if (lineno)
		fprintf(stderr, "%s:%zu: ", book_name, lineno);
	else
		fprintf(stderr, "%s: ", book_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	nerrors++;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "booktool: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *join_path(const char *root, const char *rel)
{
	size_t a = strlen(root), b = strlen(rel);
	char *p = xmalloc(a + b + 2);
	memcpy(p, root, a);
	p[a] = '/';
	memcpy(p + a + 1, rel, b + 1);
	return p;
}

/* Reads `path` into *out. Returns false (errno set) when it cannot be read. */
static bool text_read(text *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, len = 0, n, i, start;
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
	return true;
}

static void text_free(text *t)
{
	free(t->data);
	free(t->lines);
	memset(t, 0, sizeof *t);
}

static bool line_is(const line *l, const char *s)
{
	return l->len == strlen(s) && memcmp(l->ptr, s, l->len) == 0;
}

/* Finds `needle` in the line; returns the offset just past it, or -1. */
static long line_find(const line *l, const char *needle)
{
	size_t n = strlen(needle), i;
	for (i = 0; n <= l->len && i <= l->len - n; i++)
		if (memcmp(l->ptr + i, needle, n) == 0)
			return (long)(i + n);
	return -1;
}

/* The line without leading and trailing blanks. */
static line line_trim(line l)
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
static size_t backticks(const line *l)
{
	size_t n = 0;
	while (n < l->len && l->ptr[n] == '`')
		n++;
	return n;
}

/* An opening fence: three or more backticks, then an optional language word. */
static bool is_fence_open(const line *l)
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
static bool is_fence_close(const line *l, size_t n)
{
	return backticks(l) == n && l->len == n;
}

/* ------------------------------------------------------------------ source regions */

#define MARK_BEGIN "book:begin"
#define MARK_END   "book:end"

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/*
 * If the line is a begin or end marker, returns 1 (begin) or 2 (end) and the region name in
 * *name; 0 when it is not a marker. A marker is the word, blanks, then a name.
 */
static int marker_of(const line *l, line *name)
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
static bool check_markers(const text *src, const char *path, size_t bookline)
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
static bool extract(line **out, size_t *n, const text *src, const char *name)
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
static bool parse_open_marker(const line *raw, size_t lineno, block *b)
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

static bool is_close_marker(const line *raw)
{
	line l = line_trim(*raw);
	return line_is(&l, "<!-- /snippet -->") || line_is(&l, "<!-- /output -->");
}

/* Finds every block of the book. Returns the number found in *out (caller frees paths). */
static size_t parse_book(block **out, const text *book)
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

/* What a block should contain: its lines into *want and *nwant (caller frees *want; the lines
 * point into *src, which the caller frees). Returns false, after reporting why, when the
 * source cannot give them. */
static bool block_source(line **want, size_t *nwant, text *src, const block *b, const char *root)
{
	char *full = join_path(root, b->path);
	bool ok = text_read(src, full);
	free(full);
	if (!ok) {
		error_at(b->open + 1, "unknown file %s (%s)", b->path, strerror(errno));
		return false;
	}
	if (b->kind == BLOCK_OUTPUT) {
		*want = xmalloc(sizeof(line) * (src->nlines + 1));
		if (src->nlines)
			memcpy(*want, src->lines, sizeof(line) * src->nlines);
		*nwant = src->nlines;
		return true;
	}
	if (!check_markers(src, b->path, b->open + 1)) {
		text_free(src);
		return false;
	}
	if (!extract(want, nwant, src, b->region)) {
		error_at(b->open + 1,
		         "unknown region '%s' in %s (no line says '" MARK_BEGIN " %s')", b->region,
		         b->path, b->region);
		text_free(src);
		return false;
	}
	return true;
}

static void print_line(const char *label, const line *l)
{
	if (l)
		fprintf(stderr, "    %s %.*s\n", label, (int)l->len, l->ptr);
	else
		fprintf(stderr, "    %s (nothing: the text ends here)\n", label);
}

static void describe(char *buf, size_t size, const block *b)
{
	if (b->region)
		snprintf(buf, size, "%s %s %s", b->kind == BLOCK_SNIPPET ? "snippet" : "output",
		         b->path, b->region);
	else
		snprintf(buf, size, "%s %s", b->kind == BLOCK_SNIPPET ? "snippet" : "output",
		         b->path);
}

/* Compares a block with its source; reports the first difference. */
static void check_block(const text *book, const block *b, const line *want, size_t nwant)
{
	size_t i, n = b->fenced ? b->nbody : 0;
	char what[1024];
	describe(what, sizeof what, b);
	if (!b->fenced) {
		error_at(b->open + 1, "%s has no fenced block yet (run booktool update)", what);
		return;
	}
	for (i = 0; i < n || i < nwant; i++) {
		const line *have = i < n ? &book->lines[b->body + i] : NULL;
		const line *should = i < nwant ? &want[i] : NULL;
		if (have && should && have->len == should->len &&
		    memcmp(have->ptr, should->ptr, have->len) == 0)
			continue;
		error_at(b->body + i + 1,
		         "%s drifted from its source, first at line %zu of the block:", what,
		         i + 1);
		print_line("book:  ", have);
		print_line(b->kind == BLOCK_OUTPUT ? "file:  " : "source:", should);
		return;
	}
}

/* Every chapter program's expected SQLite output must be shown somewhere in the book. */
static void check_chapter_outputs(const char *root, const block *blocks, size_t n)
{
	char *dir = join_path(root, "chapters");
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d) {
		free(dir);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		const char *nm = e->d_name;
		char rel[512];
		char *full;
		FILE *f;
		size_t i;
		bool shown = false;
		if (!(nm[0] == 'c' && nm[1] == 'h' && nm[2] >= '0' && nm[2] <= '9' &&
		      nm[3] >= '0' && nm[3] <= '9' && nm[4] == '_'))
			continue;
		snprintf(rel, sizeof rel, "chapters/%s/expected/sqlite.txt", nm);
		full = join_path(root, rel);
		f = fopen(full, "rb");
		free(full);
		if (!f)
			continue;
		fclose(f);
		for (i = 0; i < n; i++)
			if (blocks[i].kind == BLOCK_OUTPUT && strcmp(blocks[i].path, rel) == 0)
				shown = true;
		if (!shown)
			error_at(0,
			         "%s is not shown in the book: give its chapter an "
			         "'<!-- output: %s -->' block (booktool update fills it in)",
			         rel, rel);
	}
	closedir(d);
	free(dir);
}

/* Writes the line and a newline; false on error. */
static bool put_line(FILE *f, const char *p, size_t len)
{
	return fwrite(p, 1, len, f) == len && fputc('\n', f) != EOF;
}

/* The fence for a block: the old one if it is long enough, else one backtick longer than any
 * run of backticks a content line starts with. Language: kept, or guessed from the path. */
static void fence_for(char *open, size_t size, size_t *nticks, const text *book, const block *b,
                      const line *want, size_t nwant)
{
	size_t i, need = 3;
	const char *lang = "text";
	line oldlang = {"", 0};
	const char *ext = strrchr(b->path, '.');
	for (i = 0; i < nwant; i++)
		if (backticks(&want[i]) >= need)
			need = backticks(&want[i]) + 1;
	if (b->fenced) {
		const line *old = &book->lines[b->open + 1];
		size_t t = backticks(old);
		oldlang.ptr = old->ptr + t;
		oldlang.len = old->len - t;
		if (t > need)
			need = t;
	} else if (b->kind == BLOCK_SNIPPET && ext && (!strcmp(ext, ".c") || !strcmp(ext, ".h"))) {
		lang = "c";
	} else if (ext && !strcmp(ext, ".sh")) {
		lang = "sh";
	} else if (ext && !strcmp(ext, ".sql")) {
		lang = "sql";
	}
	if (need > 64)
		need = 64;
	memset(open, '`', need);
	if (b->fenced)
		snprintf(open + need, size - need, "%.*s", (int)oldlang.len, oldlang.ptr);
	else
		snprintf(open + need, size - need, "%s", lang);
	*nticks = need;
}

/* ------------------------------------------------------------------ the verbs */

static int run(bool update, const char *root, const char *bookpath)
{
	text book;
	block *blocks = NULL;
	size_t nblocks, i, at = 0;
	line **wants;
	size_t *nwants;
	text *srcs;
	char *tmp = NULL;
	FILE *out = NULL;
	int rc = 1;

	if (!text_read(&book, bookpath)) {
		fprintf(stderr, "booktool: cannot read %s: %s\n", bookpath, strerror(errno));
		return 1;
	}
	nblocks = parse_book(&blocks, &book);
	wants = xmalloc(sizeof(line *) * (nblocks + 1));
	nwants = xmalloc(sizeof(size_t) * (nblocks + 1));
	srcs = xmalloc(sizeof(text) * (nblocks + 1));
	for (i = 0; i < nblocks; i++) {
		wants[i] = NULL;
		memset(&srcs[i], 0, sizeof srcs[i]);
		if (!block_source(&wants[i], &nwants[i], &srcs[i], &blocks[i], root))
			continue;
		if (!update)
			check_block(&book, &blocks[i], wants[i], nwants[i]);
	}
	if (!update)
		check_chapter_outputs(root, blocks, nblocks);
	if (nerrors || !update) {
		rc = nerrors ? 1 : 0;
		if (!update && !nerrors)
			printf("%s: %zu block%s match%s their sources\n", book_name, nblocks,
			       nblocks == 1 ? "" : "s", nblocks == 1 ? "es" : "");
		if (nerrors)
			fprintf(stderr, "%s: %d problem%s%s\n", book_name, nerrors,
			        nerrors == 1 ? "" : "s",
			        update ? "; the book was not changed" : "");
		goto done;
	}

	/* update: copy the book, replacing each block's content with its source. */
	tmp = xmalloc(strlen(bookpath) + 5);
	sprintf(tmp, "%s.tmp", bookpath);
	out = fopen(tmp, "wb");
	if (!out) {
		fprintf(stderr, "booktool: cannot write %s: %s\n", tmp, strerror(errno));
		goto done;
	}
	for (i = 0; i < nblocks; i++) {
		const block *b = &blocks[i];
		char open[128];
		size_t ticks, k;
		bool ok = true;
		for (; at <= b->open; at++)
			ok = ok && put_line(out, book.lines[at].ptr, book.lines[at].len);
		fence_for(open, sizeof open, &ticks, &book, b, wants[i], nwants[i]);
		ok = ok && put_line(out, open, strlen(open));
		for (k = 0; k < nwants[i]; k++)
			ok = ok && put_line(out, wants[i][k].ptr, wants[i][k].len);
		ok = ok && put_line(out, open, ticks);
		if (!ok)
			break;
		at = b->close;
	}
	for (; at < book.nlines; at++)
		if (!put_line(out, book.lines[at].ptr, book.lines[at].len))
			break;
	if (ferror(out) | (fclose(out) != 0)) {
		out = NULL;
		fprintf(stderr, "booktool: cannot write %s: %s\n", tmp, strerror(errno));
		remove(tmp);
		goto done;
	}
	out = NULL;
	if (rename(tmp, bookpath) != 0) {
		fprintf(stderr, "booktool: cannot replace %s: %s\n", bookpath, strerror(errno));
		remove(tmp);
		goto done;
	}
	printf("%s: %zu block%s written from %s\n", book_name, nblocks, nblocks == 1 ? "" : "s",
	       nblocks == 1 ? "its source" : "their sources");
	rc = 0;

done:
	if (out)
		fclose(out);
	free(tmp);
	for (i = 0; i < nblocks; i++) {
		free(wants[i]);
		text_free(&srcs[i]);
		free(blocks[i].path);
		free(blocks[i].region);
	}
	free(wants);
	free(nwants);
	free(srcs);
	free(blocks);
	text_free(&book);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: booktool check|update [--book FILE] ROOT\n"
	       "  check   exit 1 if a snippet or output block of the book differs from its source\n"
	       "  update  rewrite every block of the book from its source\n"
	       "FILE defaults to ROOT/BOOK.md; paths in the book are relative to ROOT.\n");
}

int main(int argc, char **argv)
{
	const char *verb, *root = NULL, *bookarg = NULL;
	char *bookpath;
	int i, rc;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	if (strcmp(verb, "check") != 0 && strcmp(verb, "update") != 0) {
		usage(stderr);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--book") && i + 1 < argc)
			bookarg = argv[++i];
		else if (!root)
			root = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!root) {
		usage(stderr);
		return 2;
	}
	bookpath = bookarg ? xstrndup(bookarg, strlen(bookarg)) : join_path(root, "BOOK.md");
	book_name = bookarg ? bookarg : "BOOK.md";
	rc = run(strcmp(verb, "update") == 0, root, bookpath);
	free(bookpath);
	return rc;
}
