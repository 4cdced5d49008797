/*
 * ex7_3_merge_heads.h - exercise 7.3: two workshop pairs, two heads, one merge.
 * BOOK.md, "Chapter 7 - Migrations", exercise 7.3.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex7_3_merge_heads.c; `./workbook check 7` runs its test on SQLite and PostgreSQL.
 */
#ifndef EX7_3_MERGE_HEADS_H
#define EX7_3_MERGE_HEADS_H

#include "orm/migration.h"

/* book:begin contract */
/*
 * Two pairs of a workshop each wrote a revision after chapter 7's head, 9c7e5b2a1f04:
 *     pair_a   a1a1a1a1a1a1  add location to events
 *     pair_b   b2b2b2b2b2b2  add capacity to events
 * Together with the shipped chain, the graph now has two heads, and `upgrade head` fails
 * with "Multiple heads are present". ex7_3_merge is the revision that joins them, so that
 * the graph has one head again and `upgrade head` runs both pairs' revisions.
 */
extern const orm_revision ex7_3_pair_a;
extern const orm_revision ex7_3_pair_b;
extern const orm_revision ex7_3_merge;
/* book:end contract */

#endif
