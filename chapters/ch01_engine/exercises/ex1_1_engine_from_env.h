/*
 * ex1_1_engine_from_env.h - exercise 1.1: an engine configured by the environment.
 * BOOK.md, "Chapter 1 - The engine", exercise 1.1.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex1_1_engine_from_env.c; `./workbook check 1` runs its test on SQLite;
 * `./workbook check 1 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX1_1_ENGINE_FROM_ENV_H
#define EX1_1_ENGINE_FROM_ENV_H

#include "orm/orm.h"

/* book:begin contract */
/*
 * Creates an engine the way a deployed program should: the URL comes from the environment
 * variable ORM_DATABASE_URL, and `fallback_url` is used only when that variable is not set
 * at all. A variable that is set but empty is a configuration mistake, not a request for the
 * fallback: it is refused with ORM_EINVAL. `options` may be NULL, as for orm_create_engine().
 *
 * Returns ORM_OK with an engine in *out, which the caller frees with orm_engine_free(); on
 * any error *out is NULL and the return is ORM_EINVAL (empty variable, bad URL) or whatever
 * orm_create_engine() returned.
 */
int engine_from_env(orm_engine **out, const char *fallback_url, const orm_engine_options *options);
/* book:end contract */

#endif
