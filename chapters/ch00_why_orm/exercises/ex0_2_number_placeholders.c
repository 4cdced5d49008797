/*
 * ex0_2_number_placeholders.c - exercise 0.2 (BOOK.md, "Chapter 0 - Why an ORM").
 *
 * As shipped, this returns the SQL unchanged, which PostgreSQL would reject: it does not
 * know '?' as a placeholder.
 *
 * TODO: walk the SQL once, character by character, copying into a new buffer:
 *   - outside quotes, a ? becomes $ followed by its number (1, 2, ...);
 *   - a ' starts a string literal, which ends at the next ' that is not doubled ('');
 *     a " starts a quoted name, which ends at the next ". Inside either, copy as is.
 * How big must the buffer be? Each ? grows into at most 1 + 10 characters.
 * chapters/ch00_why_orm/main.c writes the same SQL twice, once with ? and once with $1:
 * this function is what lets a library write it once.
 */
#include <stdlib.h>
#include <string.h>

#include "ex0_2_number_placeholders.h"

char *number_placeholders(const char *sql, int *nparams)
{
	char *copy = malloc(strlen(sql) + 1);
	if (!copy)
		return NULL;
	strcpy(copy, sql);
	if (nparams)
		*nparams = 0;
	return copy;
}
