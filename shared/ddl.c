/*
 * ddl.c - the CREATE and DROP statements of the registered models, as the
 * plans that create_all and drop_all run (create_all.c).
 *
 * Introduced in chapter 3 (create_all), with enum types in chapter 5. The
 * statements are SQLAlchemy's, character for character, so that a
 * database built here and one built by SQLAlchemy from the same models
 * cannot be told apart, and so that echo shows what the write-up's echo
 * shows:
 *
 *     CREATE TABLE events (
 *             id INTEGER NOT NULL,
 *             title VARCHAR,
 *             PRIMARY KEY (id),
 *             FOREIGN KEY(organizer_id) REFERENCES users (id)
 *     )
 *
 * with a tab before each item and ", " then a newline between items (so a
 * space ends those lines, as in SQLAlchemy's echo). The order of
 * the constraints is SQLAlchemy's too: the primary key, then the model's
 * composite constraints as declared, then for each column its UNIQUE, its
 * FOREIGN KEY and its enum's CHECK. Indexes follow their table, one CREATE
 * INDEX each. Only what differs between databases is asked of the dialect
 * (dialect.h): the column types, native enum types, and how to ask whether
 * a table or type exists.
 *
 * create_all.c runs a plan on one connection in one transaction (both
 * databases have transactional DDL), so a failure leaves nothing behind.
 */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "ddl.h"
#include "schema_internal.h"

/* ---- types ------------------------------------------------------------ */

size_t orm_ddl_enum_length(const orm_enum *e)
{
	size_t longest = 0;

	for (size_t i = 0; i < e->nlabels; i++) {
		size_t n = 0;

		/* Characters, as Python's len() counts them: every byte that
		 * does not continue a UTF-8 sequence starts one. */
		for (const unsigned char *p = (const unsigned char *)e->labels[i]; *p; p++)
			n += (*p & 0xC0) != 0x80;
		if (n > longest)
			longest = n;
	}
	return longest;
}

void orm_ddl_standard_type(orm_buf *out, const orm_column *col)
{
	switch (col->type) {
	case ORM_INTEGER:
		orm_buf_puts(out, "INTEGER");
		break;
	case ORM_BIGINTEGER:
		orm_buf_puts(out, "BIGINT");
		break;
	case ORM_STRING:
		if (col->length > 0)
			orm_buf_printf(out, "VARCHAR(%d)", col->length);
		else
			orm_buf_puts(out, "VARCHAR");
		break;
	case ORM_TEXT:
		orm_buf_puts(out, "TEXT");
		break;
	case ORM_BOOLEAN:
		orm_buf_puts(out, "BOOLEAN");
		break;
	case ORM_FLOAT:
		orm_buf_puts(out, "FLOAT");
		break;
	case ORM_DATE:
		orm_buf_puts(out, "DATE");
		break;
	case ORM_DATETIME:
		orm_buf_puts(out, "DATETIME");
		break;
	case ORM_ENUM:
		orm_buf_printf(out, "VARCHAR(%zu)", orm_ddl_enum_length(col->enum_type));
		break;
	}
}

/* ---- plans ------------------------------------------------------------ */

void orm_ddl_plan_free(orm_ddl_plan *plan)
{
	for (size_t i = 0; i < plan->count; i++) {
		orm_free(plan->steps[i].name);
		orm_free(plan->steps[i].sql);
	}
	orm_free(plan->steps);
	*plan = (orm_ddl_plan)ORM_DDL_PLAN_INIT;
}

