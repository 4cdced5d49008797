/*
 * migration_op.c - the operations a revision calls: Alembic's `op`.
 *
 * Introduced in chapter 7. Each operation writes its SQL the same way for
 * every database where the databases agree (CREATE TABLE comes from
 * ddl.c, as create_all writes it; ADD COLUMN, CREATE INDEX, RENAME are
 * standard), and asks the dialect's migration table (migrate_dialect.h)
 * where they do not: PostgreSQL alters columns, constraints and enum
 * types in place, SQLite rebuilds the table in batch mode (batch.c).
 *
 * Online, each statement runs at once on the migration's connection,
 * inside the runner's transaction: an error stops the revision and the
 * runner rolls everything back. Offline (--sql) each is printed instead.
 */
#include <assert.h>
#include <string.h>

#include "ddl.h"
#include "migration_internal.h"
#include "schema_internal.h"

/* ---- the context ----------------------------------------------------- */

int orm_op_new(orm_op **out, const orm_dialect *d, orm_conn *conn, FILE *sql_out)
{
	orm_op *op = orm_calloc(1, sizeof *op);
	int rc;

	*out = NULL;
	if (!op)
		return orm_err_set(NULL, ORM_ENOMEM, "out of memory starting a migration");
	op->d = d;
	op->m = d->migrate;
	op->conn = conn;
	op->out = sql_out ? sql_out : stdout;
	if ((rc = orm_metadata_new(&op->md, NULL)) < 0) {
		orm_free(op);
		return rc;
	}
	*out = op;
	return ORM_OK;
}

void orm_op_free(orm_op *op)
{
	if (!op)
		return;
	for (size_t i = 0; i < op->ntypes; i++)
		orm_free(op->types[i]);
	orm_free(op->types);
	orm_batch_free(op->batch);
	orm_metadata_free(op->md);
	orm_free(op);
}

const char *orm_op_errmsg(const orm_op *op)
{
	return op->err.msg;
}

const char *orm_op_dialect_name(const orm_op *op)
{
	return op->d->name;
}

/* Runs every statement of `sql`, each ending in ";\n". */
static int run_script(orm_op *op, const char *what, orm_buf *sql)
{
	char *text = orm_buf_detach(sql);
	int rc = ORM_OK;

	if (!text)
		return orm_err_set(&op->err, ORM_ENOMEM, "%s: out of memory", what);
	for (char *p = text, *end; rc == ORM_OK && (end = strstr(p, ";\n")); p = end + 2) {
		*end = '\0';
		rc = orm_op_run(op, what, p);
	}
	orm_free(text);
	return rc;
}

static int nomem(orm_op *op, const char *what)
{
	return orm_err_set(&op->err, ORM_ENOMEM, "%s: out of memory", what);
}

/* Runs the text of `b` as one statement, then empties it. */
static int run_buf(orm_op *op, const char *what, orm_buf *b)
{
	int rc;

	if (b->failed)
		rc = nomem(op, what);
	else
		rc = orm_op_run(op, what, orm_buf_cstr(b));
	orm_buf_reset(b);
	return rc;
}

/* ---- enum types (native enums: PostgreSQL) -------------------------- */

/* Offline, the script's own record of the types it has created. */
static bool offline_has_type(orm_op *op, const char *name)
{
	for (size_t i = 0; i < op->ntypes; i++)
		if (strcmp(op->types[i], name) == 0)
			return true;
	return false;
}

static int offline_note_type(orm_op *op, const char *name, bool exists)
{
	for (size_t i = 0; i < op->ntypes; i++)
		if (strcmp(op->types[i], name) == 0) {
			if (!exists) {
				orm_free(op->types[i]);
				op->types[i] = op->types[--op->ntypes];
			}
			return ORM_OK;
		}
	if (!exists)
		return ORM_OK;
	if (op->ntypes == op->types_cap) {
		size_t ncap = op->types_cap ? op->types_cap * 2 : 4;
		char **p = orm_realloc(op->types, ncap * sizeof *p);
		if (!p)
			return nomem(op, name);
		op->types = p;
		op->types_cap = ncap;
	}
	if (!(op->types[op->ntypes] = orm_strdup(name)))
		return nomem(op, name);
	op->ntypes++;
	return ORM_OK;
}

