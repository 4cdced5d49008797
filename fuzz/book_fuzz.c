/*
 * book_fuzz.c - fuzzes booktool's parser (tests/book/bookparse.c, issue 10).
 *
 * The input is read both ways booktool reads files: as a book (its snippet and output
 * markers) and as a source file (its book:begin / book:end regions). Nothing may crash, read
 * out of bounds or leak; every block found lies inside the book, in order, and a region
 * extracted never holds a marker line.
 */
#include <string.h>

#include "bookparse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	text t;
	block *blocks = NULL;
	line *lines = NULL;
	size_t n, nlines;
	char *copy = malloc(size + 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	booktool_quiet = true;
	text_split(&t, copy, size);

	n = parse_book(&blocks, &t);
	for (size_t i = 0; i < n; i++) {
		const block *b = &blocks[i];

		if (b->open >= b->close || b->close >= t.nlines ||
		    (i > 0 && blocks[i - 1].close >= b->open))
			fuzz_fail("block %zu (lines %zu-%zu) is out of place", i, b->open,
			          b->close);
		if (b->fenced && (b->body <= b->open || b->body + b->nbody >= b->close))
			fuzz_fail("block %zu's body is outside its markers", i);
		if (!b->path || !*b->path)
			fuzz_fail("block %zu has no path", i);
		free(b->path);
		free(b->region);
	}
	free(blocks);

	(void)check_markers(&t, "input", 1);
	/* The first region the input names, if any, and the whole text. */
	for (size_t i = 0; i < t.nlines; i++) {
		line name;

		if (marker_of(&t.lines[i], &name) == 1 && name.len > 0) {
			char *region = xstrndup(name.ptr, name.len);

			if (extract(&lines, &nlines, &t, region)) {
				for (size_t k = 0; k < nlines; k++)
					if (marker_of(&lines[k], &name))
						fuzz_fail("region '%s' holds a marker line",
						          region);
				free(lines);
			}
			free(region);
			break;
		}
	}
	if (!extract(&lines, &nlines, &t, NULL) || nlines > t.nlines)
		fuzz_fail("the whole text could not be extracted");
	free(lines);
	text_free(&t);
	return 0;
}
