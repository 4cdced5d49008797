/*
 * autogenerate.c - what differs between the models and the database, and
 * the revision that makes them agree (chapter 7).
 *
 * The database is reflected (reflect.c, through the dialect) and each
 * registered model compared with its table. Every difference becomes one
 * item, which knows three things: its line for `check` ("Detected added
 * column 'events.location'"), its C for the revision file, and the
 * operations it stands for, so a program can run the revision it has
 * just written without compiling it (chapter 7's program does). The C
 * is written by autogenerate_write.c.
 */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddl.h"
#include "migration_internal.h"
#include "orm/autogenerate.h"
#include "schema_internal.h"

#include "autogenerate_internal.h"

void orm_autogen_free(orm_autogen *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->count; i++) {
		item *it = &a->items[i];
		orm_free(it->table);
		orm_free(it->name);
		orm_free(it->columns);
		orm_free(it->old_type);
		orm_free(it->rename_to);
		orm_free(it->ref_table);
		orm_free(it->ref_columns);
		orm_free(it->sqltext);
		orm_free((char *)it->old.name);
		orm_free((char *)it->from.name);
		for (size_t l = 0; l < it->from.nlabels; l++)
			orm_free((char *)it->from.labels[l]);
		orm_free((char **)it->from.labels);
	}
	orm_free(a->items);
	orm_free(a);
}

size_t orm_autogen_count(const orm_autogen *a)
{
	return a->count;
}

static item *add_item(orm_autogen *a, item_kind kind, const char *table, const char *name)
{
	item *it;

	if (a->count == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 8;
		item *p = orm_realloc(a->items, ncap * sizeof *p);
		if (!p)
			return NULL;
		a->items = p;
		a->cap = ncap;
	}
	it = &a->items[a->count];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	if (!(it->table = orm_strdup(table)) || (name && !(it->name = orm_strdup(name)))) {
		orm_free(it->table);
		return NULL;
	}
	a->count++;
	return it;
}

/* A reflected type read back as a column declaration; false when it is
 * not one of ours (an enum's type, say). */
static bool parse_type(orm_column *col, const char *type)
{
	static const struct {
		const char *name;
		orm_column_type type;
	} names[] = {
	    {"INTEGER", ORM_INTEGER},   {"BIGINT", ORM_BIGINTEGER},
	    {"TEXT", ORM_TEXT},         {"BOOLEAN", ORM_BOOLEAN},
	    {"FLOAT", ORM_FLOAT},       {"DATE", ORM_DATE},
	    {"DATETIME", ORM_DATETIME}, {"TIMESTAMP WITHOUT TIME ZONE", ORM_DATETIME},
	};
	if (strncasecmp(type, "VARCHAR", 7) == 0) {
		col->type = ORM_STRING;
		col->length = type[7] == '(' ? atoi(type + 8) : 0;
		return type[7] == '\0' || type[7] == '(';
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(type, names[i].name) == 0) {
			col->type = names[i].type;
			return true;
		}
	return false;
}

/* The labels in "col IN ('a', 'b')" (an enum's CHECK on SQLite). */
static int labels_from_check(orm_enum *e, const char *name, const char *sqltext)
{
	const char *p = sqltext;
	char **labels = NULL;
	size_t n = 0;

	if (!(e->name = orm_strdup(name)))
		return ORM_ENOMEM;
	while ((p = strchr(p, '\''))) {
		const char *q = p + 1;
		orm_buf b = ORM_BUF_INIT;
		char **grown;
		for (; *q; q++) {
			if (*q == '\'' && q[1] == '\'') {
				orm_buf_putc(&b, '\'');
				q++;
			} else if (*q == '\'') {
				break;
			} else {
				orm_buf_putc(&b, *q);
			}
		}
		grown = orm_realloc(labels, (n + 1) * sizeof *grown);
		if (!grown || b.failed || !(grown[n] = orm_buf_detach(&b))) {
			orm_buf_free(&b);
			if (grown)
				labels = grown;
			e->labels = (const char *const *)labels;
			e->nlabels = n;
			return ORM_ENOMEM;
		}
		labels = grown;
		n++;
		p = *q ? q + 1 : q;
	}
	e->labels = (const char *const *)labels;
	e->nlabels = n;
	return ORM_OK;
}