static int type_exists(bool *out, orm_op *op, const char *name)
{
	orm_value param = orm_text(name);
	orm_result *res;
	int rc;

	if (!op->conn) {
		*out = offline_has_type(op, name);
		return ORM_OK;
	}
	if ((rc = orm_conn_execute(&res, op->conn, op->d->has_type_sql, &param, 1)) < 0)
		return orm_err_set(&op->err, rc, "enum type '%s': %s", name,
		                   orm_conn_errmsg(op->conn));
	rc = orm_result_next(res);
	orm_result_free(res);
	if (rc < 0)
		return orm_err_set(&op->err, rc, "enum type '%s': %s", name,
		                   orm_conn_errmsg(op->conn));
	*out = rc == ORM_ROW;
	return ORM_OK;
}

int orm_op_create_enum(orm_op *op, const orm_enum *type)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;

	assert(op && type);
	if (!op->d->native_enum)
		return ORM_OK; /* SQLite: the CHECK comes with the column */
	if (!orm_schema_is_lower_identifier(type->name) || type->nlabels == 0)
		return orm_err_set(&op->err, ORM_EINVAL,
		                   "create_enum: '%s' is not a lower-case name with labels",
		                   type->name ? type->name : "(null)");
	orm_buf_printf(&b, "CREATE TYPE %s AS ENUM (", type->name);
	orm_ddl_enum_labels(&b, type);
	orm_buf_putc(&b, ')');
	rc = run_buf(op, "create_enum", &b);
	orm_buf_free(&b);
	if (rc == ORM_OK && !op->conn)
		rc = offline_note_type(op, type->name, true);
	return rc;
}

int orm_op_drop_enum(orm_op *op, const char *name)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;

	assert(op && name);
	if (!op->d->native_enum)
		return ORM_OK;
	orm_buf_printf(&b, "DROP TYPE %s", name);
	rc = run_buf(op, "drop_enum", &b);
	orm_buf_free(&b);
	if (rc == ORM_OK && !op->conn)
		rc = offline_note_type(op, name, false);
	return rc;
}

int orm_op_add_enum_value(orm_op *op, const char *type, const char *label)
{
	orm_buf b = ORM_BUF_INIT;
	const char *const labels[1] = {label};
	const orm_enum one = {type, labels, 1};
	int rc;

	assert(op && type && label);
	if (!op->d->native_enum)
		return orm_err_set(&op->err, ORM_EINVAL,
		                   "add_enum_value: %s has no enum types ('%s'): use "
		                   "orm_op_alter_enum, which rebuilds the column's CHECK",
		                   op->d->name, type);
	orm_buf_printf(&b, "ALTER TYPE %s ADD VALUE ", type);
	orm_ddl_enum_labels(&b, &one);
	rc = run_buf(op, "add_enum_value", &b);
	orm_buf_free(&b);
	return rc;
}

/* Creates the enum types `table`'s columns use that do not exist yet:
 * Alembic #886's other half - the type comes before its first table. */
static int create_missing_types(orm_op *op, const orm_column *cols, size_t ncols)
{
	int rc;

	if (!op->d->native_enum)
		return ORM_OK;
	for (size_t i = 0; i < ncols; i++) {
		bool have;

		if (cols[i].type != ORM_ENUM || !cols[i].enum_type)
			continue;
		if ((rc = type_exists(&have, op, cols[i].enum_type->name)) < 0)
			return rc;
		if (!have && (rc = orm_op_create_enum(op, cols[i].enum_type)) < 0)
			return rc;
	}
	return ORM_OK;
}

