/*
 * autogenerate.c - what differs between the models and the database, and
 * the revision that makes them agree (chapter 7).
 *
 * The database is reflected (reflect.c, through the dialect) and each
 * registered model compared with its table. Every difference becomes one
 * item, which knows three things: its line for `check` ("Detected added
 * column 'events.location'"), its C for the revision file, and the
 * operations it stands for, so a program can run the revision it has
 * just written without compiling it (chapter 7's program does). The
 * lines and the operations are autogenerate_ops.c's, the C is written by
 * autogenerate_write.c.
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

/* An enum column whose labels differ from those the database has: an
 * ALTER_ENUM item, which keeps the labels read back. */
static int compare_enum_labels(orm_autogen *a, const orm_reflection *r, const orm_model *m,
                               const orm_refl_table *t, const orm_column *col)
{
	orm_enum have = {0};
	bool found;
	item *it;
	int rc = reflected_enum(&have, &found, r, t, col);

	if (rc == ORM_OK && found && !same_labels(&have, col->enum_type)) {
		if (!(it = add_item(a, ALTER_ENUM, m->tablename, col->name))) {
			rc = ORM_ENOMEM;
		} else {
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
	return rc;
}

/* A model's column against the database's: an enum's labels, the type,
 * the nullability. `type` is a buffer to write the model's type in. */
static int compare_column(orm_autogen *a, const orm_reflection *r, const orm_model *m,
                          const orm_refl_table *t, const orm_column *col,
                          const orm_refl_column *have, orm_buf *type)
{
	/* Without enum types in the database, the VARCHAR(n) follows the
	 * labels: no type change of its own. */
	bool type_follows_labels = col->type == ORM_ENUM && !a->d->native_enum;
	item *it;

	orm_buf_reset(type);
	a->d->column_type(type, col, false);
	if (type->failed)
		return ORM_ENOMEM;
	if (col->type == ORM_ENUM && compare_enum_labels(a, r, m, t, col) < 0)
		return ORM_ENOMEM;
	if (!type_follows_labels && strcasecmp(orm_buf_cstr(type), have->type) != 0) {
		if (!(it = add_item(a, ALTER_TYPE, m->tablename, col->name)) ||
		    !(it->old_type = orm_strdup(have->type)) ||
		    !(it->old.name = orm_strdup(col->name)))
			return ORM_ENOMEM;
		it->column = col;
		it->old_known = parse_type(&it->old, have->type);
	}
	if (orm_schema_column_nullable(col) != have->nullable) {
		if (!(it = add_item(a, ALTER_NULLABLE, m->tablename, col->name)))
			return ORM_ENOMEM;
		it->column = col;
		it->nullable = have->nullable;
	}
	return ORM_OK;
}

/* The database's columns that the model no longer declares. */
static int find_dropped_columns(orm_autogen *a, const orm_model *m, const orm_refl_table *t)
{
	item *it;

	for (size_t c = 0; c < t->ncolumns; c++) {
		const orm_refl_column *have = &t->columns[c];
		if (orm_model_column(m, have->name))
			continue;
		if (!(it = add_item(a, DROP_COLUMN, m->tablename, have->name)) ||
		    !(it->old_type = orm_strdup(have->type)) ||
		    !(it->old.name = orm_strdup(have->name)))
			return ORM_ENOMEM;
		it->old_known = parse_type(&it->old, have->type);
		it->old.nullable = have->nullable ? ORM_NULLABLE_YES : ORM_NULLABLE_NO;
	}
	return ORM_OK;
}

static int compare_columns(orm_autogen *a, const orm_reflection *r, const orm_model *m,
                           const orm_refl_table *t)
{
	orm_buf type = ORM_BUF_INIT;
	item *it;
	int rc = ORM_OK;

	for (size_t c = 0; c < m->ncolumns && rc == ORM_OK; c++) {
		const orm_column *col = &m->columns[c];
		const orm_refl_column *have = refl_column(t, col->name);

		if (have) {
			rc = compare_column(a, r, m, t, col, have, &type);
		} else if (!(it = add_item(a, ADD_COLUMN, m->tablename, col->name))) {
			rc = ORM_ENOMEM;
		} else {
			it->model = m;
			it->column = col;
		}
	}
	orm_buf_free(&type);
	if (rc == ORM_OK)
		rc = find_dropped_columns(a, m, t);
	if (rc < 0)
		return orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	return ORM_OK;
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

/* UNIQUE: each column's own (when no unique index does the job), then
 * the composite ones; compared by their columns. */
static int compare_unique(orm_autogen *a, const orm_model *m, const orm_refl_table *t,
                          bool *matched)
{
	char name[200];

	for (size_t i = 0; i < m->ncolumns + m->nconstraints; i++) {
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
			return ORM_ENOMEM;
	}
	return ORM_OK;
}

/* Whether the database has a foreign key from `column` to `ref_table`
 * (`ref_columns`) not matched yet; it is matched now. */
static bool has_foreign_key(const orm_refl_table *t, bool *matched, const char *column,
                            const char *ref_table, const char *ref_columns)
{
	for (size_t k = 0; k < t->nconstraints; k++) {
		const orm_refl_constraint *c = &t->constraints[k];
		char ht[128], hc[128];
		if (c->kind != ORM_REFL_FOREIGN || matched[k] || !c->referred ||
		    !same_columns(c->columns, column))
			continue;
		split_referred(ht, sizeof ht, hc, sizeof hc, c->referred);
		if (strcmp(ht, ref_table) == 0 && same_columns(hc, ref_columns))
			return matched[k] = true;
	}
	return false;
}

/* FOREIGN KEY: each column's, compared by column and target. A new
 * column brings its own (add_column writes REFERENCES). */
static int compare_foreign_keys(orm_autogen *a, const orm_model *m, const orm_refl_table *t,
                                bool *matched)
{
	char name[200], reft[128];

	for (size_t i = 0; i < m->ncolumns; i++) {
		const orm_column *col = &m->columns[i];
		const char *dot;

		if (!col->foreign_key || !(dot = strrchr(col->foreign_key, '.')) ||
		    !refl_column(t, col->name))
			continue;
		snprintf(reft, sizeof reft, "%.*s", (int)(dot - col->foreign_key),
		         col->foreign_key);
		if (has_foreign_key(t, matched, col->name, reft, dot + 1))
			continue;
		constraint_name(name, sizeof name, "fk", m->tablename, col->name, reft);
		if (!add_constraint_item(a, ADD_FOREIGN, m->tablename, name, col->name, reft,
		                         dot + 1, NULL))
			return ORM_ENOMEM;
	}
	return ORM_OK;
}

/* CHECK: the named ones, by name (an enum's CHECK belongs to the enum). */
static int compare_checks(orm_autogen *a, const orm_model *m, const orm_refl_table *t,
                          bool *matched)
{
	for (size_t i = 0; i < m->nconstraints; i++) {
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
			return ORM_ENOMEM;
	}
	return ORM_OK;
}

/* What a constraint of the database that the model does not declare
 * becomes: the DROP item of its kind, or nothing (false). Unnamed CHECKs
 * cannot be told apart reliably (each database rewrites the expression):
 * left alone. */
static bool extra_kind(item_kind *kind, const orm_model *m, const orm_refl_constraint *c)
{
	if (c->kind == ORM_REFL_INDEX)
		return false;
	if (c->kind == ORM_REFL_CHECK) {
		if (!c->name || is_enum_check(m, c->name))
			return false;
		for (size_t i = 0; i < m->nconstraints; i++)
			if (m->constraints[i].kind == ORM_CHECK_CONSTRAINT &&
			    !m->constraints[i].name)
				return false; /* perhaps the model's unnamed one, named by a convention */
		*kind = DROP_CHECK;
	} else if (c->kind == ORM_REFL_FOREIGN) {
		if (!orm_model_column(m, c->columns))
			return false; /* its column goes: so does it */
		*kind = DROP_FOREIGN;
	} else {
		*kind = DROP_UNIQUE;
	}
	return true;
}

/* What the database has beyond what the model declares. */
static int find_extra_constraints(orm_autogen *a, const orm_model *m, const orm_refl_table *t,
                                  const bool *matched)
{
	char reft[128], refc[128];

	for (size_t k = 0; k < t->nconstraints; k++) {
		const orm_refl_constraint *c = &t->constraints[k];
		item_kind kind;

		if (matched[k] || !extra_kind(&kind, m, c))
			continue;
		reft[0] = refc[0] = '\0';
		if (c->referred)
			split_referred(reft, sizeof reft, refc, sizeof refc, c->referred);
		if (!add_constraint_item(a, kind, t->name, c->name, c->columns,
		                         c->referred ? reft : NULL, c->referred ? refc : NULL,
		                         c->sqltext))
			return ORM_ENOMEM;
	}
	return ORM_OK;
}

static int compare_constraints(orm_autogen *a, const orm_model *m, const orm_refl_table *t)
{
	bool *matched = orm_calloc(t->nconstraints + 1, sizeof *matched);
	int rc = ORM_OK;

	if (!matched)
		return orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
	if (compare_unique(a, m, t, matched) < 0 || compare_foreign_keys(a, m, t, matched) < 0 ||
	    compare_checks(a, m, t, matched) < 0 || find_extra_constraints(a, m, t, matched) < 0)
		rc = orm_err_set(&a->err, ORM_ENOMEM, "autogenerate: out of memory");
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
