/*
 * graphs.c - the revision graphs the book draws (chapter 7, "Branches and merges").
 *
 *     ch07_graphs chain    the shipped revisions: versions/, a chain
 *     ch07_graphs merge    the same, after two workshop pairs each added a revision and
 *                          a merge joined their heads
 *
 * Each prints `migrate history --graph`'s Graphviz dot. The book's pictures are that dot
 * rendered by `dot -Tsvg`; tests/book/check_picture.sh fails when either drifts, and
 * `./workbook book --update` makes them again.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "orm/migration.h"
#include "versions.h"

static int nothing(orm_op *op)
{
	(void)op;
	return ORM_OK;
}

static const orm_revision pair_a = {
    "a1a1a1a1a1a1", "9c7e5b2a1f04", NULL, "add location to events", "", nothing, nothing};
static const orm_revision pair_b = {
    "b2b2b2b2b2b2", "9c7e5b2a1f04", NULL, "add capacity to events", "", nothing, nothing};
static const orm_revision merge = {
    "3e43e3e43e43", "a1a1a1a1a1a1", "b2b2b2b2b2b2", "merge the pairs' heads", "", nothing, nothing};

int main(int argc, char **argv)
{
	const orm_revision *chain[32];
	orm_revisions *revisions = NULL;
	size_t n = 0;

	if (argc != 2 || (strcmp(argv[1], "chain") != 0 && strcmp(argv[1], "merge") != 0)) {
		fprintf(stderr, "usage: ch07_graphs chain|merge\n");
		return 2;
	}
	for (size_t i = 0; i < ch07_nrevisions && n < 28; i++)
		chain[n++] = ch07_revisions[i];
	if (strcmp(argv[1], "merge") == 0) {
		chain[n++] = &pair_a;
		chain[n++] = &pair_b;
		chain[n++] = &merge;
	}
	check(orm_revisions_new(&revisions, chain, n), "revisions");
	orm_revisions_graph(stdout, revisions);
	orm_revisions_free(revisions);
	return 0;
}