/* After a table or column is gone: drops the enum types it used that no
 * column uses any more. Offline the script cannot ask, so it drops them:
 * a downgrade script removes what its upgrade created. */
static int drop_unused_types(orm_op *op, const orm_column *cols, size_t ncols)
{
	int rc;

	if (!op->d->native_enum)
		return ORM_OK;
	for (size_t i = 0; i < ncols; i++) {
		bool used = false, have = true;
		const char *name;

		if (cols[i].type != ORM_ENUM || !cols[i].enum_type)
			continue;
		name = cols[i].enum_type->name;
		/* Two columns of the dropped table may share the type. */
		for (size_t j = 0; j < i; j++)
			if (cols[j].type == ORM_ENUM && cols[j].enum_type &&
			    strcmp(cols[j].enum_type->name, name) == 0)
				have = false;
		if (!have)
			continue;
		if (op->conn) {
			if ((rc = type_exists(&have, op, name)) < 0)
				return rc;
			if (!have)
				continue;
			if ((rc = op->m->type_in_use(&used, op->conn, name, &op->err)) < 0)
				return rc;
		}
		if (!used && (rc = orm_op_drop_enum(op, name)) < 0)
			return rc;
	}
	return ORM_OK;
}

/* ---- tables ---------------------------------------------------------- */

int orm_op_create_table(orm_op *op, const orm_model *table)
{
	orm_ddl_plan plan;
	int rc;

	assert(op && table);
	orm_err_clear(orm_metadata_err(op->md));
	if ((rc = orm_ddl_plan_table(&plan, op->md, op->d, table)) < 0)
		return orm_err_set(&op->err, rc, "create_table '%s': %s", table->tablename,
		                   orm_metadata_errmsg(op->md));
	if ((rc = create_missing_types(op, table->columns, table->ncolumns)) < 0)
		goto done;
	for (size_t i = 0; i < plan.count && rc == ORM_OK; i++) {
		char what[160];

		snprintf(what, sizeof what, "create_table '%s'", table->tablename);
		rc = orm_op_run(op, what, plan.steps[i].sql);
	}
done:
	orm_ddl_plan_free(&plan);
	return rc;
}

int orm_op_drop_table(orm_op *op, const orm_model *table)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;

	assert(op && table);
	orm_buf_printf(&b, "DROP TABLE %s", table->tablename);
	rc = run_buf(op, "drop_table", &b);
	orm_buf_free(&b);
	if (rc == ORM_OK)
		rc = drop_unused_types(op, table->columns, table->ncolumns);
	return rc;
}

int orm_op_rename_table(orm_op *op, const char *table, const char *new_name)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;

	assert(op && table && new_name);
	orm_buf_printf(&b, "ALTER TABLE %s RENAME TO %s", table, new_name);
	rc = run_buf(op, "rename_table", &b);
	orm_buf_free(&b);
	return rc;
}

/* ---- batch mode ------------------------------------------------------ */

int orm_op_batch_begin(orm_op *op, const char *table)
{
	assert(op && table);
	if (op->batch)
		return orm_err_set(&op->err, ORM_ESTATE,
		                   "batch_begin '%s': the batch on '%s' is still open", table,
		                   orm_batch_table(op->batch));
	if (!op->m->batch)
		return ORM_OK;
	return orm_batch_load(&op->batch, op, table);
}

int orm_op_batch_end(orm_op *op)
{
	int rc;

	assert(op);
	if (!op->batch)
		return op->m->batch
		           ? orm_err_set(&op->err, ORM_ESTATE, "batch_end: no batch is open")
		           : ORM_OK;
	rc = orm_batch_run(op, op->batch);
	orm_batch_free(op->batch);
	op->batch = NULL;
	return rc;
}

/*
 * The batch an operation on `table` edits: the open one when it is on
 * that table, else a new one just for this operation (*own set: the
 * caller runs and frees it with finish_batch()).
 */
