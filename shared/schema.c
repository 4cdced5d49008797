/*
 * schema.c - models and their columns: the checks a declaration must pass,
 * and models built at run time.
 *
 * Introduced in chapter 3 (base and models). A model is usually declared
 * at compile time with ORM_COLUMN / ORM_MODEL (orm/schema.h); nothing then
 * runs until it is registered on a metadata, and that is when
 * orm_model_check() looks at it: a field whose size does not fit its type
 * would otherwise be read or written past its end by the session, so
 * mistakes are caught here, with a message naming the model and column,
 * instead of as a crash much later. The imperative style (orm_model_new and
 * friends) builds the same orm_model at run time, copying every string.
 */
#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "schema_internal.h"

/* ---- small rules ----------------------------------------------------- */

/* Whether the `len` characters at `name` are a plain SQL name. */
static bool is_identifier_n(const char *name, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
			return false;
	return true;
}

bool orm_schema_is_identifier(const char *name)
{
	return name && is_identifier_n(name, strlen(name));
}

bool orm_schema_is_lower_identifier(const char *name)
{
	if (!orm_schema_is_identifier(name))
		return false;
	for (const char *p = name; *p; p++)
		if (isupper((unsigned char)*p))
			return false;
	return true;
}

bool orm_schema_column_nullable(const orm_column *col)
{
	if (col->nullable == ORM_NULLABLE_AUTO)
		return !col->primary_key;
	return col->nullable == ORM_NULLABLE_YES;
}

static bool is_integer_type(orm_column_type type)
{
	return type == ORM_INTEGER || type == ORM_BIGINTEGER;
}

size_t orm_model_primary_key_count(const orm_model *model)
{
	size_t n = 0;

	for (size_t i = 0; i < model->ncolumns; i++)
		n += model->columns[i].primary_key;
	return n;
}

const orm_column *orm_model_autoincrement_column(const orm_model *model)
{
	const orm_column *pk = NULL;

	for (size_t i = 0; i < model->ncolumns; i++)
		if (model->columns[i].primary_key) {
			if (pk)
				return NULL; /* a composite key is never generated */
			pk = &model->columns[i];
		}
	if (!pk || !is_integer_type(pk->type) || pk->autoincrement == ORM_AUTOINCREMENT_NO)
		return NULL;
	if (pk->autoincrement == ORM_AUTOINCREMENT_YES)
		return pk;
	/* Left to "auto": a key with a default of its own, or one copied
	 * from another table, is not generated. */
	if (pk->default_sql || pk->server_default || pk->foreign_key)
		return NULL;
	return pk;
}

const orm_column *orm_model_column(const orm_model *model, const char *name)
{
	assert(model && name);
	for (size_t i = 0; i < model->ncolumns; i++)
		if (model->columns[i].name && strcmp(model->columns[i].name, name) == 0)
			return &model->columns[i];
	return NULL;
}

int orm_schema_each_name(const char *list, int (*fn)(const char *name, size_t len, void *ctx),
                         void *ctx)
{
	const char *p = list;

	for (;;) {
		const char *start, *end;
		int rc;

		while (*p == ' ')
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && end[-1] == ' ')
			end--;
		if ((rc = fn(start, (size_t)(end - start), ctx)) != 0)
			return rc;
		if (!*p)
			return 0;
		p++; /* the comma */
	}
}

/* ---- checking a column ----------------------------------------------- */

static const char *type_name(orm_column_type type)
{
	switch (type) {
	case ORM_INTEGER:
		return "ORM_INTEGER";
	case ORM_BIGINTEGER:
		return "ORM_BIGINTEGER";
	case ORM_STRING:
		return "ORM_STRING";
	case ORM_TEXT:
		return "ORM_TEXT";
	case ORM_BOOLEAN:
		return "ORM_BOOLEAN";
	case ORM_FLOAT:
		return "ORM_FLOAT";
	case ORM_DATE:
		return "ORM_DATE";
	case ORM_DATETIME:
		return "ORM_DATETIME";
	case ORM_ENUM:
		return "ORM_ENUM";
	}
	return "an unknown type";
}

