/*
 * ex0_2_number_placeholders.c - exercise 0.2 solved (BOOK.md, "Chapter 0 - Why an ORM").
 *
 * One pass with three states: in SQL code, in a string literal, in a quoted name. Only a ?
 * in code is a placeholder. The PostgreSQL dialect of the library (shared/dialect_postgres.c)
 * does the same job when it prepares a statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex0_2_number_placeholders.h"

char *number_placeholders(const char *sql, int *nparams)
{
	enum { CODE, IN_STRING, IN_NAME } where = CODE;
	/* Worst case: every character a ? that becomes "$" and ten digits. */
	char *out = malloc(strlen(sql) * 11 + 1);
	char *o = out;
	int n = 0;

	if (!out)
		return NULL;
	for (const char *p = sql; *p; p++) {
		if (where == CODE && *p == '?') {
			o += sprintf(o, "$%d", ++n);
			continue;
		}
		*o++ = *p;
		if (where == CODE && *p == '\'')
			where = IN_STRING;
		else if (where == CODE && *p == '"')
			where = IN_NAME;
		else if (where == IN_STRING && *p == '\'') {
			if (p[1] == '\'')
				*o++ = *++p; /* '' is a quote inside the literal */
			else
				where = CODE;
		} else if (where == IN_NAME && *p == '"')
			where = CODE;
	}
	*o = '\0';
	if (nparams)
		*nparams = n;
	return out;
}