/* Appends a step; takes the text of `sql` (which is reset). */
static int add_step(orm_ddl_plan *plan, orm_ddl_kind kind, const orm_model *model,
                    const orm_enum *type, const char *name, orm_buf *sql, orm_err *err)
{
	orm_ddl_step *step;

	if (plan->count == plan->cap) {
		size_t ncap = plan->cap ? plan->cap * 2 : 16;
		orm_ddl_step *p = orm_realloc(plan->steps, ncap * sizeof *p);

		if (!p)
			goto nomem;
		plan->steps = p;
		plan->cap = ncap;
	}
	if (sql->failed)
		goto nomem;
	step = &plan->steps[plan->count];
	step->kind = kind;
	step->model = model;
	step->type = type;
	if (!(step->name = orm_strdup(name)))
		goto nomem;
	if (!(step->sql = orm_buf_detach(sql))) {
		orm_free(step->name);
		goto nomem;
	}
	plan->count++;
	return ORM_OK;
nomem:
	orm_buf_free(sql);
	return orm_err_set(err, ORM_ENOMEM, "out of memory writing the DDL of '%s'", name);
}

/* The distinct enum types (by name) the tables use, in order of first
 * use; the caller frees the array. */
static int collect_enums(const orm_enum ***out, size_t *count, const orm_model *const *models,
                         size_t nmodels, orm_err *err)
{
	const orm_enum **list = NULL;
	size_t n = 0, cap = 0;

	for (size_t m = 0; m < nmodels; m++)
		for (size_t c = 0; c < models[m]->ncolumns; c++) {
			const orm_column *col = &models[m]->columns[c];
			bool seen = false;

			if (col->type != ORM_ENUM)
				continue;
			for (size_t k = 0; k < n && !seen; k++)
				seen = strcmp(list[k]->name, col->enum_type->name) == 0;
			if (seen)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 4;
				const orm_enum **p = orm_realloc(list, ncap * sizeof *p);

				if (!p) {
					orm_free(list);
					return orm_err_set(err, ORM_ENOMEM,
					                   "out of memory listing enum types");
				}
				list = p;
				cap = ncap;
			}
			list[n++] = col->enum_type;
		}
	*out = list;
	*count = n;
	return ORM_OK;
}

/* A SQL string literal: quoted, with quotes inside doubled. */
static void put_literal(orm_buf *b, const char *s)
{
	orm_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			orm_buf_putc(b, '\'');
		orm_buf_putc(b, *s);
	}
	orm_buf_putc(b, '\'');
}

static void put_labels(orm_buf *b, const orm_enum *e)
{
	for (size_t i = 0; i < e->nlabels; i++) {
		if (i > 0)
			orm_buf_puts(b, ", ");
		put_literal(b, e->labels[i]);
	}
}

/* ---- CREATE TABLE ----------------------------------------------------- */

/* What writing one table needs at hand. */
typedef struct table_writer {
	orm_metadata *md;
	const orm_metadata_options *naming;
	const orm_dialect *d;
	const orm_model *model;
	orm_buf *b;
	bool first; /* no item written yet */
	orm_err *err;
	bool loose_fk; /* chapter 7: a foreign key's table need not be registered */
} table_writer;

/* Starts the next item of the table's parenthesized list. */
static void next_item(table_writer *w)
{
	orm_buf_puts(w->b, w->first ? "\n\t" : ", \n\t");
	w->first = false;
}

/*
 * Writes "CONSTRAINT <name> " when the constraint has a name: from the
 * naming convention `tpl` when there is one (and the constraint has no
 * name of its own, or the template uses it), else its own `name`. With
 * neither it stays unnamed and the database names it.
 */
static int put_constraint_name(table_writer *w, const char *tpl, const char *name,
                               const orm_column *const *cols, size_t ncols, const orm_model *ref,
                               const orm_column *refcol)
{
	int rc = ORM_OK;

	if (tpl && (!name || strstr(tpl, "%(constraint_name)s"))) {
		orm_buf_puts(w->b, "CONSTRAINT ");
		rc = orm_naming_render(w->b, tpl, w->model, cols, ncols, ref, refcol, name, w->err);
		orm_buf_putc(w->b, ' ');
	} else if (name) {
		orm_buf_printf(w->b, "CONSTRAINT %s ", name);
	}
	return rc;
}

static void put_column_list(orm_buf *b, const orm_column *const *cols, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			orm_buf_puts(b, ", ");
		orm_buf_puts(b, cols[i]->name);
	}
}

