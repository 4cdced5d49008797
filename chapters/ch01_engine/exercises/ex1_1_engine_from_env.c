/*
 * ex1_1_engine_from_env.c - exercise 1.1 (BOOK.md, "Chapter 1 - The engine").
 *
 * As shipped, this ignores the environment and always uses the fallback URL, so a program
 * built on it cannot be pointed at another database without recompiling.
 *
 * TODO: create the engine from ORM_DATABASE_URL when it is set, from fallback_url when it
 * is not, and refuse a variable set to "" as the contract says (no engine, ORM_EINVAL): an
 * empty URL is a mistake to report, not a reason to fall back. Sections 1.1 and 1.2 of the
 * book; `./workbook hint 1.1`, then `--more`.
 * database_url() in chapters/common/check.h does something close for the chapter programs;
 * note how it treats an empty value, and why this function must not.
 */
#include "ex1_1_engine_from_env.h"

int engine_from_env(orm_engine **out, const char *fallback_url, const orm_engine_options *options)
{
	return orm_create_engine(out, fallback_url, options);
}
