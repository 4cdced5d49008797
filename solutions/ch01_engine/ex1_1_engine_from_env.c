/*
 * ex1_1_engine_from_env.c - exercise 1.1 solved (BOOK.md, "Chapter 1 - The engine").
 *
 * Three cases, told apart by getenv(): unset (NULL) means "use the default", set means "use
 * this", and set-but-empty is somebody's mistake that should fail loudly, not quietly run on
 * the default database.
 */
#include <stdlib.h>

#include "ex1_1_engine_from_env.h"

int engine_from_env(orm_engine **out, const char *fallback_url, const orm_engine_options *options)
{
	const char *url = getenv("ORM_DATABASE_URL");

	*out = NULL;
	if (url == NULL)
		url = fallback_url;
	else if (url[0] == '\0')
		return ORM_EINVAL;
	return orm_create_engine(out, url, options);
}
