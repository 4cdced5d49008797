/*
 * ex0_2_number_placeholders.h - exercise 0.2: translate '?' placeholders into PostgreSQL's $1, $2.
 * BOOK.md, "Chapter 0 - Why an ORM", exercise 0.2.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex0_2_number_placeholders.c; `./workbook check 0` runs the test
 * (tests/exercises/ex0_2_number_placeholders_test.c) against it.
 */
#ifndef EX0_2_NUMBER_PLACEHOLDERS_H
#define EX0_2_NUMBER_PLACEHOLDERS_H

/* book:begin contract */
/*
 * Rewrites SQL written with '?' placeholders (SQLite's style) into PostgreSQL's numbered ones:
 * the first ? becomes $1, the second $2, and so on, so that one SQL text can serve both
 * databases. A ? that is not a placeholder stays as it is: one inside a string literal
 * ('...', where '' stands for one quote) or inside a quoted name ("...").
 *
 *     SELECT id FROM users WHERE email = ? AND id > ?    ->  ... email = $1 AND id > $2
 *     SELECT '?', ? FROM t                               ->  SELECT '?', $1 FROM t
 *
 * Returns a new string, which the caller frees with free(), and stores the number of
 * placeholders in *nparams (when nparams is not NULL). Returns NULL when out of memory.
 */
char *number_placeholders(const char *sql, int *nparams);
/* book:end contract */

#endif