/* Whether a field of `size` bytes can hold the type, and if not, which C
 * types can (for the message). */
static bool field_fits(orm_column_type type, size_t size, const char **want)
{
	switch (type) {
	case ORM_INTEGER:
	case ORM_BIGINTEGER:
		*want = "int64_t, int32_t, int16_t or int8_t";
		return size == 8 || size == 4 || size == 2 || size == 1;
	case ORM_ENUM:
		*want = "a C enum or another integer";
		return size == 8 || size == 4 || size == 2 || size == 1;
	case ORM_STRING:
	case ORM_TEXT:
		*want = "char *";
		return size == sizeof(char *);
	case ORM_BOOLEAN:
		*want = "bool";
		return size == sizeof(bool);
	case ORM_FLOAT:
		*want = "double or float";
		return size == sizeof(double) || size == sizeof(float);
	case ORM_DATE:
		*want = "orm_date";
		return size == sizeof(orm_date);
	case ORM_DATETIME:
		*want = "orm_datetime";
		return size == sizeof(orm_datetime);
	}
	*want = "nothing";
	return false;
}

static int check_enum(const orm_model *model, const orm_column *col, orm_err *err)
{
	const orm_enum *e = col->enum_type;

	if (!e)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': ORM_ENUM needs .enum_type", model->name,
		                   col->name);
	if (!orm_schema_is_lower_identifier(e->name))
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': enum type name '%s' is not a plain "
		                   "lower-case SQL name (a-z, 0-9 and '_')",
		                   model->name, col->name, e->name ? e->name : "(null)");
	if (!e->labels || e->nlabels == 0)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': enum '%s' has no labels", model->name,
		                   col->name, e->name);
	for (size_t i = 0; i < e->nlabels; i++) {
		if (!e->labels[i] || !e->labels[i][0])
			return orm_err_set(err, ORM_EINVAL,
			                   "model %s: column '%s': enum '%s': label %zu is empty",
			                   model->name, col->name, e->name, i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(e->labels[i], e->labels[j]) == 0)
				return orm_err_set(err, ORM_EINVAL,
				                   "model %s: column '%s': enum '%s': label '%s' "
				                   "appears twice",
				                   model->name, col->name, e->name, e->labels[i]);
	}
	return ORM_OK;
}

/* "table.column", both plain names. */
static bool is_foreign_key_target(const char *target)
{
	const char *dot = strrchr(target, '.');

	return dot && is_identifier_n(target, (size_t)(dot - target)) &&
	       orm_schema_is_identifier(dot + 1);
}

/* The column's type, and what it asks of the field and the declaration:
 * a struct field that fits it, a length for strings only, an enum's
 * labels for enums only. */
static int check_type(const orm_model *model, const orm_column *col, orm_err *err)
{
	const char *want;

	if (col->type < ORM_INTEGER || col->type > ORM_ENUM)
		return orm_err_set(err, ORM_EINVAL, "model %s: column '%s': unknown type %d",
		                   model->name, col->name, (int)col->type);
	/* A model with no struct behind it (size 0) is for DDL only. */
	if (model->size > 0) {
		if (!field_fits(col->type, col->field_size, &want))
			return orm_err_set(err, ORM_EINVAL,
			                   "model %s: column '%s': field size %zu does not fit %s "
			                   "(%s)",
			                   model->name, col->name, col->field_size,
			                   type_name(col->type), want);
		if (col->offset > model->size || col->field_size > model->size - col->offset)
			return orm_err_set(
			    err, ORM_EINVAL,
			    "model %s: column '%s': field at offset %zu does not lie "
			    "within the struct (%zu bytes)",
			    model->name, col->name, col->offset, model->size);
	}
	if (col->length < 0)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': String length %d is negative",
		                   model->name, col->name, col->length);
	if (col->length > 0 && col->type != ORM_STRING)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': a length is for ORM_STRING, not %s",
		                   model->name, col->name, type_name(col->type));
	if (col->type == ORM_ENUM)
		return check_enum(model, col, err);
	if (col->enum_type)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': .enum_type is for ORM_ENUM, not %s",
		                   model->name, col->name, type_name(col->type));
	return ORM_OK;
}