static int get_batch(orm_batch **out, bool *own, orm_op *op, const char *table)
{
	*own = false;
	if (op->batch) {
		if (strcmp(orm_batch_table(op->batch), table) != 0)
			return orm_err_set(
			    &op->err, ORM_ESTATE,
			    "the batch on '%s' is open: '%s' cannot be altered in it",
			    orm_batch_table(op->batch), table);
		*out = op->batch;
		return ORM_OK;
	}
	*own = true;
	return orm_batch_load(out, op, table);
}

static int finish_batch(orm_op *op, orm_batch *b, bool own, int rc)
{
	if (own) {
		if (rc == ORM_OK)
			rc = orm_batch_run(op, b);
		orm_batch_free(b);
	}
	return rc;
}

/* ---- columns --------------------------------------------------------- */

int orm_op_add_column(orm_op *op, const char *table, const orm_column *column)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;

	assert(op && table && column);
	if ((rc = create_missing_types(op, column, 1)) < 0)
		return rc;
	orm_buf_printf(&b, "ALTER TABLE %s ADD COLUMN ", table);
	orm_ddl_column_spec(&b, op->d, column);
	if (column->foreign_key) {
		const char *dot = strrchr(column->foreign_key, '.');
		if (dot)
			orm_buf_printf(&b, " REFERENCES %.*s (%s)",
			               (int)(dot - column->foreign_key), column->foreign_key,
			               dot + 1);
	}
	if (column->type == ORM_ENUM && column->enum_type && !op->d->native_enum) {
		orm_buf_printf(&b, " CONSTRAINT %s CHECK (%s IN (", column->enum_type->name,
		               column->name);
		orm_ddl_enum_labels(&b, column->enum_type);
		orm_buf_puts(&b, "))");
	}
	rc = run_buf(op, "add_column", &b);
	orm_buf_free(&b);
	return rc;
}

int orm_op_drop_column(orm_op *op, const char *table, const char *column)
{
	orm_batch *batch;
	orm_buf b = ORM_BUF_INIT;
	bool own;
	int rc;

	assert(op && table && column);
	if (!op->m->batch) {
		orm_buf_printf(&b, "ALTER TABLE %s DROP COLUMN %s", table, column);
		rc = run_buf(op, "drop_column", &b);
		orm_buf_free(&b);
		return rc;
	}
	if ((rc = get_batch(&batch, &own, op, table)) < 0)
		return rc;
	rc = orm_batch_drop_column(batch, column, &op->err);
	return finish_batch(op, batch, own, rc);
}

int orm_op_alter_column(orm_op *op, const char *table, const char *column,
                        const orm_alter_column *changes)
{
	orm_alter_column rest;
	orm_batch *batch;
	orm_buf b = ORM_BUF_INIT;
	bool own;
	int rc = ORM_OK;

	assert(op && table && column && changes);
	if (!op->m->batch) {
		op->m->alter_column(&b, table, column, changes);
		return run_script(op, "alter_column", &b);
	}
	/* SQLite renames a column in place (3.25 and later); the other
	 * changes need the table rebuilt. */
	rest = *changes;
	if (changes->new_name && !op->batch) {
		orm_buf_printf(&b, "ALTER TABLE %s RENAME COLUMN %s TO %s;\n", table, column,
		               changes->new_name);
		if ((rc = run_script(op, "alter_column", &b)) < 0)
			return rc;
		column = changes->new_name;
		rest.new_name = NULL;
	}
	if (!rest.nullable && !rest.type && !rest.new_name && !rest.server_default &&
	    !rest.drop_server_default)
		return ORM_OK;
	if ((rc = get_batch(&batch, &own, op, table)) < 0)
		return rc;
	rc = orm_batch_alter_column(batch, op->d, column, &rest, &op->err);
	return finish_batch(op, batch, own, rc);
}

/* ---- indexes and constraints ----------------------------------------- */

