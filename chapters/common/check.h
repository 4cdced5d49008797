/*
 * check.h - the one error helper every chapter program uses.
 *
 * Each library call returns ORM_OK or a negative code, and keeps a
 * one-line message saying what went wrong. A chapter program is short and
 * goes top to bottom, so on any error it prints that message and stops:
 *
 *     check(orm_create_engine(&engine, url, &options), "create engine");
 */
#ifndef CHAPTER_CHECK_H
#define CHAPTER_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "orm/orm.h"

static inline void check(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "error: %s: %s (%s)\n", what, orm_error_last(), orm_strerror(rc));
		exit(1);
	}
}

/*
 * The database URL a chapter program runs on: its first argument, else
 * the ORM_DATABASE_URL environment variable, else `fallback` (a SQLite
 * file in the current directory, so it can be inspected afterwards).
 */
static inline const char *database_url(int argc, char **argv, const char *fallback)
{
	const char *env = getenv("ORM_DATABASE_URL");
	if (argc > 1 && argv[1][0] != '\0')
		return argv[1];
	if (env && env[0] != '\0')
		return env;
	return fallback;
}

#endif
