/*
 * ex7_3_merge_heads.c - exercise 7.3, solved (BOOK.md, "Chapter 7 - Migrations").
 *
 * A merge revision names both heads as its parents (Alembic's down_revision tuple):
 * down_revision and down_revision2. Upgrading to it runs both branches first; in the
 * version table, their two rows become its one.
 */
#include "ex7_3_merge_heads.h"

/* Pair A's revision: given, do not change it. */
static const orm_column location = ORM_TABLE_COLUMN("location", ORM_STRING, .length = 100);

static int a_upgrade(orm_op *op)
{
	return orm_op_add_column(op, "events", &location);
}

static int a_downgrade(orm_op *op)
{
	return orm_op_drop_column(op, "events", "location");
}

const orm_revision ex7_3_pair_a = {
    .id = "a1a1a1a1a1a1",
    .down_revision = "9c7e5b2a1f04",
    .message = "add location to events",
    .create_date = "2024-09-03 10:00:00",
    .upgrade = a_upgrade,
    .downgrade = a_downgrade,
};

/* Pair B's revision: given, do not change it. */
static const orm_column capacity = ORM_TABLE_COLUMN("capacity", ORM_INTEGER);

static int b_upgrade(orm_op *op)
{
	return orm_op_add_column(op, "events", &capacity);
}

static int b_downgrade(orm_op *op)
{
	return orm_op_drop_column(op, "events", "capacity");
}

const orm_revision ex7_3_pair_b = {
    .id = "b2b2b2b2b2b2",
    .down_revision = "9c7e5b2a1f04",
    .message = "add capacity to events",
    .create_date = "2024-09-03 10:05:00",
    .upgrade = b_upgrade,
    .downgrade = b_downgrade,
};

/* The merge: it changes nothing in the schema, it only joins the two branches. */
static int merge_upgrade(orm_op *op)
{
	(void)op;
	return ORM_OK;
}

static int merge_downgrade(orm_op *op)
{
	(void)op;
	return ORM_OK;
}

const orm_revision ex7_3_merge = {
    .id = "3e43e3e43e43",
    .down_revision = "a1a1a1a1a1a1",
    .down_revision2 = "b2b2b2b2b2b2",
    .message = "merge the pairs' heads",
    .create_date = "2024-09-03 11:00:00",
    .upgrade = merge_upgrade,
    .downgrade = merge_downgrade,
};