int orm_op_create_index(orm_op *op, const char *name, const char *table, const char *columns,
                        bool unique)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;

	assert(op && name && table && columns);
	orm_buf_printf(&b, "CREATE %sINDEX %s ON %s (%s)", unique ? "UNIQUE " : "", name, table,
	               columns);
	/* In a batch on this table, the index is made on the new table. */
	if (op->batch && strcmp(orm_batch_table(op->batch), table) == 0)
		rc = b.failed ? nomem(op, "create_index")
		              : orm_batch_add_index(op->batch, orm_buf_cstr(&b), &op->err);
	else
		rc = run_buf(op, "create_index", &b);
	orm_buf_free(&b);
	return rc;
}

int orm_op_drop_index(orm_op *op, const char *name, const char *table)
{
	orm_buf b = ORM_BUF_INIT;
	int rc;

	assert(op && name && table);
	/* In a batch on this table, the index is simply not made again. */
	if (op->batch && strcmp(orm_batch_table(op->batch), table) == 0)
		return orm_batch_drop_constraint(op->batch, name, &op->err);
	orm_buf_printf(&b, "DROP INDEX %s", name);
	rc = run_buf(op, "drop_index", &b);
	orm_buf_free(&b);
	return rc;
}

/* ADD CONSTRAINT in place, or the same definition added in a batch. */
static int add_constraint(orm_op *op, const char *what, const char *table, orm_buf *def)
{
	orm_batch *batch;
	orm_buf b = ORM_BUF_INIT;
	bool own;
	int rc;

	if (def->failed)
		return nomem(op, what);
	if (!op->m->batch) {
		orm_buf_printf(&b, "ALTER TABLE %s ADD %s", table, orm_buf_cstr(def));
		rc = run_buf(op, what, &b);
		orm_buf_free(&b);
		return rc;
	}
	if ((rc = get_batch(&batch, &own, op, table)) < 0)
		return rc;
	rc = orm_batch_add_constraint(batch, orm_buf_cstr(def), &op->err);
	return finish_batch(op, batch, own, rc);
}

int orm_op_create_unique_constraint(orm_op *op, const char *name, const char *table,
                                    const char *columns)
{
	orm_buf def = ORM_BUF_INIT;
	int rc;

	assert(op && name && table && columns);
	orm_buf_printf(&def, "CONSTRAINT %s UNIQUE (%s)", name, columns);
	rc = add_constraint(op, "create_unique_constraint", table, &def);
	orm_buf_free(&def);
	return rc;
}

int orm_op_create_foreign_key(orm_op *op, const char *name, const char *table, const char *columns,
                              const char *referred_table, const char *referred_columns)
{
	orm_buf def = ORM_BUF_INIT;
	int rc;

	assert(op && name && table && columns && referred_table && referred_columns);
	orm_buf_printf(&def, "CONSTRAINT %s FOREIGN KEY(%s) REFERENCES %s (%s)", name, columns,
	               referred_table, referred_columns);
	rc = add_constraint(op, "create_foreign_key", table, &def);
	orm_buf_free(&def);
	return rc;
}

int orm_op_create_check_constraint(orm_op *op, const char *name, const char *table,
                                   const char *condition)
{
	orm_buf def = ORM_BUF_INIT;
	int rc;

	assert(op && name && table && condition);
	orm_buf_printf(&def, "CONSTRAINT %s CHECK (%s)", name, condition);
	rc = add_constraint(op, "create_check_constraint", table, &def);
	orm_buf_free(&def);
	return rc;
}

int orm_op_drop_constraint(orm_op *op, const char *name, const char *table)
{
	orm_batch *batch;
	orm_buf b = ORM_BUF_INIT;
	bool own;
	int rc;

	assert(op && name && table);
	if (!op->m->batch) {
		orm_buf_printf(&b, "ALTER TABLE %s DROP CONSTRAINT %s", table, name);
		rc = run_buf(op, "drop_constraint", &b);
		orm_buf_free(&b);
		return rc;
	}
	if ((rc = get_batch(&batch, &own, op, table)) < 0)
		return rc;
	rc = orm_batch_drop_constraint(batch, name, &op->err);
	return finish_batch(op, batch, own, rc);
}

