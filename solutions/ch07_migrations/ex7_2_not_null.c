/*
 * ex7_2_not_null.c - exercise 7.2, solved (BOOK.md, "Chapter 7 - Migrations").
 *
 * The data migration in three steps, all in the upgrade's one transaction: add the column
 * nullable, so the existing rows can hold NULL for a moment; fill it; then make it NOT
 * NULL, which the database now accepts since no row is NULL. (On SQLite the last step is
 * batch mode: the table is rebuilt with the constraint.)
 */
#include "ex7_2_not_null.h"

static const orm_column name = ORM_TABLE_COLUMN("name", ORM_STRING);

static int upgrade(orm_op *op)
{
	orm_alter_column not_null = ORM_ALTER_COLUMN_INIT;
	int rc;

	not_null.nullable = ORM_NULLABLE_NO;
	if ((rc = orm_op_add_column(op, "users", &name)) < 0 ||
	    (rc = orm_op_execute(op, "UPDATE users SET name = COALESCE(email, 'unknown')")) < 0)
		return rc;
	return orm_op_alter_column(op, "users", "name", &not_null);
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