/* Autoincrement, nullability and the primary key. */
static int check_key_and_nullable(const orm_model *model, const orm_column *col, orm_err *err)
{
	if (col->autoincrement == ORM_AUTOINCREMENT_YES &&
	    !(col->primary_key && is_integer_type(col->type)))
		return orm_err_set(
		    err, ORM_EINVAL,
		    "model %s: column '%s': autoincrement needs an integer primary key, "
		    "not %s%s",
		    model->name, col->name, col->primary_key ? "" : "a non-key ",
		    type_name(col->type));
	if (col->autoincrement < ORM_AUTOINCREMENT_NO || col->autoincrement > ORM_AUTOINCREMENT_YES)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': autoincrement %d is not one of "
		                   "ORM_AUTOINCREMENT_*",
		                   model->name, col->name, col->autoincrement);
	if (col->nullable < ORM_NULLABLE_NO || col->nullable > ORM_NULLABLE_YES)
		return orm_err_set(
		    err, ORM_EINVAL,
		    "model %s: column '%s': nullable %d is not one of ORM_NULLABLE_*", model->name,
		    col->name, col->nullable);
	if (col->primary_key && col->nullable == ORM_NULLABLE_YES)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': a primary key cannot be nullable",
		                   model->name, col->name);
	return ORM_OK;
}

/* The foreign key's target and its on_delete. */
static int check_foreign_key(const orm_model *model, const orm_column *col, orm_err *err)
{
	if (col->foreign_key && !is_foreign_key_target(col->foreign_key))
		return orm_err_set(
		    err, ORM_EINVAL,
		    "model %s: column '%s': foreign key '%s' is not \"table.column\"", model->name,
		    col->name, col->foreign_key);
	if (!col->foreign_key && col->on_delete != ORM_FK_NO_ACTION)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': on_delete without a foreign key",
		                   model->name, col->name);
	if (col->on_delete < ORM_FK_NO_ACTION || col->on_delete > ORM_FK_RESTRICT)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column '%s': on_delete %d is not one of ORM_FK_*",
		                   model->name, col->name, (int)col->on_delete);
	return ORM_OK;
}

int orm_model_check_column(const orm_model *model, const orm_column *col, orm_err *err)
{
	int rc;

	if (!orm_schema_is_identifier(col->name))
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: column name '%s' is not a plain SQL name (letters, "
		                   "digits and '_')",
		                   model->name, col->name ? col->name : "(null)");
	if ((rc = check_type(model, col, err)) < 0 ||
	    (rc = check_key_and_nullable(model, col, err)) < 0 ||
	    (rc = check_foreign_key(model, col, err)) < 0)
		return rc;
	if (col->server_default && !col->server_default[0])
		return orm_err_set(
		    err, ORM_EINVAL,
		    "model %s: column '%s': server_default is empty (use NULL for none)",
		    model->name, col->name);
	return ORM_OK;
}

/* ---- checking a whole model ------------------------------------------ */

struct constraint_check {
	const orm_model *model;
	const orm_constraint *constraint;
	size_t index;
	orm_err *err;
};

static int check_constraint_column(const char *name, size_t len, void *ctx)
{
	struct constraint_check *c = ctx;

	for (size_t i = 0; i < c->model->ncolumns; i++) {
		const char *have = c->model->columns[i].name;
		if (strlen(have) == len && memcmp(have, name, len) == 0)
			return 0;
	}
	return orm_err_set(
	    c->err, ORM_EINVAL, "model %s: constraint %zu (%s): no column '%.*s' in table '%s'",
	    c->model->name, c->index, c->constraint->columns, (int)len, name, c->model->tablename);
}