static int copy_labels(orm_enum *e, const orm_refl_enum *r)
{
	char **labels = orm_calloc(r->nlabels + 1, sizeof *labels);

	e->labels = (const char *const *)labels;
	if (!labels || !(e->name = orm_strdup(r->name)))
		return ORM_ENOMEM;
	for (size_t i = 0; i < r->nlabels; i++) {
		if (!(labels[i] = orm_strdup(r->labels[i])))
			return ORM_ENOMEM;
		e->nlabels++;
	}
	return ORM_OK;
}

static bool same_labels(const orm_enum *a, const orm_enum *b)
{
	if (a->nlabels != b->nlabels)
		return false;
	for (size_t i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i], b->labels[i]) != 0)
			return false;
	return true;
}

/* The enum's labels as the database has them: PostgreSQL's type, or the
 * CHECK named after the enum on SQLite. Found: *found. */
static int reflected_enum(orm_enum *out, bool *found, const orm_reflection *r,
                          const orm_refl_table *t, const orm_column *col)
{
	const char *name = col->enum_type->name;

	*found = false;
	for (size_t i = 0; i < r->nenums; i++)
		if (strcmp(r->enums[i].name, name) == 0) {
			*found = true;
			return copy_labels(out, &r->enums[i]);
		}
	for (size_t i = 0; i < t->nconstraints; i++) {
		const orm_refl_constraint *k = &t->constraints[i];
		if (k->kind == ORM_REFL_CHECK && k->name && strcmp(k->name, name) == 0) {
			*found = true;
			return labels_from_check(out, name, k->sqltext);
		}
	}
	return ORM_OK;
}

static const orm_refl_column *refl_column(const orm_refl_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncolumns; i++)
		if (strcmp(t->columns[i].name, name) == 0)
			return &t->columns[i];
	return NULL;
}

static int compare_columns(orm_autogen *a, const orm_reflection *r, const orm_model *m,
                           const orm_refl_table *t)
{
	orm_buf type = ORM_BUF_INIT;
	item *it;

	for (size_t c = 0; c < m->ncolumns; c++) {
		const orm_column *col = &m->columns[c];
		const orm_refl_column *rc = refl_column(t, col->name);

		if (!rc) {
			if (!(it = add_item(a, ADD_COLUMN, m->tablename, col->name)))
				goto nomem;
			it->model = m;
			it->column = col;
			continue;
		}
		orm_buf_reset(&type);
		a->d->column_type(&type, col, false);
		if (type.failed)
			goto nomem;
		if (col->type == ORM_ENUM) {
			orm_enum have = {0};
			bool found;
			int rc2 = reflected_enum(&have, &found, r, t, col);
			if (rc2 == ORM_OK && found && !same_labels(&have, col->enum_type)) {
				if (!(it = add_item(a, ALTER_ENUM, m->tablename, col->name)))
					rc2 = ORM_ENOMEM;
				else {
					it->column = col;
					it->from = have;
					have.labels = NULL;
					have.nlabels = 0;
					have.name = NULL;
				}
			}
			for (size_t l = 0; l < have.nlabels; l++)
				orm_free((char *)have.labels[l]);
			orm_free((char **)have.labels);
			orm_free((char *)have.name);
			if (rc2 < 0)
				goto nomem;
			if (!a->d->native_enum)
				goto nullability; /* the VARCHAR(n) follows the labels */
		}
		if (strcasecmp(orm_buf_cstr(&type), rc->type) != 0) {
			if (!(it = add_item(a, ALTER_TYPE, m->tablename, col->name)) ||
			    !(it->old_type = orm_strdup(rc->type)) ||
			    !(it->old.name = orm_strdup(col->name)))
				goto nomem;
			it->column = col;
			it->old_known = parse_type(&it->old, rc->type);
		}
	nullability:
		if (orm_schema_column_nullable(col) != rc->nullable) {
			if (!(it = add_item(a, ALTER_NULLABLE, m->tablename, col->name)))
				goto nomem;
			it->column = col;
			it->nullable = rc->nullable;
		}
	}
	for (size_t c = 0; c < t->ncolumns; c++) {
		const orm_refl_column *rc = &t->columns[c];
		if (orm_model_column(m, rc->name))
			continue;
		if (!(it = add_item(a, DROP_COLUMN, m->tablename, rc->name)) ||
		    !(it->old_type = orm_strdup(rc->type)) ||
		    !(it->old.name = orm_strdup(rc->name)))
			goto nomem;
		it->old_known = parse_type(&it->old, rc->type);
		it->old.nullable = rc->nullable ? ORM_NULLABLE_YES : ORM_NULLABLE_NO;
	}
	orm_buf_free(&type);
	return ORM_OK;
nomem:
	orm_buf_free(&type);
	return orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
}

