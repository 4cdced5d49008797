/*
 * ex7_2_not_null.c - exercise 7.2 (BOOK.md, "Chapter 7 - Migrations").
 *
 * As shipped, the upgrade adds the column NOT NULL straight away. On an empty table that
 * works; on a table with users both databases refuse it (what would the existing rows
 * hold?), and the whole upgrade is rolled back.
 *
 * TODO: make the upgrade work on a table that has rows: the existing users end up with
 * their email as name ('unknown' without one), and the column ends up NOT NULL.
 */
#include "ex7_2_not_null.h"

static const orm_column name = ORM_TABLE_COLUMN("name", ORM_STRING, .nullable = ORM_NULLABLE_NO);

static int upgrade(orm_op *op)
{
	return orm_op_add_column(op, "users", &name);
}

static int downgrade(orm_op *op)
{
	return orm_op_drop_column(op, "users", "name");
}

const orm_revision ex7_2_user_name = {
    .id = "a0d0e7a2e000",
    .down_revision = "9c7e5b2a1f04",
    .message = "add name to users",
    .create_date = "2024-09-02 10:00:00",
    .upgrade = upgrade,
    .downgrade = downgrade,
};
