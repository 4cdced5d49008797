/*
 * revision.c - the revision graph: ids, parents, heads, and REV strings.
 *
 * Introduced in chapter 7. Each revision names the one it follows
 * (down_revision), or two for a merge. Together they form a graph with
 * edges from parent to child: normally a chain from base to one head;
 * when two people each add a revision after the same one, it branches
 * and has two heads until a merge revision names both. This file checks
 * the graph (ids well formed and unique, every parent known, no cycle),
 * sorts it parents first, finds its heads, and turns the strings a user
 * types - "head", "base", an id or a prefix of one - into revisions.
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migration_internal.h"

struct orm_revisions {
	const orm_revision **all; /* parents first */
	size_t count;
	const orm_revision **heads;
	size_t nheads;
	orm_err err;
};

const char *orm_revisions_errmsg(const orm_revisions *r)
{
	return r->err.msg;
}

orm_err *orm_revisions_err(orm_revisions *r)
{
	return &r->err;
}

void orm_revisions_free(orm_revisions *r)
{
	if (!r)
		return;
	orm_free(r->all);
	orm_free(r->heads);
	orm_free(r);
}

const orm_revision *const *orm_revisions_all(const orm_revisions *r, size_t *count)
{
	*count = r->count;
	return r->all;
}

const orm_revision *const *orm_revisions_heads(const orm_revisions *r, size_t *count)
{
	*count = r->nheads;
	return r->heads;
}

size_t orm_revisions_index(const orm_revisions *r, const char *id)
{
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->all[i]->id, id) == 0)
			return i;
	return SIZE_MAX;
}

void orm_revisions_mark_ancestors(const orm_revisions *r, size_t index, bool *marks)
{
	/* Parents come before children in `all`: one backward pass. */
	marks[index] = true;
	for (size_t i = index + 1; i-- > 0;) {
		const orm_revision *rev = r->all[i];
		if (!marks[i])
			continue;
		for (int k = 0; k < 2; k++) {
			const char *down = k ? rev->down_revision2 : rev->down_revision;
			size_t p = down ? orm_revisions_index(r, down) : SIZE_MAX;
			if (p != SIZE_MAX)
				marks[p] = true;
		}
	}
}

static bool is_id(const char *id)
{
	size_t n = 0;

	for (; id && id[n]; n++)
		if (!isxdigit((unsigned char)id[n]) || isupper((unsigned char)id[n]))
			return false;
	return n == 12;
}

static int by_id(const void *a, const void *b)
{
	return strcmp((*(const orm_revision *const *)a)->id, (*(const orm_revision *const *)b)->id);
}

static const orm_revision *find(const orm_revision *const *list, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i]->id, id) == 0)
			return list[i];
	return NULL;
}

static size_t find_index(const orm_revision *const *list, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i]->id, id) == 0)
			return i;
	return SIZE_MAX;
}

/*
 * Names the cycle that `start` (left unsorted) lies on or leads to. A revision left unsorted
 * has a parent left unsorted (else it would have been taken), down_revision or a merge's
 * down_revision2: following those parents comes back, sooner or later, to one already seen.
 */
static int report_cycle(orm_revisions *r, const orm_revision *const *list, size_t n,
                        const bool *done, size_t start)
{
	size_t path[64], len = 0;
	char text[400] = "";

	for (size_t at = start; at != SIZE_MAX && len < 64;) {
		const orm_revision *rev = list[at];
		for (size_t i = 0; i < len; i++)
			if (path[i] == at) {
				for (size_t j = i; j < len; j++)
					snprintf(text + strlen(text), sizeof text - strlen(text),
					         "%s -> ", list[path[j]]->id);
				snprintf(text + strlen(text), sizeof text - strlen(text), "%s",
				         rev->id);
				return orm_err_set(
				    &r->err, ORM_EINVAL,
				    "cycle in the revision graph: %s (each follows the "
				    "next as its down_revision)",
				    text);
			}
		path[len++] = at;
		size_t next = SIZE_MAX;
		for (int k = 0; k < 2 && next == SIZE_MAX; k++) {
			const char *down = k ? rev->down_revision2 : rev->down_revision;
			size_t p = down ? find_index(list, n, down) : SIZE_MAX;
			if (p != SIZE_MAX && !done[p])
				next = p;
		}
		at = next;
	}
	return orm_err_set(&r->err, ORM_EINVAL, "cycle in the revision graph through revision '%s'",
	                   list[start]->id);
}

