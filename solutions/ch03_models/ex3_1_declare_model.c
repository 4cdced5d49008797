/*
 * ex3_1_declare_model.c - exercise 3.1 solved (BOOK.md, "Chapter 3 - Base and models").
 *
 * The description, one column a line. Nullable is the default for every column but the
 * primary key, so only name says otherwise; capacity says it anyway, since the description
 * makes a point of it.
 */
#include "ex3_1_declare_model.h"

static const orm_column venue_columns[] = {
    ORM_COLUMN(Venue, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Venue, name, ORM_STRING, .length = 100, .nullable = ORM_NULLABLE_NO, .unique = true),
    ORM_COLUMN(Venue, capacity, ORM_INTEGER, .nullable = ORM_NULLABLE_YES),
    ORM_COLUMN(Venue, opened, ORM_DATE, .nullable = ORM_NULLABLE_YES),
};

const orm_model Venue_model = ORM_MODEL(Venue, "venues", venue_columns);
