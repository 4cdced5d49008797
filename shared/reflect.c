/*
 * reflect.c - reading a database's schema back (chapter 7).
 *
 * Autogenerate and `migrate check` compare what the database has with
 * what the models declare. The dialect reads its catalog
 * (orm_migrate_dialect.reflect: sqlite_master and the PRAGMAs, or
 * pg_catalog) and fills an orm_reflection through the builders below;
 * this file owns the memory.
 */
#include <string.h>

#include "dialect.h"
#include "migrate_dialect.h"

static int nomem(orm_err *err)
{
	return orm_err_set(err, ORM_ENOMEM, "reflection: out of memory");
}

static bool dup(char **dst, const char *src)
{
	*dst = NULL;
	return !src || (*dst = orm_strdup(src)) != NULL;
}

static void *grow(void *array, size_t count, size_t elem)
{
	void *p = orm_realloc(array, (count + 1) * elem);
	if (p)
		memset((char *)p + count * elem, 0, elem);
	return p;
}

int orm_refl_add_table(orm_reflection *r, const char *name, orm_err *err)
{
	orm_refl_table *p = grow(r->tables, r->ntables, sizeof *p);

	if (!p)
		return nomem(err);
	r->tables = p;
	if (!dup(&p[r->ntables].name, name))
		return nomem(err);
	r->ntables++;
	return ORM_OK;
}

int orm_refl_add_column(orm_refl_table *t, const char *name, const char *type, bool nullable,
                        const char *server_default, orm_err *err)
{
	orm_refl_column *p = grow(t->columns, t->ncolumns, sizeof *p);

	if (!p)
		return nomem(err);
	t->columns = p;
	p = &p[t->ncolumns++];
	p->nullable = nullable;
	if (!dup(&p->name, name) || !dup(&p->type, type) ||
	    !dup(&p->server_default, server_default))
		return nomem(err);
	return ORM_OK;
}

int orm_refl_add_constraint(orm_refl_table *t, orm_refl_kind kind, const char *name, bool unique,
                            const char *columns, const char *referred, const char *sqltext,
                            orm_err *err)
{
	orm_refl_constraint *p = grow(t->constraints, t->nconstraints, sizeof *p);

	if (!p)
		return nomem(err);
	t->constraints = p;
	p = &p[t->nconstraints++];
	p->kind = kind;
	p->unique = unique;
	if (!dup(&p->name, name) || !dup(&p->columns, columns) || !dup(&p->referred, referred) ||
	    !dup(&p->sqltext, sqltext))
		return nomem(err);
	return ORM_OK;
}

int orm_refl_add_enum(orm_reflection *r, const char *name, orm_err *err)
{
	orm_refl_enum *p = grow(r->enums, r->nenums, sizeof *p);

	if (!p)
		return nomem(err);
	r->enums = p;
	if (!dup(&p[r->nenums].name, name))
		return nomem(err);
	r->nenums++;
	return ORM_OK;
}

int orm_refl_add_label(orm_refl_enum *e, const char *label, orm_err *err)
{
	char **p = grow(e->labels, e->nlabels, sizeof *p);

	if (!p)
		return nomem(err);
	e->labels = p;
	if (!dup(&p[e->nlabels], label))
		return nomem(err);
	e->nlabels++;
	return ORM_OK;
}

void orm_reflection_free(orm_reflection *r)
{
	for (size_t i = 0; i < r->ntables; i++) {
		orm_refl_table *t = &r->tables[i];
		for (size_t c = 0; c < t->ncolumns; c++) {
			orm_free(t->columns[c].name);
			orm_free(t->columns[c].type);
			orm_free(t->columns[c].server_default);
		}
		for (size_t c = 0; c < t->nconstraints; c++) {
			orm_free(t->constraints[c].name);
			orm_free(t->constraints[c].columns);
			orm_free(t->constraints[c].referred);
			orm_free(t->constraints[c].sqltext);
		}
		orm_free(t->columns);
		orm_free(t->constraints);
		orm_free(t->name);
	}
	for (size_t i = 0; i < r->nenums; i++) {
		for (size_t l = 0; l < r->enums[i].nlabels; l++)
			orm_free(r->enums[i].labels[l]);
		orm_free(r->enums[i].labels);
		orm_free(r->enums[i].name);
	}
	orm_free(r->tables);
	orm_free(r->enums);
	memset(r, 0, sizeof *r);
}

const orm_refl_table *orm_reflection_table(const orm_reflection *r, const char *name)
{
	for (size_t i = 0; i < r->ntables; i++)
		if (strcmp(r->tables[i].name, name) == 0)
			return &r->tables[i];
	return NULL;
}

int orm_reflect(orm_reflection *out, orm_conn *conn, orm_err *err)
{
	const orm_dialect *d = orm_engine_dialect(orm_conn_engine(conn));
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = d->migrate->reflect(out, conn, err)) < 0)
		orm_reflection_free(out);
	return rc;
}
