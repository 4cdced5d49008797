/*
 * autogenerate_ops.c - what each difference autogenerate found says, and
 * what it does: its line for `check`, and its operations up and down
 * (chapter 7).
 *
 * autogenerate.c finds the differences, one item each (autogenerate_internal.h);
 * this file describes them ("Detected added column 'events.location'") and
 * runs them through the operations of migration_op.c, the way Alembic's
 * autogenerate produces operation objects that `alembic check` prints and
 * a revision runs. Upgrade runs the items in order, downgrade runs each
 * one's reverse, last first. autogenerate_write.c writes the same items as
 * the C of a revision file.
 */
#include <stdbool.h>
#include <stdio.h>

#include "migration_internal.h"
#include "orm/autogenerate.h"

#include "autogenerate_internal.h"

/* ---- describing ------------------------------------------------------ */

static void put_labels(FILE *out, const orm_enum *e)
{
	fputc('[', out);
	for (size_t i = 0; i < e->nlabels; i++)
		fprintf(out, "%s'%s'", i ? ", " : "", e->labels[i]);
	fputc(']', out);
}

static void describe_table_or_column(FILE *out, const orm_autogen *a, const item *it)
{
	orm_buf b = ORM_BUF_INIT;

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
		fprintf(out, "Detected %s on column '%s.%s'\n", it->nullable ? "NOT NULL" : "NULL",
		        it->table, it->name);
		break;
	case ALTER_TYPE:
		a->d->column_type(&b, it->column, false);
		fprintf(out, "Detected type change from %s to %s on '%s.%s'\n", it->old_type,
		        orm_buf_cstr(&b), it->table, it->name);
		orm_buf_free(&b);
		break;
	case ALTER_ENUM:
		fprintf(out, "Detected enum '%s' labels changed on '%s.%s': ",
		        it->column->enum_type->name, it->table, it->name);
		put_labels(out, &it->from);
		fputs(" -> ", out);
		put_labels(out, it->column->enum_type);
		fputc('\n', out);
		break;
	default:
		break;
	}
}

static void describe_index_or_constraint(FILE *out, const item *it)
{
	switch (it->kind) {
	case ADD_INDEX:
		fprintf(out, "Detected added index '%s' on '%s (%s)'\n", it->name, it->table,
		        it->columns);
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
	default:
		break;
	}
}

void orm_autogen_describe(FILE *out, const orm_autogen *a)
{
	for (size_t i = 0; i < a->count; i++) {
		const item *it = &a->items[i];

		if (orm_autogen_on_table_or_column(it->kind))
			describe_table_or_column(out, a, it);
		else
			describe_index_or_constraint(out, it);
	}
}

/* ---- running --------------------------------------------------------- */

/* A dropped column comes back on downgrade only when its type could be
 * read back as one of ours. */
static int run_drop_column(orm_op *op, const item *it, bool up)
{
	if (up)
		return orm_op_drop_column(op, it->table, it->name);
	if (!it->old_known)
		return orm_err_set(&op->err, ORM_EINVAL,
		                   "downgrade: column '%s.%s' of type %s cannot be added back "
		                   "automatically",
		                   it->table, it->name, it->old_type);
	return orm_op_add_column(op, it->table, &it->old);
}

static int run_table_or_column(orm_op *op, const item *it, bool up)
{
	orm_alter_column alter = ORM_ALTER_COLUMN_INIT;
	orm_column old;

	switch (it->kind) {
	case ADD_TABLE:
		return up ? orm_op_create_table(op, it->model) : orm_op_drop_table(op, it->model);
	case ADD_COLUMN:
		return up ? orm_op_add_column(op, it->table, it->column)
		          : orm_op_drop_column(op, it->table, it->name);
	case DROP_COLUMN:
		return run_drop_column(op, it, up);
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
	case ALTER_ENUM:
		return up ? orm_op_alter_enum(op, it->table, it->name, &it->from,
		                              it->column->enum_type)
		          : orm_op_alter_enum(op, it->table, it->name, it->column->enum_type,
		                              &it->from);
	default:
		return ORM_OK; /* EXTRA_TABLE: reported only */
	}
}

static int run_index_or_constraint(orm_op *op, const item *it, bool up)
{
	switch (it->kind) {
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
	default:
		return ORM_OK; /* EXTRA_ENUM: reported only */
	}
}

static int run_item(orm_op *op, const item *it, bool up)
{
	if (orm_autogen_on_table_or_column(it->kind))
		return run_table_or_column(op, it, up);
	return run_index_or_constraint(op, it, up);
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
