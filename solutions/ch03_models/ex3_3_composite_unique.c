/*
 * ex3_3_composite_unique.c - exercise 3.3 solved (BOOK.md, "Chapter 3 - Base and models").
 *
 * The rule "a seat is sold once per event" is about a pair of values, so it is a constraint
 * of the table over both columns, not an option of either column: CREATE TABLE ends with
 * UNIQUE (event_id, seat), as SQLAlchemy's UniqueConstraint("event_id", "seat") writes it.
 */
#include "ex3_3_composite_unique.h"

static const orm_column ticket_columns[] = {
    ORM_COLUMN(Ticket, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Ticket, event_id, ORM_INTEGER, .foreign_key = "events.id",
               .nullable = ORM_NULLABLE_NO),
    ORM_COLUMN(Ticket, seat, ORM_STRING, .length = 10, .nullable = ORM_NULLABLE_NO),
};

static const orm_constraint ticket_constraints[] = {
    {.kind = ORM_UNIQUE_CONSTRAINT, .columns = "event_id,seat"},
};

const orm_model Ticket_model =
    ORM_MODEL_WITH_CONSTRAINTS(Ticket, "tickets", ticket_columns, ticket_constraints);
