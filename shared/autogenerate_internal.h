/*
 * autogenerate_internal.h - what autogenerate.c, autogenerate_ops.c and
 * autogenerate_write.c share (private): the differences found, one item
 * each.
 *
 * Introduced in chapter 7. autogenerate.c finds the items,
 * autogenerate_ops.c describes them and runs their operations, and
 * autogenerate_write.c writes them as the C of a revision file.
 */
#ifndef ORM_AUTOGENERATE_INTERNAL_H
#define ORM_AUTOGENERATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dialect.h"
#include "internal.h"
#include "orm/autogenerate.h"

typedef enum item_kind {
	ADD_TABLE = 1,
	EXTRA_TABLE, /* in the database only: reported, not dropped */
	ADD_COLUMN,
	DROP_COLUMN,
	ALTER_NULLABLE,
	ALTER_TYPE,
	ADD_INDEX,
	DROP_INDEX,
	ALTER_ENUM,
	ADD_UNIQUE,
	DROP_UNIQUE,
	ADD_FOREIGN,
	DROP_FOREIGN,
	ADD_CHECK,
	DROP_CHECK,
	EXTRA_ENUM, /* a PostgreSQL enum type no model uses: reported, not dropped */
} item_kind;

typedef struct item {
	item_kind kind;
	const orm_model *model;   /* the model's table */
	const orm_column *column; /* the model's column */
	char *table;
	char *name;      /* column or index name (owned) */
	char *columns;   /* index columns */
	bool unique;     /* index */
	bool nullable;   /* ALTER_NULLABLE: the database's */
	orm_column old;  /* DROP_COLUMN, ALTER_TYPE: the database's column */
	bool old_known;  /* its type could be read back */
	char *old_type;  /* as the database spells it */
	orm_enum from;   /* ALTER_ENUM: the database's labels */
	char *rename_to; /* DROP_COLUMN: the added column it probably became */
	char *ref_table; /* ADD_FOREIGN, DROP_FOREIGN: the table referred to */
	char *ref_columns;
	char *sqltext; /* ADD_CHECK, DROP_CHECK */
} item;

/* Whether an item changes a table or its columns (an enum column's labels
 * included), rather than an index, a constraint or an enum type: how the
 * describing, running and writing of items are split in two. */
static inline bool orm_autogen_on_table_or_column(item_kind kind)
{
	switch (kind) {
	case ADD_TABLE:
	case EXTRA_TABLE:
	case ADD_COLUMN:
	case DROP_COLUMN:
	case ALTER_NULLABLE:
	case ALTER_TYPE:
	case ALTER_ENUM:
		return true;
	default:
		return false;
	}
}

struct orm_autogen {
	item *items;
	size_t count, cap;
	const orm_dialect *d;
	orm_err err;
};

#endif