/* A column dropped and one added to the same table, the only two of
 * their type among the table's changes: probably a rename. */
static int find_renames(orm_autogen *a, const char *table)
{
	orm_buf type = ORM_BUF_INIT;
	int rc = ORM_OK;

	for (size_t i = 0; i < a->count && rc == ORM_OK; i++) {
		item *dropped = &a->items[i], *added = NULL;
		size_t nadded = 0, ndropped = 0;

		if (dropped->kind != DROP_COLUMN || strcmp(dropped->table, table) != 0)
			continue;
		for (size_t j = 0; j < a->count; j++) {
			item *it = &a->items[j];
			if (strcmp(it->table, table) != 0)
				continue;
			if (it->kind == DROP_COLUMN &&
			    strcasecmp(it->old_type, dropped->old_type) == 0)
				ndropped++;
			if (it->kind != ADD_COLUMN)
				continue;
			orm_buf_reset(&type);
			a->d->column_type(&type, it->column, false);
			if (strcasecmp(orm_buf_cstr(&type), dropped->old_type) == 0) {
				added = it;
				nadded++;
			}
		}
		if (nadded == 1 && ndropped == 1 && !(dropped->rename_to = orm_strdup(added->name)))
			rc = orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	}
	orm_buf_free(&type);
	return rc;
}

/* ---- constraints: UNIQUE, FOREIGN KEY, CHECK ------------------------- */

/* Whether two column lists name the same columns in the same order,
 * whatever the spaces ("a,b" and "a, b"). */
static bool same_columns(const char *x, const char *y)
{
	while (*x || *y) {
		while (*x == ' ')
			x++;
		while (*y == ' ')
			y++;
		if (*x != *y)
			return false;
		if (*x)
			x++, y++;
	}
	return true;
}

static char *dup_or_null(const char *s, bool *failed)
{
	char *d = s ? orm_strdup(s) : NULL;
	if (s && !d)
		*failed = true;
	return d;
}

/* A constraint item; any of the texts may be NULL. */
static item *add_constraint_item(orm_autogen *a, item_kind kind, const char *table,
                                 const char *name, const char *columns, const char *ref_table,
                                 const char *ref_columns, const char *sqltext)
{
	item *it = add_item(a, kind, table, name);
	bool failed = false;

	if (!it)
		return NULL;
	it->columns = dup_or_null(columns, &failed);
	it->ref_table = dup_or_null(ref_table, &failed);
	it->ref_columns = dup_or_null(ref_columns, &failed);
	it->sqltext = dup_or_null(sqltext, &failed);
	return failed ? NULL : it;
}