struct resolve_ctx {
	const orm_model *model;
	const orm_column **cols;
	size_t n;
};

static int resolve_one(const char *name, size_t len, void *ctx)
{
	struct resolve_ctx *r = ctx;

	for (size_t i = 0; i < r->model->ncolumns; i++) {
		const char *have = r->model->columns[i].name;
		if (strlen(have) == len && memcmp(have, name, len) == 0) {
			r->cols[r->n++] = &r->model->columns[i];
			return 0;
		}
	}
	return -1; /* cannot happen: orm_model_check saw every name */
}

/* The columns of a composite constraint, as pointers into the model.
 * The caller frees *out. */
static int resolve_columns(const orm_column ***out, size_t *n, const orm_model *model,
                           const char *list, orm_err *err)
{
	size_t most = 1;
	struct resolve_ctx ctx = {model, NULL, 0};

	*out = NULL;
	*n = 0;
	for (const char *p = list; *p; p++)
		most += *p == ',';
	if (!(ctx.cols = orm_malloc(most * sizeof *ctx.cols))) {
		orm_err_set(err, ORM_ENOMEM, "out of memory writing the DDL of '%s'",
		            model->tablename);
		return ORM_ENOMEM;
	}
	if (orm_schema_each_name(list, resolve_one, &ctx) != 0) {
		orm_free(ctx.cols);
		orm_err_set(err, ORM_EINVAL, "table '%s': constraint columns '%s' not found",
		            model->tablename, list);
		return ORM_EINVAL;
	}
	*out = ctx.cols;
	*n = ctx.n;
	return ORM_OK;
}

static void put_column_spec(table_writer *w, const orm_column *col, bool autoincrement)
{
	orm_buf_puts(w->b, col->name);
	orm_buf_putc(w->b, ' ');
	w->d->column_type(w->b, col, autoincrement);
	if (col->server_default && !(autoincrement && w->d->autoincrement_in_type))
		orm_buf_printf(w->b, " DEFAULT %s", col->server_default);
	if (!orm_schema_column_nullable(col))
		orm_buf_puts(w->b, " NOT NULL");
}

static int put_primary_key(table_writer *w)
{
	const orm_model *m = w->model;
	const orm_column **cols;
	size_t n = 0;
	int rc;

	if (!(cols = orm_malloc(m->ncolumns * sizeof *cols)))
		return orm_err_set(w->err, ORM_ENOMEM, "out of memory writing the DDL of '%s'",
		                   m->tablename);
	for (size_t i = 0; i < m->ncolumns; i++)
		if (m->columns[i].primary_key)
			cols[n++] = &m->columns[i];
	next_item(w);
	rc = put_constraint_name(w, w->naming->pk, NULL, cols, n, NULL, NULL);
	orm_buf_puts(w->b, "PRIMARY KEY (");
	put_column_list(w->b, cols, n);
	orm_buf_putc(w->b, ')');
	orm_free(cols);
	return rc;
}

/* The model's composite UNIQUE and CHECK constraints, as declared. */
static int put_table_constraints(table_writer *w)
{
	const orm_model *m = w->model;
	int rc;

	for (size_t i = 0; i < m->nconstraints; i++) {
		const orm_constraint *k = &m->constraints[i];
		const orm_column **cols = NULL;
		size_t n = 0;

		if (k->kind == ORM_CHECK_CONSTRAINT) {
			next_item(w);
			if ((rc = put_constraint_name(w, w->naming->ck, k->name, NULL, 0, NULL,
			                              NULL)) < 0)
				return rc;
			orm_buf_printf(w->b, "CHECK (%s)", k->columns);
			continue;
		}
		if (k->kind != ORM_UNIQUE_CONSTRAINT)
			continue; /* indexes come after the table */
		if ((rc = resolve_columns(&cols, &n, m, k->columns, w->err)) < 0)
			return rc;
		next_item(w);
		rc = put_constraint_name(w, w->naming->uq, k->name, cols, n, NULL, NULL);
		orm_buf_puts(w->b, "UNIQUE (");
		put_column_list(w->b, cols, n);
		orm_buf_putc(w->b, ')');
		orm_free(cols);
		if (rc < 0)
			return rc;
	}
	return ORM_OK;
}