static int check_constraint(const orm_model *model, const orm_constraint *k, size_t index,
                            orm_err *err)
{
	struct constraint_check ctx = {model, k, index, err};

	if (k->kind < ORM_UNIQUE_CONSTRAINT || k->kind > ORM_CHECK_CONSTRAINT)
		return orm_err_set(err, ORM_EINVAL, "model %s: constraint %zu: unknown kind %d",
		                   model->name, index, (int)k->kind);
	if (k->name && !orm_schema_is_identifier(k->name))
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: constraint %zu: name '%s' is not a plain SQL name",
		                   model->name, index, k->name);
	if (!k->columns || !k->columns[0])
		return orm_err_set(err, ORM_EINVAL, "model %s: constraint %zu: no %s", model->name,
		                   index,
		                   k->kind == ORM_CHECK_CONSTRAINT ? "expression" : "columns");
	if (k->kind == ORM_CHECK_CONSTRAINT)
		return ORM_OK;
	return orm_schema_each_name(k->columns, check_constraint_column, &ctx);
}

int orm_model_check(const orm_model *model, orm_err *err)
{
	int rc;
	size_t nauto = 0;

	assert(model);
	if (!model->name || !*model->name)
		return orm_err_set(err, ORM_EINVAL,
		                   "a model has no name (.name, the struct's name)");
	if (!orm_schema_is_lower_identifier(model->tablename))
		return orm_err_set(
		    err, ORM_EINVAL,
		    "model %s: table name '%s' is not a plain lower-case SQL name (a-z, 0-9 "
		    "and '_')",
		    model->name, model->tablename ? model->tablename : "(null)");
	if (model->ncolumns == 0 || !model->columns)
		return orm_err_set(err, ORM_EINVAL, "model %s: no columns", model->name);
	for (size_t i = 0; i < model->ncolumns; i++) {
		const orm_column *col = &model->columns[i];

		if ((rc = orm_model_check_column(model, col, err)) < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(model->columns[j].name, col->name) == 0)
				return orm_err_set(err, ORM_EINVAL,
				                   "model %s: column '%s' is declared twice",
				                   model->name, col->name);
		nauto += col->autoincrement == ORM_AUTOINCREMENT_YES;
	}
	if (orm_model_primary_key_count(model) == 0)
		return orm_err_set(err, ORM_EINVAL, "model %s: no primary key", model->name);
	/* SQLite can generate only a lone INTEGER PRIMARY KEY (the rowid), so
	 * a generated column in a composite key would work on one database
	 * only: refuse it on both. */
	if (nauto > 0 && orm_model_primary_key_count(model) > 1)
		return orm_err_set(err, ORM_EINVAL,
		                   "model %s: autoincrement on a composite primary key (SQLite can "
		                   "only generate a lone integer key)",
		                   model->name);
	if (model->nconstraints > 0 && !model->constraints)
		return orm_err_set(err, ORM_EINVAL, "model %s: nconstraints without constraints",
		                   model->name);
	for (size_t i = 0; i < model->nconstraints; i++)
		if ((rc = check_constraint(model, &model->constraints[i], i, err)) < 0)
			return rc;
	return ORM_OK;
}

/* ---- the imperative style -------------------------------------------- */

/* A model built at run time: the orm_model first, so the pointer handed
 * out is also this struct's, then the arrays it owns. */
typedef struct built_model {
	orm_model model;
	orm_column *columns;
	size_t cap_columns;
	orm_constraint *constraints;
	size_t cap_constraints;
} built_model;

int orm_model_new(orm_model **out, const char *name, const char *tablename, size_t size)
{
	built_model *b;

	assert(out);
	*out = NULL;
	if (!name || !*name)
		return orm_err_set(NULL, ORM_EINVAL, "orm_model_new: a model needs a name");
	if (!orm_schema_is_lower_identifier(tablename))
		return orm_err_set(
		    NULL, ORM_EINVAL,
		    "model %s: table name '%s' is not a plain lower-case SQL name (a-z, 0-9 "
		    "and '_')",
		    name, tablename ? tablename : "(null)");
	if (!(b = orm_calloc(1, sizeof *b)))
		goto nomem;
	b->model.size = size;
	if (!(b->model.name = orm_strdup(name)) || !(b->model.tablename = orm_strdup(tablename)))
		goto nomem;
	*out = &b->model;
	return ORM_OK;
nomem:
	orm_model_free(b ? &b->model : NULL);
	return orm_err_set(NULL, ORM_ENOMEM, "out of memory building model %s", name);
}

