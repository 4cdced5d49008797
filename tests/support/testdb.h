/*
 * testdb.h - which database a test runs on, and a clean one to run on.
 *
 * Every library and exercise test is one source run twice by ctest (see
 * cmake/Workbook.cmake): with ORM_TEST_DATABASE=sqlite and =postgres.
 * These helpers turn that into a URL and an empty database.
 */
#ifndef ORM_TESTDB_H
#define ORM_TESTDB_H

#include <stdbool.h>

#include "orm/orm.h"

/* "sqlite" or "postgres" (from ORM_TEST_DATABASE; sqlite when unset). */
const char *orm_test_database(void);
bool orm_test_is_postgres(void);

/*
 * The URL to test against. SQLite: a new file in a fresh temporary
 * directory (removed at exit). PostgreSQL: ORM_TEST_POSTGRES_URL. When
 * that is unset the program prints why and exits 77, which ctest reports
 * as skipped - except under CI=true, where it exits 1: CI skips nothing.
 * Borrowed; valid until exit.
 */
const char *orm_test_url(void);

/*
 * An engine on orm_test_url() whose database is empty: on PostgreSQL the
 * public schema is dropped and recreated (tables and enum types go with
 * it). `options` may be NULL. Fails the test (exit 1) if it cannot.
 */
orm_engine *orm_test_engine(const orm_engine_options *options);

/* Runs SQL without parameters on a fresh connection of `engine`; fails
 * the test (exit 1, printing the database's message) on error. */
void orm_test_exec(orm_engine *engine, const char *sql);

#endif