/* "users (id)" into its table and columns. */
static void split_referred(char *table, size_t tsize, char *cols, size_t csize, const char *ref)
{
	const char *open = strchr(ref, '(');
	size_t n = open ? (size_t)(open - ref) : strlen(ref);

	while (n > 0 && ref[n - 1] == ' ')
		n--;
	snprintf(table, tsize, "%.*s", (int)n, ref);
	snprintf(cols, csize, "%s", open ? open + 1 : "");
	if (strchr(cols, ')'))
		*strchr(cols, ')') = '\0';
}

/* A generated constraint name: prefix_table_col1_col2. */
static void constraint_name(char *out, size_t size, const char *prefix, const char *table,
                            const char *columns, const char *suffix)
{
	size_t n;

	snprintf(out, size, "%s_%s_", prefix, table);
	n = strlen(out);
	for (const char *p = columns; *p && n + 1 < size; p++)
		if (*p != ' ')
			out[n++] = *p == ',' ? '_' : *p;
	out[n] = '\0';
	if (suffix)
		snprintf(out + n, size - n, "_%s", suffix);
}

static bool is_enum_check(const orm_model *m, const char *name)
{
	for (size_t c = 0; c < m->ncolumns; c++)
		if (m->columns[c].type == ORM_ENUM && m->columns[c].enum_type &&
		    strcmp(m->columns[c].enum_type->name, name) == 0)
			return true;
	return false;
}

