/*
 * ex3_1_declare_model.c - exercise 3.1 (BOOK.md, "Chapter 3 - Base and models").
 *
 * As shipped, the model has its primary key and nothing else: create_all makes a table
 * venues(id) and the test finds every other column missing.
 *
 * TODO: declare the three other columns of the description in ex3_1_declare_model.h, one
 * ORM_COLUMN each, with the options that description asks for (orm/schema.h lists them:
 * .length, .nullable, .unique, ...).
 */
#include "ex3_1_declare_model.h"

static const orm_column venue_columns[] = {
    ORM_COLUMN(Venue, id, ORM_INTEGER, .primary_key = true),
    /* TODO: name, capacity, opened */
};

const orm_model Venue_model = ORM_MODEL(Venue, "venues", venue_columns);
