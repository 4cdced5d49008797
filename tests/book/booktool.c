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

#include "bookparse.h"

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