static void free_column_strings(orm_column *col)
{
	orm_free((char *)col->name);
	orm_free((char *)col->default_sql);
	orm_free((char *)col->server_default);
	orm_free((char *)col->foreign_key);
}

void orm_model_free(orm_model *model)
{
	built_model *b = (built_model *)model;

	if (!b)
		return;
	for (size_t i = 0; i < b->model.ncolumns; i++)
		free_column_strings(&b->columns[i]);
	for (size_t i = 0; i < b->model.nconstraints; i++) {
		orm_free((char *)b->constraints[i].name);
		orm_free((char *)b->constraints[i].columns);
	}
	orm_free(b->columns);
	orm_free(b->constraints);
	orm_free((char *)b->model.name);
	orm_free((char *)b->model.tablename);
	orm_free(b);
}

/* Makes room for one more element in an array of `*cap`. */
static int grow(void **array, size_t *cap, size_t count, size_t elem)
{
	size_t ncap;
	void *p;

	if (count < *cap)
		return ORM_OK;
	ncap = *cap ? *cap * 2 : 8;
	if (!(p = orm_realloc(*array, ncap * elem)))
		return ORM_ENOMEM;
	*array = p;
	*cap = ncap;
	return ORM_OK;
}

/* Copies an optional string; false when out of memory. */
static bool dup_opt(const char **dst, const char *src)
{
	*dst = NULL;
	return !src || (*dst = orm_strdup(src)) != NULL;
}

int orm_model_add_column(orm_model *model, const orm_column *column)
{
	built_model *b = (built_model *)model;
	orm_column copy;
	int rc;

	assert(model && column);
	if ((rc = orm_model_check_column(model, column, NULL)) < 0)
		return rc;
	if (orm_model_column(model, column->name))
		return orm_err_set(NULL, ORM_EINVAL, "model %s: column '%s' is declared twice",
		                   model->name, column->name);
	/* The strings are the model's own copies; until each is made it is
	 * NULL, so a failure part way frees exactly what was copied. */
	copy = *column;
	copy.name = copy.default_sql = copy.server_default = copy.foreign_key = NULL;
	if (grow((void **)&b->columns, &b->cap_columns, model->ncolumns, sizeof copy) < 0 ||
	    !dup_opt(&copy.name, column->name) ||
	    !dup_opt(&copy.default_sql, column->default_sql) ||
	    !dup_opt(&copy.server_default, column->server_default) ||
	    !dup_opt(&copy.foreign_key, column->foreign_key)) {
		free_column_strings(&copy);
		return orm_err_set(NULL, ORM_ENOMEM, "out of memory adding column '%s' to model %s",
		                   column->name, model->name);
	}
	b->columns[model->ncolumns] = copy;
	model->columns = b->columns;
	model->ncolumns++;
	return ORM_OK;
}

int orm_model_add_constraint(orm_model *model, const orm_constraint *constraint)
{
	built_model *b = (built_model *)model;
	orm_constraint copy = {0};
	int rc;

	assert(model && constraint);
	if ((rc = check_constraint(model, constraint, model->nconstraints, NULL)) < 0)
		return rc;
	copy.kind = constraint->kind;
	if (grow((void **)&b->constraints, &b->cap_constraints, model->nconstraints, sizeof copy) <
	        0 ||
	    !dup_opt(&copy.name, constraint->name) ||
	    !dup_opt(&copy.columns, constraint->columns)) {
		orm_free((char *)copy.name);
		orm_free((char *)copy.columns);
		return orm_err_set(NULL, ORM_ENOMEM,
		                   "out of memory adding a constraint to model %s", model->name);
	}
	b->constraints[model->nconstraints] = copy;
	model->constraints = b->constraints;
	model->nconstraints++;
	return ORM_OK;
}
