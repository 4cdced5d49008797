/*
 * ex5_1_enum_labels.c - exercise 5.1 (BOOK.md, "Chapter 5 - Enums").
 *
 * As shipped, neither direction is written: every value has no label and every text is
 * refused with a message that says nothing useful.
 *
 * TODO:
 *   1. enum_label(): the label of a member, or the contract's answer for a value that is not
 *      one; mind the types: a negative int compared with a size_t is not negative.
 *   2. enum_parse(): only a whole label matches ("priv" is not "private").
 *   3. the message, exactly as the contract writes it, never past the buffer, however small.
 * The library does the same for every ORM_ENUM column, in shared/field.c.
 * `./workbook hint 5.1`, then `--more`.
 */
#include "ex5_1_enum_labels.h"

#include <stdio.h>
#include <string.h>

const char *enum_label(const orm_enum *type, int value)
{
	(void)type;
	(void)value;
	return NULL;
}

int enum_parse(int *out, const orm_enum *type, const char *text, char *msg, size_t msgsize)
{
	(void)out;
	(void)type;
	(void)text;
	if (msgsize > 0)
		snprintf(msg, msgsize, "not written yet");
	return ORM_EINVAL;
}
