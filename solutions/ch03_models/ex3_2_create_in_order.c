/*
 * ex3_2_create_in_order.c - exercise 3.2 solved (BOOK.md, "Chapter 3 - Base and models").
 *
 * A depth-first topological sort: a model is placed after everything its foreign keys
 * refer to. Each model carries a mark: not seen, being visited (on the current path), or
 * placed. Reaching a model that is on the current path means the path has come back to
 * itself: a circle, for which no creation order exists.
 */
#include "ex3_2_create_in_order.h"

#include <string.h>

#include "orm/alloc.h"
#include "orm/error.h"

enum { NOT_SEEN = 0, VISITING, PLACED };

typedef struct sorter {
	const orm_model *const *models;
	size_t n;
	unsigned char *mark;
	const orm_model **out;
	size_t placed;
} sorter;

/* The index of the model a foreign key "table.column" refers to, or -1. */
static long referenced(const sorter *s, const char *foreign_key)
{
	const char *dot = strchr(foreign_key, '.');
	size_t len = dot ? (size_t)(dot - foreign_key) : strlen(foreign_key);

	for (size_t j = 0; j < s->n; j++) {
		const char *name = s->models[j]->tablename;
		if (strncmp(name, foreign_key, len) == 0 && name[len] == '\0')
			return (long)j;
	}
	return -1;
}

static int visit(sorter *s, size_t i)
{
	const orm_model *model = s->models[i];
	int rc;

	if (s->mark[i] == PLACED)
		return ORM_OK;
	if (s->mark[i] == VISITING)
		return ORM_EINVAL; /* back on the current path: a circle */
	s->mark[i] = VISITING;
	for (size_t c = 0; c < model->ncolumns; c++) {
		const char *fk = model->columns[c].foreign_key;
		long j;
		if (!fk)
			continue;
		if ((j = referenced(s, fk)) < 0)
			return ORM_EINVAL; /* a table that is not among the models */
		if ((size_t)j == i)
			continue; /* refers to itself: one CREATE TABLE does it */
		if ((rc = visit(s, (size_t)j)) < 0)
			return rc;
	}
	s->mark[i] = PLACED;
	s->out[s->placed++] = model;
	return ORM_OK;
}

int create_in_order(const orm_model **out, const orm_model *const *models, size_t n)
{
	sorter s = {models, n, NULL, out, 0};
	int rc = ORM_OK;

	if (n == 0)
		return ORM_OK;
	if (!(s.mark = orm_calloc(n, 1)))
		return ORM_ENOMEM;
	for (size_t i = 0; i < n && rc == ORM_OK; i++)
		rc = visit(&s, i);
	orm_free(s.mark);
	return rc;
}
