/*
 * ex1_1_engine_from_env.c - exercise 1.1 (BOOK.md, "Chapter 1 - The engine").
 *
 * As shipped, this ignores the environment and always uses the fallback URL, so a program
 * built on it cannot be pointed at another database without recompiling.
 *
 * TODO:
 *   1. read ORM_DATABASE_URL with getenv() (from <stdlib.h>);
 *   2. not set (NULL): use fallback_url;
 *   3. set but empty (""): set *out to NULL and return ORM_EINVAL;
 *   4. otherwise create the engine from the variable's value.
 * database_url() in chapters/common/check.h does something close for the chapter programs;
 * note how it treats an empty value, and why this function must not.
 */
#include "ex1_1_engine_from_env.h"

int engine_from_env(orm_engine **out, const char *fallback_url, const orm_engine_options *options)
{
	return orm_create_engine(out, fallback_url, options);
}