static const char *fk_action(orm_fk_action a)
{
	switch (a) {
	case ORM_FK_CASCADE:
		return "CASCADE";
	case ORM_FK_SET_NULL:
		return "SET NULL";
	case ORM_FK_RESTRICT:
		return "RESTRICT";
	case ORM_FK_NO_ACTION:
		break;
	}
	return NULL;
}

/* What each column declares for itself: UNIQUE (unless it has a unique
 * index instead), its FOREIGN KEY, and its enum's CHECK when enums are
 * not native types. */
static int put_column_constraints(table_writer *w)
{
	const orm_model *m = w->model;
	int rc;

	for (size_t i = 0; i < m->ncolumns; i++) {
		const orm_column *col = &m->columns[i];
		const orm_column *const cols[1] = {col};

		if (col->unique && !col->index) {
			next_item(w);
			if ((rc = put_constraint_name(w, w->naming->uq, NULL, cols, 1, NULL,
			                              NULL)) < 0)
				return rc;
			orm_buf_printf(w->b, "UNIQUE (%s)", col->name);
		}
		if (col->foreign_key) {
			const orm_model *ref;
			const orm_column *refcol;

			if (w->loose_fk) {
				/* A migration's table refers to a table of the database,
				 * not to a registered model: write "table.column" as it
				 * is (unnamed, or named by the table's own constraint). */
				const char *dot = strrchr(col->foreign_key, '.');

				next_item(w);
				orm_buf_printf(w->b, "FOREIGN KEY(%s) REFERENCES %.*s (%s)", col->name,
				               (int)(dot - col->foreign_key), col->foreign_key, dot + 1);
				if (fk_action(col->on_delete))
					orm_buf_printf(w->b, " ON DELETE %s", fk_action(col->on_delete));
				goto enum_check;
			}
			if ((rc = orm_metadata_foreign_key(&ref, &refcol, w->md, m, col, w->err)) <
			    0)
				return rc;
			next_item(w);
			if ((rc = put_constraint_name(w, w->naming->fk, NULL, cols, 1, ref,
			                              refcol)) < 0)
				return rc;
			orm_buf_printf(w->b, "FOREIGN KEY(%s) REFERENCES %s (%s)", col->name,
			               ref->tablename, refcol->name);
			if (fk_action(col->on_delete))
				orm_buf_printf(w->b, " ON DELETE %s", fk_action(col->on_delete));
		}
	enum_check:
		if (col->type == ORM_ENUM && !w->d->native_enum) {
			next_item(w);
			/* SQLAlchemy names an enum's CHECK after the enum. */
			if ((rc = put_constraint_name(w, w->naming->ck, col->enum_type->name, cols,
			                              1, NULL, NULL)) < 0)
				return rc;
			orm_buf_printf(w->b, "CHECK (%s IN (", col->name);
			put_labels(w->b, col->enum_type);
			orm_buf_puts(w->b, "))");
		}
	}
	return ORM_OK;
}

static int create_table_sql(orm_buf *b, orm_metadata *md, const orm_dialect *d, const orm_model *m,
                            bool loose_fk)
{
	table_writer w = {md, orm_metadata_naming(md), d, m, b, true, orm_metadata_err(md), loose_fk};
	const orm_column *autoinc = orm_model_autoincrement_column(m);

	/* A generated key with a client-side default of its own is written
	 * as its plain type: the default, not a sequence, fills it (so
	 * SQLAlchemy writes no SERIAL for it either). */
	if (autoinc && autoinc->default_sql)
		autoinc = NULL;
	int rc;

	orm_buf_printf(b, "CREATE TABLE %s (", m->tablename);
	for (size_t i = 0; i < m->ncolumns; i++) {
		next_item(&w);
		put_column_spec(&w, &m->columns[i], &m->columns[i] == autoinc);
	}
	if ((rc = put_primary_key(&w)) < 0 || (rc = put_table_constraints(&w)) < 0 ||
	    (rc = put_column_constraints(&w)) < 0)
		return rc;
	orm_buf_puts(b, "\n)");
	return ORM_OK;
}