/* The checks on each revision of the sorted list: a well-formed id, not
 * defined twice, parents that exist, both functions. */
static int check_revision(orm_revisions *r, const orm_revision *const *sorted, size_t n, size_t i)
{
	const orm_revision *rev = sorted[i];

	if (!is_id(rev->id))
		return orm_err_set(&r->err, ORM_EINVAL,
		                   "revision '%s' (%s): an id is 12 lower-case hex digits",
		                   rev->id ? rev->id : "(null)", rev->message);
	if (i > 0 && strcmp(sorted[i - 1]->id, rev->id) == 0)
		return orm_err_set(&r->err, ORM_EINVAL,
		                   "revision '%s' is defined twice ('%s', '%s')", rev->id,
		                   sorted[i - 1]->message, rev->message);
	for (int k = 0; k < 2; k++) {
		const char *down = k ? rev->down_revision2 : rev->down_revision;
		if (down && !find(sorted, n, down))
			return orm_err_set(
			    &r->err, ORM_ENOTFOUND,
			    "revision '%s' follows '%s', which is not a known revision", rev->id,
			    down);
	}
	if (!rev->upgrade || !rev->downgrade)
		return orm_err_set(&r->err, ORM_EINVAL, "revision '%s' lacks upgrade or downgrade",
		                   rev->id);
	return ORM_OK;
}

/* Whether all of the revision's parents are taken into r->all already. */
static bool parents_taken(const orm_revisions *r, const orm_revision *const *sorted, size_t n,
                          const orm_revision *rev)
{
	for (int k = 0; k < 2; k++) {
		const char *down = k ? rev->down_revision2 : rev->down_revision;
		if (down && !find(r->all, r->count, find(sorted, n, down)->id))
			return false;
	}
	return true;
}

/* Parents first into r->all: repeatedly take (in id order) each revision
 * whose parents are all taken. What is never taken lies on a cycle. */
static int sort_parents_first(orm_revisions *r, const orm_revision *const *sorted, size_t n,
                              bool *done)
{
	while (r->count < n) {
		size_t before = r->count;
		for (size_t i = 0; i < n; i++) {
			if (!done[i] && parents_taken(r, sorted, n, sorted[i])) {
				done[i] = true;
				r->all[r->count++] = sorted[i];
			}
		}
		if (r->count == before) {
			for (size_t i = 0; i < n; i++)
				if (!done[i])
					return report_cycle(r, sorted, n, done, i);
			return ORM_OK;
		}
	}
	return ORM_OK;
}

/* The heads: the revisions no other one follows. */
static void find_heads(orm_revisions *r, const orm_revision *const *sorted, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool followed = false;
		for (size_t j = 0; j < n && !followed; j++)
			followed = (sorted[j]->down_revision &&
			            strcmp(sorted[j]->down_revision, sorted[i]->id) == 0) ||
			           (sorted[j]->down_revision2 &&
			            strcmp(sorted[j]->down_revision2, sorted[i]->id) == 0);
		if (!followed)
			r->heads[r->nheads++] = sorted[i];
	}
}

int orm_revisions_new(orm_revisions **out, const orm_revision *const *list, size_t n)
{
	orm_revisions *r = orm_calloc(1, sizeof *r);
	const orm_revision **sorted = NULL;
	bool *done = NULL;
	int rc = ORM_OK;

	*out = r;
	if (!r)
		return orm_err_set(NULL, ORM_ENOMEM, "out of memory reading the revisions");
	if (!(r->all = orm_calloc(n + 1, sizeof *r->all)) ||
	    !(r->heads = orm_calloc(n + 1, sizeof *r->heads)) ||
	    !(sorted = orm_calloc(n + 1, sizeof *sorted)) || !(done = orm_calloc(n + 1, 1))) {
		rc = orm_err_set(&r->err, ORM_ENOMEM, "out of memory reading the revisions");
		goto done;
	}
	memcpy(sorted, list, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, by_id);
	for (size_t i = 0; i < n; i++)
		if ((rc = check_revision(r, sorted, n, i)) < 0)
			goto done;
	if ((rc = sort_parents_first(r, sorted, n, done)) < 0 || r->count < n)
		goto done;
	find_heads(r, sorted, n);
done:
	orm_free(sorted);
	orm_free(done);
	return rc;
}

/* "a1b2c3d4e5f6, 0f1e2d3c4b5a" into buf. */
static const char *id_list(char *buf, size_t size, const orm_revision *const *list, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", list[i]->id);
	return buf;
}