static int compare_constraints(orm_autogen *a, const orm_model *m, const orm_refl_table *t)
{
	bool *matched = orm_calloc(t->nconstraints + 1, sizeof *matched);
	char name[200], reft[128], refc[128];
	int rc = ORM_OK;

	if (!matched)
		return orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	/* UNIQUE: each column's own (when no unique index does the job), then
	 * the composite ones; compared by their columns. */
	for (size_t i = 0; i < m->ncolumns + m->nconstraints && rc == ORM_OK; i++) {
		const char *cols, *own = NULL;
		bool found = false;

		if (i < m->ncolumns) {
			if (!m->columns[i].unique || m->columns[i].index)
				continue;
			cols = m->columns[i].name;
		} else {
			const orm_constraint *k = &m->constraints[i - m->ncolumns];
			if (k->kind != ORM_UNIQUE_CONSTRAINT)
				continue;
			cols = k->columns;
			own = k->name;
		}
		for (size_t k = 0; k < t->nconstraints && !found; k++)
			if (t->constraints[k].kind == ORM_REFL_UNIQUE && !matched[k] &&
			    same_columns(t->constraints[k].columns, cols))
				found = matched[k] = true;
		if (found)
			continue;
		constraint_name(name, sizeof name, "uq", m->tablename, cols, NULL);
		if (!add_constraint_item(a, ADD_UNIQUE, m->tablename, own ? own : name, cols, NULL,
		                         NULL, NULL))
			rc = orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	}
	/* FOREIGN KEY: each column's, compared by column and target. A new
	 * column brings its own (add_column writes REFERENCES). */
	for (size_t i = 0; i < m->ncolumns && rc == ORM_OK; i++) {
		const orm_column *col = &m->columns[i];
		const char *dot;
		bool found = false;

		if (!col->foreign_key || !(dot = strrchr(col->foreign_key, '.')) ||
		    !refl_column(t, col->name))
			continue;
		snprintf(reft, sizeof reft, "%.*s", (int)(dot - col->foreign_key),
		         col->foreign_key);
		for (size_t k = 0; k < t->nconstraints && !found; k++) {
			const orm_refl_constraint *c = &t->constraints[k];
			char ht[128], hc[128];
			if (c->kind != ORM_REFL_FOREIGN || matched[k] || !c->referred ||
			    !same_columns(c->columns, col->name))
				continue;
			split_referred(ht, sizeof ht, hc, sizeof hc, c->referred);
			if (strcmp(ht, reft) == 0 && same_columns(hc, dot + 1))
				found = matched[k] = true;
		}
		if (found)
			continue;
		constraint_name(name, sizeof name, "fk", m->tablename, col->name, reft);
		if (!add_constraint_item(a, ADD_FOREIGN, m->tablename, name, col->name, reft,
		                         dot + 1, NULL))
			rc = orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	}
	/* CHECK: the named ones, by name (an enum's CHECK belongs to the enum). */
	for (size_t i = 0; i < m->nconstraints && rc == ORM_OK; i++) {
		const orm_constraint *k = &m->constraints[i];
		bool found = false;

		if (k->kind != ORM_CHECK_CONSTRAINT || !k->name)
			continue;
		for (size_t c = 0; c < t->nconstraints && !found; c++)
			if (t->constraints[c].kind == ORM_REFL_CHECK && t->constraints[c].name &&
			    strcmp(t->constraints[c].name, k->name) == 0)
				found = matched[c] = true;
		if (!found && !add_constraint_item(a, ADD_CHECK, m->tablename, k->name, NULL, NULL,
		                                   NULL, k->columns))
			rc = orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	}
	/* What the database has beyond that. Unnamed CHECKs cannot be told
	 * apart reliably (each database rewrites the expression): left alone. */
	for (size_t k = 0; k < t->nconstraints && rc == ORM_OK; k++) {
		const orm_refl_constraint *c = &t->constraints[k];
		item_kind kind;

		if (matched[k] || c->kind == ORM_REFL_INDEX)
			continue;
		if (c->kind == ORM_REFL_CHECK) {
			if (!c->name || is_enum_check(m, c->name))
				continue;
			bool declared = false;
			for (size_t i = 0; i < m->nconstraints && !declared; i++)
				declared = m->constraints[i].kind == ORM_CHECK_CONSTRAINT &&
				           !m->constraints[i].name;
			if (declared)
				continue; /* perhaps the model's unnamed one, named by a convention */
			kind = DROP_CHECK;
		} else if (c->kind == ORM_REFL_FOREIGN) {
			const orm_column *col = orm_model_column(m, c->columns);
			if (!col)
				continue; /* its column goes: so does it */
			kind = DROP_FOREIGN;
		} else {
			kind = DROP_UNIQUE;
		}
		reft[0] = refc[0] = '\0';
		if (c->referred)
			split_referred(reft, sizeof reft, refc, sizeof refc, c->referred);
		if (!add_constraint_item(a, kind, t->name, c->name, c->columns,
		                         c->referred ? reft : NULL, c->referred ? refc : NULL,
		                         c->sqltext))
			rc = orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	}
	orm_free(matched);
	return rc;
}

/* PostgreSQL enum types that no model's column uses. */
static int compare_enum_types(orm_autogen *a, orm_metadata *md, const orm_reflection *r)
{
	size_t n;
	const orm_model *const *models = orm_metadata_models(md, &n);

	for (size_t e = 0; e < r->nenums; e++) {
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			for (size_t c = 0; c < models[i]->ncolumns && !used; c++)
				used = models[i]->columns[c].type == ORM_ENUM &&
				       strcmp(models[i]->columns[c].enum_type->name,
				              r->enums[e].name) == 0;
		if (!used && !add_item(a, EXTRA_ENUM, r->enums[e].name, NULL))
			return orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	}
	return ORM_OK;
}

/* "CREATE [UNIQUE] INDEX name ON t (cols)": the index's columns. */
static char *index_columns(const char *sql)
{
	const char *open = strrchr(sql, '('), *close = strrchr(sql, ')');
	char *s;

	if (!open || !close || close < open)
		return NULL;
	if (!(s = orm_malloc((size_t)(close - open))))
		return NULL;
	memcpy(s, open + 1, (size_t)(close - open - 1));
	s[close - open - 1] = '\0';
	return s;
}

