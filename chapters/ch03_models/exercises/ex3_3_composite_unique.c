/*
 * ex3_3_composite_unique.c - exercise 3.3 (BOOK.md, "Chapter 3 - Base and models").
 *
 * As shipped, the columns are declared but the rule is not: the table stores seat A12 twice
 * for the same event. And marking `seat` alone unique would be wrong the other way: A12
 * could then be sold for one event only, ever.
 *
 * TODO: declare the rule "no seat twice in one event" so the database enforces it, without
 * making a seat number unique across all events. It is a rule over two columns, so it
 * belongs to the table, not to one column (orm/schema.h). `./workbook hint 3.3`.
 */
#include "ex3_3_composite_unique.h"

static const orm_column ticket_columns[] = {
    ORM_COLUMN(Ticket, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Ticket, event_id, ORM_INTEGER, .foreign_key = "events.id",
               .nullable = ORM_NULLABLE_NO),
    ORM_COLUMN(Ticket, seat, ORM_STRING, .length = 10, .nullable = ORM_NULLABLE_NO),
};

const orm_model Ticket_model = ORM_MODEL(Ticket, "tickets", ticket_columns);
