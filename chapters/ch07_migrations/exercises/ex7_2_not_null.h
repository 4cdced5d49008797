/*
 * ex7_2_not_null.h - exercise 7.2: a NOT NULL column added to a table that has rows.
 * BOOK.md, "Chapter 7 - Migrations", exercise 7.2.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex7_2_not_null.c; `./workbook check 7` runs its test on SQLite and PostgreSQL.
 */
#ifndef EX7_2_NOT_NULL_H
#define EX7_2_NOT_NULL_H

#include "orm/migration.h"

/* book:begin contract */
/*
 * A revision that follows chapter 7's head (9c7e5b2a1f04) and gives users a `name`
 * (VARCHAR, NOT NULL). The users already stored get their email as their name, or
 * 'unknown' when they have no email. Afterwards a user without a name is refused. The
 * downgrade removes the column.
 */
extern const orm_revision ex7_2_user_name;
/* book:end contract */

#endif
