/*
 * Revision 9c7e5b2a1f04: create events, with the socialstatus enum.
 *
 * Revision ID: 9c7e5b2a1f04
 * Revises: 4f2a9c1d7b3e
 * Create Date: 2024-07-02 09:30:00
 *
 * The write-up's Event with chapter 5's social_status. On PostgreSQL
 * create_table makes the enum type socialstatus before the table, and
 * drop_table drops it after the table once no column uses it (Alembic
 * leaves it behind, its issue #886); on SQLite the enum is a VARCHAR(7)
 * with a CHECK named socialstatus, which comes and goes with the table.
 */
#include "orm/migration.h"

/* book:begin events */
static const char *const socialstatus_labels[] = {"public", "private"};
static const orm_enum socialstatus = {"socialstatus", socialstatus_labels, 2};

static const orm_column events_columns[] = {
    ORM_TABLE_COLUMN("id", ORM_INTEGER, .primary_key = true),
    ORM_TABLE_COLUMN("title", ORM_STRING, .index = true),
    ORM_TABLE_COLUMN("date_of", ORM_DATE),
    ORM_TABLE_COLUMN("social_status", ORM_ENUM, .enum_type = &socialstatus),
    ORM_TABLE_COLUMN("organizer_id", ORM_INTEGER, .foreign_key = "users.id"),
};
static const orm_model events = ORM_TABLE("events", events_columns);

static int upgrade(orm_op *op)
{
	return orm_op_create_table(op, &events);
}

static int downgrade(orm_op *op)
{
	return orm_op_drop_table(op, &events);
}

const orm_revision revision_9c7e5b2a1f04 = {
    .id = "9c7e5b2a1f04",
    .down_revision = "4f2a9c1d7b3e",
    .message = "create events",
    .create_date = "2024-07-02 09:30:00",
    .upgrade = upgrade,
    .downgrade = downgrade,
};
/* book:end events */
