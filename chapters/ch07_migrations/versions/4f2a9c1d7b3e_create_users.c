/*
 * Revision 4f2a9c1d7b3e: create users.
 *
 * Revision ID: 4f2a9c1d7b3e
 * Revises: (none: the first revision)
 * Create Date: 2024-06-21 10:00:00
 *
 * The write-up's first model, User, as chapter 3 declares it. The table
 * is declared here as it is at this revision: later changes to the
 * application's models do not change what this revision does.
 */
#include "orm/migration.h"

/* book:begin users */
static const orm_column users_columns[] = {
    ORM_TABLE_COLUMN("id", ORM_INTEGER, .primary_key = true),
    ORM_TABLE_COLUMN("email", ORM_STRING, .unique = true, .index = true),
};
static const orm_model users = ORM_TABLE("users", users_columns);

static int upgrade(orm_op *op)
{
	return orm_op_create_table(op, &users); /* and its index, ix_users_email */
}

static int downgrade(orm_op *op)
{
	return orm_op_drop_table(op, &users);
}

const orm_revision revision_4f2a9c1d7b3e = {
    .id = "4f2a9c1d7b3e",
    .down_revision = NULL,
    .message = "create users",
    .create_date = "2024-06-21 10:00:00",
    .upgrade = upgrade,
    .downgrade = downgrade,
};
/* book:end users */