static int compare_indexes(orm_autogen *a, orm_metadata *md, const orm_reflection *r)
{
	orm_ddl_plan plan;
	item *it;
	int rc;

	if ((rc = orm_ddl_plan_create(&plan, md, a->d)) < 0)
		return orm_err_set(&a->err, rc, "%s", orm_metadata_errmsg(md));
	for (size_t i = 0; i < plan.count; i++) {
		const orm_ddl_step *s = &plan.steps[i];
		const orm_refl_table *t;
		bool have = false;

		if (s->kind != ORM_DDL_INDEX || !(t = orm_reflection_table(r, s->model->tablename)))
			continue; /* a new table brings its indexes */
		for (size_t k = 0; k < t->nconstraints && !have; k++)
			have = t->constraints[k].kind == ORM_REFL_INDEX &&
			       strcmp(t->constraints[k].name, s->name) == 0;
		if (have)
			continue;
		if (!(it = add_item(a, ADD_INDEX, s->model->tablename, s->name)) ||
		    !(it->columns = index_columns(s->sql))) {
			rc = orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
			goto done;
		}
		it->unique = strncmp(s->sql, "CREATE UNIQUE", 13) == 0;
	}
	for (size_t i = 0; i < r->ntables; i++) {
		const orm_refl_table *t = &r->tables[i];
		if (!orm_metadata_model(md, t->name))
			continue;
		for (size_t k = 0; k < t->nconstraints; k++) {
			const orm_refl_constraint *c = &t->constraints[k];
			bool have = false;
			if (c->kind != ORM_REFL_INDEX)
				continue;
			for (size_t p = 0; p < plan.count && !have; p++)
				have = plan.steps[p].kind == ORM_DDL_INDEX &&
				       strcmp(plan.steps[p].name, c->name) == 0;
			if (have)
				continue;
			if (!(it = add_item(a, DROP_INDEX, t->name, c->name)) ||
			    !(it->columns = orm_strdup(c->columns))) {
				rc =
				    orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
				goto done;
			}
			it->unique = c->unique;
		}
	}
done:
	orm_ddl_plan_free(&plan);
	return rc;
}

int orm_autogen_compare(orm_autogen **out, orm_metadata *md, orm_engine *engine)
{
	orm_autogen *a = orm_calloc(1, sizeof *a);
	orm_reflection r = {0};
	orm_conn *conn = NULL;
	const orm_model *const *models;
	size_t nmodels;
	int rc;

	assert(out && md && engine);
	*out = a;
	if (!a)
		return orm_err_set(NULL, ORM_ENOMEM, "autogenerate: out of memory");
	a->d = orm_engine_dialect(engine);
	if ((rc = orm_metadata_sorted(&models, &nmodels, md)) < 0)
		return orm_err_set(&a->err, rc, "%s", orm_metadata_errmsg(md));
	if ((rc = orm_engine_connect(&conn, engine)) < 0)
		return orm_err_set(&a->err, rc, "%s", orm_errmsg(engine));
	if ((rc = orm_reflect(&r, conn, &a->err)) < 0)
		goto done;
	for (size_t i = 0; i < nmodels && rc == ORM_OK; i++) {
		const orm_refl_table *t = orm_reflection_table(&r, models[i]->tablename);
		item *it;
		if (!t) {
			if (!(it = add_item(a, ADD_TABLE, models[i]->tablename, NULL)))
				rc =
				    orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
			else
				it->model = models[i];
			continue;
		}
		if ((rc = compare_columns(a, &r, models[i], t)) == ORM_OK &&
		    (rc = find_renames(a, models[i]->tablename)) == ORM_OK)
			rc = compare_constraints(a, models[i], t);
	}
	for (size_t i = 0; i < r.ntables && rc == ORM_OK; i++)
		if (!orm_metadata_model(md, r.tables[i].name) &&
		    !add_item(a, EXTRA_TABLE, r.tables[i].name, NULL))
			rc = orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	if (rc == ORM_OK)
		rc = compare_indexes(a, md, &r);
	if (rc == ORM_OK)
		rc = compare_enum_types(a, md, &r);
done:
	orm_reflection_free(&r);
	orm_conn_close(conn);
	return rc;
}

