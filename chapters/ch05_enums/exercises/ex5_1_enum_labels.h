/*
 * ex5_1_enum_labels.h - exercise 5.1: a C enum to its labels and back, with a clear error.
 * BOOK.md, "Chapter 5 - Enums", exercise 5.1.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in ex5_1_enum_labels.c;
 * `./workbook check 5` runs its test on SQLite;
 * `./workbook check 5 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX5_1_ENUM_LABELS_H
#define EX5_1_ENUM_LABELS_H

#include <stddef.h>

#include "orm/orm.h"
#include "orm/schema.h"

/* book:begin contract */
/*
 * The two directions every ORM_ENUM column needs, for any orm_enum `type` (a name, and the
 * labels of the C values 0, 1, 2, ...):
 *
 * enum_label() gives the label stored for the C value `value`, e.g. "private" for
 * SOCIAL_PRIVATE. It returns NULL when `value` is not one of the enum's values: negative, or
 * past the last label. The string is borrowed from `type`.
 *
 * enum_parse() finds the value whose label is exactly `text`, byte for byte: "Private",
 * "private " and "priv" are not labels of SocialStatus. On success it stores the value in
 * *out and returns ORM_OK. Otherwise (`text` is NULL or no label) it leaves *out alone,
 * returns ORM_EINVAL and writes a one-line message into `msg`, a buffer of `msgsize` bytes,
 * naming the enum, the value and every allowed label, in this form:
 *     invalid socialstatus label 'Private': allowed labels are 'public', 'private'
 *     invalid socialstatus label NULL: allowed labels are 'public', 'private'
 * The message is always NUL-terminated, and cut short if `msgsize` is too small.
 */
const char *enum_label(const orm_enum *type, int value);
int enum_parse(int *out, const orm_enum *type, const char *text, char *msg, size_t msgsize);
/* book:end contract */

#endif
