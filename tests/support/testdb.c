/*
 * testdb.c - which database a test runs on, and a clean one to run on.
 *
 * Every library and exercise test is one source that ctest runs twice,
 * with ORM_TEST_DATABASE=sqlite and =postgres (cmake/Workbook.cmake).
 * On SQLite each test program gets a fresh temporary directory holding
 * events.db, removed at exit; on PostgreSQL it uses the server named by
 * ORM_TEST_POSTGRES_URL (./workbook test starts a throwaway one) and
 * empties it by dropping the public schema.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdb.h"

/* The exit code ctest reports as "skipped" (SKIP_RETURN_CODE). */
#define EXIT_SKIPPED 77

static char temp_dir[64];
static char sqlite_path[128];
static char sqlite_url[160];

const char *orm_test_database(void)
{
	const char *db = getenv("ORM_TEST_DATABASE");

	return db && strcmp(db, "postgres") == 0 ? "postgres" : "sqlite";
}

bool orm_test_is_postgres(void)
{
	return strcmp(orm_test_database(), "postgres") == 0;
}

static void remove_temp_dir(void)
{
	DIR *dir = opendir(temp_dir);
	struct dirent *entry;
	char path[sizeof temp_dir + 256];

	if (!dir)
		return;
	while ((entry = readdir(dir))) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", temp_dir, entry->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(temp_dir);
}

static const char *sqlite_test_url(void)
{
	const char *tmp = getenv("TMPDIR");

	if (sqlite_url[0])
		return sqlite_url;
	if (!tmp || !*tmp || strlen(tmp) > 32)
		tmp = "/tmp";
	snprintf(temp_dir, sizeof temp_dir, "%s/orm-test-XXXXXX", tmp);
	if (!mkdtemp(temp_dir)) {
		perror("testdb: cannot create a temporary directory");
		exit(1);
	}
	atexit(remove_temp_dir);
	snprintf(sqlite_path, sizeof sqlite_path, "%s/events.db", temp_dir);
	/* Three slashes, then the absolute path's own. */
	snprintf(sqlite_url, sizeof sqlite_url, "sqlite:///%s", sqlite_path);
	return sqlite_url;
}

static const char *postgres_test_url(void)
{
	const char *url = getenv("ORM_TEST_POSTGRES_URL");
	const char *ci = getenv("CI");

	if (url && *url)
		return url;
	if (ci && strcmp(ci, "true") == 0) {
		fprintf(stderr, "testdb: ORM_TEST_POSTGRES_URL is not set, and CI=true skips "
		                "nothing; run the tests with ./workbook test\n");
		exit(1);
	}
	printf("skipped: ORM_TEST_POSTGRES_URL is not set (./workbook test starts a PostgreSQL "
	       "server and sets it)\n");
	exit(EXIT_SKIPPED);
}

const char *orm_test_url(void)
{
	return orm_test_is_postgres() ? postgres_test_url() : sqlite_test_url();
}

static void fail(const char *what, int rc, const char *message)
{
	fprintf(stderr, "testdb: %s: %s (%s)\n", what, message, orm_strerror(rc));
	exit(1);
}

void orm_test_exec(orm_engine *engine, const char *sql)
{
	orm_conn *conn;
	int rc;

	if ((rc = orm_engine_connect(&conn, engine)) < 0)
		fail("connecting", rc, orm_errmsg(engine));
	if ((rc = orm_conn_execute(NULL, conn, sql, NULL, 0)) < 0) {
		fprintf(stderr, "testdb: %s\n", sql);
		fail("running SQL", rc, orm_conn_errmsg(conn));
	}
	orm_conn_close(conn);
}

orm_engine *orm_test_engine(const orm_engine_options *options)
{
	const char *url = orm_test_url();
	orm_engine *engine;
	int rc;

	/* SQLite: a database that is empty is a file that is not there yet.
	 * (The journal files go too, or SQLite would replay them.) */
	if (!orm_test_is_postgres()) {
		static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
		char path[sizeof sqlite_path + 16];

		for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
			snprintf(path, sizeof path, "%s%s", sqlite_path, suffixes[i]);
			unlink(path);
		}
	}
	if (orm_test_is_postgres()) {
		/* Tables, sequences and enum types all live in the schema. This
		 * runs on an engine of its own, so the test's echo (if on) shows
		 * only the test's own statements. */
		if ((rc = orm_create_engine(&engine, url, NULL)) < 0)
			fail("creating the engine", rc, orm_error_last());
		orm_test_exec(engine, "DROP SCHEMA IF EXISTS public CASCADE");
		orm_test_exec(engine, "CREATE SCHEMA public");
		orm_engine_free(engine);
	}
	if ((rc = orm_create_engine(&engine, url, options)) < 0)
		fail("creating the engine", rc, orm_error_last());
	return engine;
}