/* ---- enum labels ----------------------------------------------------- */

int orm_op_alter_enum(orm_op *op, const char *table, const char *column, const orm_enum *from,
                      const orm_enum *to)
{
	orm_batch *batch;
	orm_buf b = ORM_BUF_INIT;
	bool own;
	int rc;

	assert(op && table && column && from && to);
	if (strcmp(from->name, to->name) != 0 || to->nlabels == 0)
		return orm_err_set(&op->err, ORM_EINVAL,
		                   "alter_enum %s.%s: '%s' and '%s' are not the same enum type "
		                   "with labels",
		                   table, column, from->name, to->name);
	if (op->d->native_enum) {
		op->m->alter_enum(&b, table, column, from, to);
		return run_script(op, "alter_enum", &b);
	}
	if ((rc = get_batch(&batch, &own, op, table)) < 0)
		return rc;
	rc = orm_batch_set_enum(batch, column, to, &op->err);
	return finish_batch(op, batch, own, rc);
}

/* ---- data ------------------------------------------------------------ */

int orm_op_execute(orm_op *op, const char *sql)
{
	assert(op && sql);
	return orm_op_run(op, "execute", sql);
}

/* A value as a SQL literal, for offline INSERTs. */
static void put_value(orm_buf *b, const orm_value *v)
{
	switch (v->type) {
	case ORM_TYPE_NULL:
		orm_buf_puts(b, "NULL");
		break;
	case ORM_TYPE_INT:
		orm_buf_printf(b, "%lld", (long long)v->u.i);
		break;
	case ORM_TYPE_FLOAT:
		orm_buf_printf(b, "%.17g", v->u.f);
		break;
	case ORM_TYPE_BOOL:
		orm_buf_puts(b, v->u.b ? "true" : "false");
		break;
	default:
		orm_buf_putc(b, '\'');
		for (size_t i = 0; i < v->u.s.len; i++) {
			if (v->u.s.ptr[i] == '\'')
				orm_buf_putc(b, '\'');
			orm_buf_putc(b, v->u.s.ptr[i]);
		}
		orm_buf_putc(b, '\'');
		break;
	}
}

int orm_op_bulk_insert(orm_op *op, const char *table, const char *columns, const orm_value *rows,
                       size_t nrows)
{
	orm_buf b = ORM_BUF_INIT;
	size_t ncols = 1;
	int rc = ORM_OK;

	assert(op && table && columns && (rows || nrows == 0));
	for (const char *p = columns; *p; p++)
		ncols += *p == ',';
	if (!op->conn) {
		for (size_t r = 0; r < nrows && rc == ORM_OK; r++) {
			orm_buf_printf(&b, "INSERT INTO %s (%s) VALUES (", table, columns);
			for (size_t c = 0; c < ncols; c++) {
				if (c > 0)
					orm_buf_puts(&b, ", ");
				put_value(&b, &rows[r * ncols + c]);
			}
			orm_buf_putc(&b, ')');
			rc = run_buf(op, "bulk_insert", &b);
		}
		orm_buf_free(&b);
		return rc;
	}
	orm_buf_printf(&b, "INSERT INTO %s (%s) VALUES (", table, columns);
	for (size_t c = 0; c < ncols; c++)
		orm_buf_puts(&b, c > 0 ? ", ?" : "?");
	orm_buf_putc(&b, ')');
	if (b.failed)
		rc = nomem(op, "bulk_insert");
	else if (nrows > 0 && (rc = orm_conn_execute_many(op->conn, orm_buf_cstr(&b), rows, ncols,
	                                                  nrows, NULL, NULL)) < 0)
		rc = orm_err_set(&op->err, rc, "bulk_insert into '%s': %s", table,
		                 orm_conn_errmsg(op->conn));
	orm_buf_free(&b);
	return rc;
}