/* CREATE [UNIQUE] INDEX name ON table (columns); the name goes to `name`. */
static int index_sql(orm_buf *b, orm_buf *name, orm_metadata *md, const orm_model *m, bool unique,
                     const char *own_name, const orm_column *const *cols, size_t ncols)
{
	const char *tpl = orm_metadata_naming(md)->ix;
	int rc;

	orm_buf_reset(name);
	if (own_name && !strstr(tpl, "%(constraint_name)s"))
		orm_buf_puts(name, own_name);
	else if ((rc = orm_naming_render(name, tpl, m, cols, ncols, NULL, NULL, own_name,
	                                 orm_metadata_err(md))) < 0)
		return rc;
	orm_buf_printf(b, "CREATE %sINDEX %s ON %s (", unique ? "UNIQUE " : "", orm_buf_cstr(name),
	               m->tablename);
	put_column_list(b, cols, ncols);
	orm_buf_putc(b, ')');
	return ORM_OK;
}

/* The indexes of a table: its columns' (index = true) in column order,
 * then its composite ones as declared. */
static int add_index_steps(orm_ddl_plan *plan, orm_metadata *md, const orm_model *m)
{
	orm_buf b = ORM_BUF_INIT, name = ORM_BUF_INIT;
	orm_err *err = orm_metadata_err(md);
	int rc = ORM_OK;

	for (size_t i = 0; i < m->ncolumns; i++) {
		const orm_column *const cols[1] = {&m->columns[i]};

		if (!m->columns[i].index)
			continue;
		if ((rc = index_sql(&b, &name, md, m, m->columns[i].unique, NULL, cols, 1)) < 0 ||
		    (rc = add_step(plan, ORM_DDL_INDEX, m, NULL, orm_buf_cstr(&name), &b, err)) < 0)
			goto done;
	}
	for (size_t i = 0; i < m->nconstraints; i++) {
		const orm_constraint *k = &m->constraints[i];
		const orm_column **cols;
		size_t n;

		if (k->kind != ORM_INDEX && k->kind != ORM_UNIQUE_INDEX)
			continue;
		if ((rc = resolve_columns(&cols, &n, m, k->columns, err)) < 0)
			goto done;
		rc = index_sql(&b, &name, md, m, k->kind == ORM_UNIQUE_INDEX, k->name, cols, n);
		orm_free(cols);
		if (rc < 0 ||
		    (rc = add_step(plan, ORM_DDL_INDEX, m, NULL, orm_buf_cstr(&name), &b, err)) < 0)
			goto done;
	}
done:
	orm_buf_free(&b);
	orm_buf_free(&name);
	return rc;
}

static int check_dialect(const orm_dialect *d, orm_err *err)
{
	if (!d || !d->column_type)
		return orm_err_set(err, ORM_EINVAL, "the %s dialect cannot write CREATE TABLE",
		                   d ? d->name : "unknown");
	return ORM_OK;
}

