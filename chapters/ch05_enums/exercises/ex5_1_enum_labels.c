/*
 * ex5_1_enum_labels.c - exercise 5.1 (BOOK.md, "Chapter 5 - Enums").
 *
 * As shipped, neither direction is written: every value has no label and every text is
 * refused with a message that says nothing useful.
 *
 * TODO:
 *   1. enum_label(): a value is a member when 0 <= value < type->nlabels; its label is
 *      type->labels[value]. Mind the comparison: nlabels is a size_t, value an int.
 *   2. enum_parse(): compare `text` with every label with strcmp() (not strncmp(): "priv" is
 *      not "private"); on a match store the index in *out.
 *   3. the message: snprintf() cuts and terminates for you. Build it in pieces, each written
 *      at the end of what is already there, and stop when the buffer is full.
 * The library does the same for every ORM_ENUM column, in shared/field.c.
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