/* ---- describing ------------------------------------------------------ */

static void put_labels(FILE *out, const orm_enum *e)
{
	fputc('[', out);
	for (size_t i = 0; i < e->nlabels; i++)
		fprintf(out, "%s'%s'", i ? ", " : "", e->labels[i]);
	fputc(']', out);
}

void orm_autogen_describe(FILE *out, const orm_autogen *a)
{
	for (size_t i = 0; i < a->count; i++) {
		const item *it = &a->items[i];
		switch (it->kind) {
		case ADD_TABLE:
			fprintf(out, "Detected added table '%s'\n", it->table);
			break;
		case EXTRA_TABLE:
			fprintf(out,
			        "Detected table '%s' that no model declares (not dropped: write "
			        "drop_table by hand if it should go)\n",
			        it->table);
			break;
		case ADD_COLUMN:
			fprintf(out, "Detected added column '%s.%s'\n", it->table, it->name);
			break;
		case DROP_COLUMN:
			fprintf(out, "Detected removed column '%s.%s'%s%s%s\n", it->table, it->name,
			        it->rename_to ? " (probably renamed to '" : "",
			        it->rename_to ? it->rename_to : "", it->rename_to ? "')" : "");
			break;
		case ALTER_NULLABLE:
			fprintf(out, "Detected %s on column '%s.%s'\n",
			        it->nullable ? "NOT NULL" : "NULL", it->table, it->name);
			break;
		case ALTER_TYPE: {
			orm_buf b = ORM_BUF_INIT;
			a->d->column_type(&b, it->column, false);
			fprintf(out, "Detected type change from %s to %s on '%s.%s'\n",
			        it->old_type, orm_buf_cstr(&b), it->table, it->name);
			orm_buf_free(&b);
			break;
		}
		case ADD_INDEX:
			fprintf(out, "Detected added index '%s' on '%s (%s)'\n", it->name,
			        it->table, it->columns);
			break;
		case DROP_INDEX:
			fprintf(out, "Detected removed index '%s' on '%s'\n", it->name, it->table);
			break;
		case ADD_UNIQUE:
		case DROP_UNIQUE:
			fprintf(out, "Detected %s unique constraint '%s' on '%s (%s)'\n",
			        it->kind == ADD_UNIQUE ? "added" : "removed",
			        it->name ? it->name : "(unnamed)", it->table, it->columns);
			break;
		case ADD_FOREIGN:
		case DROP_FOREIGN:
			fprintf(out, "Detected %s foreign key '%s' on '%s (%s)' -> '%s (%s)'\n",
			        it->kind == ADD_FOREIGN ? "added" : "removed",
			        it->name ? it->name : "(unnamed)", it->table, it->columns,
			        it->ref_table ? it->ref_table : "?",
			        it->ref_columns ? it->ref_columns : "?");
			break;
		case ADD_CHECK:
		case DROP_CHECK:
			fprintf(out, "Detected %s check constraint '%s' on '%s'\n",
			        it->kind == ADD_CHECK ? "added" : "removed", it->name, it->table);
			break;
		case EXTRA_ENUM:
			fprintf(out,
			        "Detected enum type '%s' that no model uses (not dropped: write "
			        "drop_enum by hand if it should go)\n",
			        it->table);
			break;
		case ALTER_ENUM:
			fprintf(out, "Detected enum '%s' labels changed on '%s.%s': ",
			        it->column->enum_type->name, it->table, it->name);
			put_labels(out, &it->from);
			fputs(" -> ", out);
			put_labels(out, it->column->enum_type);
			fputc('\n', out);
			break;
		}
	}
}

