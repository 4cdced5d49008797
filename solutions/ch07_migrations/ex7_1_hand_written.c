/*
 * ex7_1_hand_written.c - exercise 7.1 (BOOK.md, "Chapter 7 - Migrations").
 *
 * The solution: the downgrade drops the column the upgrade added. On SQLite that is batch
 * mode (the table is rebuilt without it); on PostgreSQL, ALTER TABLE ... DROP COLUMN.
 */
#include "ex7_1_hand_written.h"

static const orm_column description = ORM_TABLE_COLUMN("description", ORM_TEXT);

static int upgrade(orm_op *op)
{
	return orm_op_add_column(op, "events", &description);
}

static int downgrade(orm_op *op)
{
	return orm_op_drop_column(op, "events", "description");
}

const orm_revision ex7_1_add_description = {
    .id = "d35c41e710aa",
    .down_revision = "9c7e5b2a1f04",
    .message = "add description to events",
    .create_date = "2024-09-01 10:00:00",
    .upgrade = upgrade,
    .downgrade = downgrade,
};