int orm_revisions_resolve(const orm_revision **out, orm_revisions *r, const char *rev)
{
	const orm_revision *found = NULL;
	const orm_revision *matches[8];
	size_t nmatch = 0, len;
	char ids[200];

	assert(out && r && rev);
	*out = NULL;
	if (strcmp(rev, "base") == 0)
		return ORM_OK;
	if (strcmp(rev, "head") == 0) {
		if (r->nheads == 0)
			return orm_err_set(&r->err, ORM_ENOTFOUND,
			                   "there are no revisions: no head");
		if (r->nheads > 1)
			return orm_err_set(
			    &r->err, ORM_EINVAL,
			    "Multiple heads are present for given argument 'head' (%s); "
			    "name one, use 'heads' for all, or merge them",
			    id_list(ids, sizeof ids, r->heads, r->nheads));
		*out = r->heads[0];
		return ORM_OK;
	}
	len = strlen(rev);
	for (size_t i = 0; len > 0 && i < r->count; i++)
		if (strncmp(r->all[i]->id, rev, len) == 0) {
			if (nmatch < 8)
				matches[nmatch] = r->all[i];
			nmatch++;
			found = r->all[i];
		}
	if (nmatch == 0)
		return orm_err_set(&r->err, ORM_ENOTFOUND, "unknown revision '%s'", rev);
	if (nmatch > 1)
		return orm_err_set(&r->err, ORM_EINVAL, "ambiguous revision prefix '%s' (%s)", rev,
		                   id_list(ids, sizeof ids, matches, nmatch < 8 ? nmatch : 8));
	*out = found;
	return ORM_OK;
}

static bool is_head(const orm_revisions *r, const orm_revision *rev)
{
	for (size_t i = 0; i < r->nheads; i++)
		if (r->heads[i] == rev)
			return true;
	return false;
}

static size_t children(const orm_revisions *r, const orm_revision *rev)
{
	size_t n = 0;

	for (size_t i = 0; i < r->count; i++)
		n += (r->all[i]->down_revision && strcmp(r->all[i]->down_revision, rev->id) == 0) ||
		     (r->all[i]->down_revision2 && strcmp(r->all[i]->down_revision2, rev->id) == 0);
	return n;
}

void orm_revisions_history(FILE *out, const orm_revisions *r, bool verbose)
{
	for (size_t i = r->count; i-- > 0;) {
		const orm_revision *rev = r->all[i];
		char parents[64];
		const char *tags;

		if (rev->down_revision2)
			snprintf(parents, sizeof parents, "%s, %s", rev->down_revision,
			         rev->down_revision2);
		else
			snprintf(parents, sizeof parents, "%s",
			         rev->down_revision ? rev->down_revision : "<base>");
		tags = is_head(r, rev) ? " (head)" : children(r, rev) > 1 ? " (branchpoint)" : "";
		if (!verbose) {
			fprintf(out, "%s -> %s%s%s, %s\n", parents, rev->id, tags,
			        rev->down_revision2 ? " (mergepoint)" : "", rev->message);
			continue;
		}
		fprintf(out, "Rev: %s%s%s\n", rev->id, tags,
		        rev->down_revision2 ? " (mergepoint)" : "");
		fprintf(out, "Parent: %s\n", parents);
		fprintf(out, "Create Date: %s\n\n    %s\n\n", rev->create_date, rev->message);
	}
}

void orm_revisions_graph(FILE *out, const orm_revisions *r)
{
	fprintf(out, "digraph revisions {\n");
	fprintf(out, "\trankdir=BT;\n");
	fprintf(out, "\tnode [shape=box, style=rounded, fontname=\"monospace\"];\n");
	fprintf(out, "\tbase [shape=plaintext];\n");
	for (size_t i = 0; i < r->count; i++) {
		const orm_revision *rev = r->all[i];
		fprintf(out, "\t\"%s\" [label=\"%s%s\\n", rev->id, rev->id,
		        is_head(r, rev) ? " (head)" : "");
		for (const char *p = rev->message; *p; p++)
			fprintf(out, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
		fprintf(out, "\"];\n");
	}
	for (size_t i = 0; i < r->count; i++) {
		const orm_revision *rev = r->all[i];
		fprintf(out, "\t\"%s\" -> \"%s\";\n", rev->id,
		        rev->down_revision ? rev->down_revision : "base");
		if (rev->down_revision2)
			fprintf(out, "\t\"%s\" -> \"%s\";\n", rev->id, rev->down_revision2);
	}
	fprintf(out, "}\n");
}