/* ---- running --------------------------------------------------------- */

static int run_item(orm_op *op, const item *it, bool up)
{
	orm_alter_column alter = ORM_ALTER_COLUMN_INIT;
	orm_column old;

	switch (it->kind) {
	case ADD_TABLE:
		return up ? orm_op_create_table(op, it->model) : orm_op_drop_table(op, it->model);
	case EXTRA_TABLE:
		return ORM_OK;
	case ADD_COLUMN:
		return up ? orm_op_add_column(op, it->table, it->column)
		          : orm_op_drop_column(op, it->table, it->name);
	case DROP_COLUMN:
		if (up)
			return orm_op_drop_column(op, it->table, it->name);
		if (!it->old_known)
			return orm_err_set(
			    &op->err, ORM_EINVAL,
			    "downgrade: column '%s.%s' of type %s cannot be added back "
			    "automatically",
			    it->table, it->name, it->old_type);
		return orm_op_add_column(op, it->table, &it->old);
	case ALTER_NULLABLE:
		alter.nullable =
		    (up ? !it->nullable : it->nullable) ? ORM_NULLABLE_YES : ORM_NULLABLE_NO;
		return orm_op_alter_column(op, it->table, it->name, &alter);
	case ALTER_TYPE:
		if (!it->old_known && !up)
			return orm_err_set(&op->err, ORM_EINVAL,
			                   "downgrade: type %s of '%s.%s' cannot be written back "
			                   "automatically",
			                   it->old_type, it->table, it->name);
		old = it->old;
		alter.type = up ? it->column : &old;
		return orm_op_alter_column(op, it->table, it->name, &alter);
	case ADD_INDEX:
		return up ? orm_op_create_index(op, it->name, it->table, it->columns, it->unique)
		          : orm_op_drop_index(op, it->name, it->table);
	case DROP_INDEX:
		return up ? orm_op_drop_index(op, it->name, it->table)
		          : orm_op_create_index(op, it->name, it->table, it->columns, it->unique);
	case ADD_UNIQUE:
	case DROP_UNIQUE:
		if (!it->name)
			return ORM_OK; /* unnamed: reported only */
		if ((it->kind == ADD_UNIQUE) == up)
			return orm_op_create_unique_constraint(op, it->name, it->table,
			                                       it->columns);
		return orm_op_drop_constraint(op, it->name, it->table);
	case ADD_FOREIGN:
	case DROP_FOREIGN:
		if (!it->name)
			return ORM_OK;
		if ((it->kind == ADD_FOREIGN) == up)
			return orm_op_create_foreign_key(op, it->name, it->table, it->columns,
			                                 it->ref_table, it->ref_columns);
		return orm_op_drop_constraint(op, it->name, it->table);
	case ADD_CHECK:
	case DROP_CHECK:
		if ((it->kind == ADD_CHECK) == up)
			return orm_op_create_check_constraint(op, it->name, it->table, it->sqltext);
		return orm_op_drop_constraint(op, it->name, it->table);
	case EXTRA_ENUM:
		return ORM_OK;
	case ALTER_ENUM:
		return up ? orm_op_alter_enum(op, it->table, it->name, &it->from,
		                              it->column->enum_type)
		          : orm_op_alter_enum(op, it->table, it->name, it->column->enum_type,
		                              &it->from);
	}
	return ORM_OK;
}

int orm_autogen_upgrade(orm_op *op, const orm_autogen *a)
{
	int rc = ORM_OK;

	for (size_t i = 0; i < a->count && rc == ORM_OK; i++)
		rc = run_item(op, &a->items[i], true);
	return rc;
}

int orm_autogen_downgrade(orm_op *op, const orm_autogen *a)
{
	int rc = ORM_OK;

	for (size_t i = a->count; i-- > 0 && rc == ORM_OK;)
		rc = run_item(op, &a->items[i], false);
	return rc;
}
