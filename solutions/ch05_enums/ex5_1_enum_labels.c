/*
 * ex5_1_enum_labels.c - exercise 5.1 solved (BOOK.md, "Chapter 5 - Enums").
 *
 * A label is found by exact comparison, and a value by a bounds check done in a type that
 * holds both a negative int and the size_t count. The message is appended piece by piece
 * with vsnprintf, which never writes past the buffer and always terminates it.
 */
#include "ex5_1_enum_labels.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *enum_label(const orm_enum *type, int value)
{
	if (value < 0 || (size_t)value >= type->nlabels)
		return NULL;
	return type->labels[value];
}

/* Appends to msg[0..size) at *used, cutting at the end of the buffer. */
static void append(char *msg, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (size == 0 || *used >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*used += (size_t)n;
	if (*used > size - 1)
		*used = size - 1;
}

int enum_parse(int *out, const orm_enum *type, const char *text, char *msg, size_t msgsize)
{
	size_t used = 0;

	for (size_t i = 0; text && i < type->nlabels; i++) {
		if (strcmp(text, type->labels[i]) == 0) {
			*out = (int)i;
			return ORM_OK;
		}
	}
	if (msgsize > 0)
		msg[0] = '\0';
	append(msg, msgsize, &used, "invalid %s label ", type->name);
	if (text)
		append(msg, msgsize, &used, "'%s'", text);
	else
		append(msg, msgsize, &used, "NULL");
	append(msg, msgsize, &used, ": allowed labels are ");
	for (size_t i = 0; i < type->nlabels; i++)
		append(msg, msgsize, &used, "%s'%s'", i ? ", " : "", type->labels[i]);
	return ORM_EINVAL;
}
