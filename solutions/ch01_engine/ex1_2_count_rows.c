/*
 * ex1_2_count_rows.c - exercise 1.2 solved (BOOK.md, "Chapter 1 - The engine").
 *
 * Binding keeps the domain from being read as SQL; escaping keeps it from being read as a
 * LIKE pattern. Both are needed: a bound "ex_mple.com" is still a pattern that matches
 * example.com.
 */
#include <string.h>

#include "ex1_2_count_rows.h"

int count_rows(int64_t *out, orm_conn *conn, const char *domain)
{
	orm_result *res = NULL;
	char *pattern = orm_malloc(2 * strlen(domain) + 3);
	char *p = pattern;
	orm_value param;
	int rc;

	if (!pattern)
		return ORM_ENOMEM;
	*p++ = '%';
	*p++ = '@';
	for (const char *d = domain; *d; d++) {
		if (*d == '%' || *d == '_' || *d == '\\')
			*p++ = '\\';
		*p++ = *d;
	}
	*p = '\0';

	param = orm_text(pattern);
	rc = orm_conn_execute(
	    &res, conn, "SELECT count(*) FROM users WHERE email LIKE ? ESCAPE '\\'", &param, 1);
	if (rc < 0)
		goto done;
	rc = orm_result_next(res);
	if (rc < 0)
		goto done;
	if (rc != ORM_ROW) {
		rc = ORM_ERROR; /* count(*) always returns one row */
		goto done;
	}
	*out = orm_result_int(res, 0);
	rc = ORM_OK;

done:
	orm_result_free(res);
	orm_free(pattern);
	return rc;
}
