/*
 * ex7_1_hand_written.h - exercise 7.1: a revision written by hand, with its downgrade.
 * BOOK.md, "Chapter 7 - Migrations", exercise 7.1.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex7_1_hand_written.c; `./workbook check 7` runs its test on SQLite and PostgreSQL.
 */
#ifndef EX7_1_HAND_WRITTEN_H
#define EX7_1_HAND_WRITTEN_H

#include "orm/migration.h"

/* book:begin contract */
/*
 * A revision that follows chapter 7's head (9c7e5b2a1f04, create events) and gives
 * events a `description`, a nullable TEXT column. Its downgrade puts the schema back exactly
 * as it was, on SQLite and PostgreSQL alike.
 */
extern const orm_revision ex7_1_add_description;
/* book:end contract */

#endif