int orm_ddl_plan_create(orm_ddl_plan *plan, orm_metadata *md, const orm_dialect *d)
{
	orm_err *err = orm_metadata_err(md);
	const orm_model *const *models;
	const orm_enum **enums = NULL;
	size_t nmodels, nenums = 0;
	orm_buf b = ORM_BUF_INIT;
	int rc;

	*plan = (orm_ddl_plan)ORM_DDL_PLAN_INIT;
	if ((rc = check_dialect(d, err)) < 0 ||
	    (rc = orm_metadata_sorted(&models, &nmodels, md)) < 0)
		return rc;
	if (d->native_enum) {
		if ((rc = collect_enums(&enums, &nenums, models, nmodels, err)) < 0)
			goto done;
		for (size_t i = 0; i < nenums; i++) {
			orm_buf_printf(&b, "CREATE TYPE %s AS ENUM (", enums[i]->name);
			put_labels(&b, enums[i]);
			orm_buf_putc(&b, ')');
			if ((rc = add_step(plan, ORM_DDL_TYPE, NULL, enums[i], enums[i]->name, &b,
			                   err)) < 0)
				goto done;
		}
	}
	for (size_t i = 0; i < nmodels; i++) {
		if ((rc = create_table_sql(&b, md, d, models[i], false)) < 0 ||
		    (rc = add_step(plan, ORM_DDL_TABLE, models[i], NULL, models[i]->tablename, &b,
		                   err)) < 0 ||
		    (rc = add_index_steps(plan, md, models[i])) < 0)
			goto done;
	}
done:
	orm_buf_free(&b);
	orm_free(enums);
	if (rc < 0)
		orm_ddl_plan_free(plan);
	return rc;
}

/* Chapter 7: op.create_table - one table and its indexes (no types). */
int orm_ddl_plan_table(orm_ddl_plan *plan, orm_metadata *md, const orm_dialect *d,
                       const orm_model *model)
{
	orm_err *err = orm_metadata_err(md);
	orm_buf b = ORM_BUF_INIT;
	int rc;

	*plan = (orm_ddl_plan)ORM_DDL_PLAN_INIT;
	if ((rc = check_dialect(d, err)) < 0 || (rc = orm_model_check(model, err)) < 0)
		return rc;
	if ((rc = create_table_sql(&b, md, d, model, true)) < 0 ||
	    (rc = add_step(plan, ORM_DDL_TABLE, model, NULL, model->tablename, &b, err)) < 0 ||
	    (rc = add_index_steps(plan, md, model)) < 0)
		orm_ddl_plan_free(plan);
	orm_buf_free(&b);
	return rc;
}

/* Chapter 7: an enum's labels as a SQL list, 'a', 'b'. */
void orm_ddl_enum_labels(orm_buf *out, const orm_enum *e)
{
	put_labels(out, e);
}

/* Chapter 7: one column's definition as CREATE TABLE writes it. */
void orm_ddl_column_spec(orm_buf *out, const orm_dialect *d, const orm_column *col)
{
	table_writer w = {NULL, NULL, d, NULL, out, true, NULL, true};

	put_column_spec(&w, col, false);
}

int orm_ddl_plan_drop(orm_ddl_plan *plan, orm_metadata *md, const orm_dialect *d)
{
	orm_err *err = orm_metadata_err(md);
	const orm_model *const *models;
	const orm_enum **enums = NULL;
	size_t nmodels, nenums = 0;
	orm_buf b = ORM_BUF_INIT;
	int rc;

	*plan = (orm_ddl_plan)ORM_DDL_PLAN_INIT;
	if ((rc = check_dialect(d, err)) < 0 ||
	    (rc = orm_metadata_sorted(&models, &nmodels, md)) < 0)
		return rc;
	for (size_t i = nmodels; i-- > 0;) {
		orm_buf_printf(&b, "DROP TABLE %s", models[i]->tablename);
		if ((rc = add_step(plan, ORM_DDL_TABLE, models[i], NULL, models[i]->tablename, &b,
		                   err)) < 0)
			goto done;
	}
	if (d->native_enum) {
		if ((rc = collect_enums(&enums, &nenums, models, nmodels, err)) < 0)
			goto done;
		for (size_t i = 0; i < nenums; i++) {
			orm_buf_printf(&b, "DROP TYPE %s", enums[i]->name);
			if ((rc = add_step(plan, ORM_DDL_TYPE, NULL, enums[i], enums[i]->name, &b,
			                   err)) < 0)
				goto done;
		}
	}
done:
	orm_buf_free(&b);
	orm_free(enums);
	if (rc < 0)
		orm_ddl_plan_free(plan);
	return rc;
}
