/*
 * engine_create_test.c - what orm_create_engine() checks before any
 * connection, and how failing to connect is reported.
 *
 * No database server is needed: the connection tests aim at places where
 * nothing listens (a closed port, a directory that does not exist).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "orm/orm.h"

/* orm_create_engine must fail with `code` and exactly `message`. */
static void assert_create_fails(const char *url, const orm_engine_options *options, int code,
                                const char *message)
{
	orm_engine *engine = (orm_engine *)1;

	assert_int_equal(orm_create_engine(&engine, url, options), code);
	assert_null(engine);
	assert_string_equal(orm_error_last(), message);
}

static orm_engine *create_ok(const char *url, const orm_engine_options *options)
{
	orm_engine *engine = NULL;
	int rc = orm_create_engine(&engine, url, options);

	if (rc != ORM_OK)
		fail_msg("creating an engine on '%s': %s (%s)", url, orm_error_last(),
		         orm_strerror(rc));
	return engine;
}

static void engine__unknown_dialect_lists_known_ones(void **state)
{
	(void)state;
	assert_create_fails("mysql://app:s3cret@localhost/eventdb", NULL, ORM_EINVAL,
	                    "unknown dialect 'mysql' in URL 'mysql://app:***@localhost/eventdb': "
	                    "known dialects are sqlite, postgresql");
}

static void engine__postgres_alias_is_rejected_like_sqlalchemy(void **state)
{
	(void)state;
	assert_create_fails(
	    "postgres://app:s3cret@localhost/eventdb", NULL, ORM_EINVAL,
	    "unknown dialect 'postgres' in URL 'postgres://app:***@localhost/eventdb'"
	    ": write 'postgresql://' (SQLAlchemy 1.4 dropped the 'postgres' alias)");
}

static void engine__unknown_driver_lists_known_ones(void **state)
{
	(void)state;
	assert_create_fails("sqlite+mysqldb:///events.db", NULL, ORM_EINVAL,
	                    "unknown driver 'mysqldb' for dialect 'sqlite' in URL "
	                    "'sqlite+mysqldb:///events.db': known drivers are pysqlite, sqlite3");
}

static void engine__accepts_the_writeup_drivers(void **state)
{
	static const char *const urls[] = {
	    "sqlite+pysqlite:///:memory:",
	    "sqlite+sqlite3:///:memory:",
	    "postgresql+psycopg2://app:pw@localhost:5432/eventdb",
	    "postgresql+psycopg://app@localhost/eventdb",
	    "postgresql+libpq:///eventdb?host=/run/postgresql",
	};

	(void)state;
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
		orm_engine_free(create_ok(urls[i], NULL));
}

static void engine__bad_url_is_invalid(void **state)
{
	(void)state;
	assert_create_fails("", NULL, ORM_EINVAL, "invalid URL '': empty");
	assert_create_fails("postgresql://app:s3cret@localhost:99999/eventdb", NULL, ORM_EINVAL,
	                    "invalid URL 'postgresql://app:***@localhost:99999/eventdb': port "
	                    "'99999' is out of range 1-65535");
}

static void engine__sqlite_needs_a_path(void **state)
{
	(void)state;
	assert_create_fails("sqlite://", NULL, ORM_EINVAL,
	                    "invalid URL 'sqlite://': no database path (use sqlite:///:memory: or "
	                    "sqlite:///file.db)");
	assert_create_fails("sqlite:///", NULL, ORM_EINVAL,
	                    "invalid URL 'sqlite:///': no database path (use sqlite:///:memory: or "
	                    "sqlite:///file.db)");
}

static void engine__sqlite_takes_no_host(void **state)
{
	(void)state;
	assert_create_fails("sqlite://localhost/events.db", NULL, ORM_EINVAL,
	                    "invalid URL 'sqlite://localhost/events.db': SQLite takes no user, "
	                    "password, host or port, only a path after three slashes "
	                    "(sqlite:///file.db)");
	assert_create_fails("sqlite:///events.db?cache=shared", NULL, ORM_EINVAL,
	                    "invalid URL 'sqlite:///events.db?cache=shared': unknown SQLite query "
	                    "parameter 'cache' (known: mode)");
	assert_create_fails("sqlite:///events.db?mode=x", NULL, ORM_EINVAL,
	                    "invalid URL 'sqlite:///events.db?mode=x': mode 'x' is not ro, rw or "
	                    "rwc");
}

static void engine__postgresql_needs_a_database(void **state)
{
	orm_engine *engine = (orm_engine *)1;

	(void)state;
	assert_int_equal(orm_create_engine(&engine, "postgresql://app:s3cret@localhost", NULL),
	                 ORM_EINVAL);
	assert_null(engine);
	assert_non_null(strstr(orm_error_last(), "database"));
	assert_null(strstr(orm_error_last(), "s3cret"));
}

static void engine__bad_options_are_invalid(void **state)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;

	(void)state;
	options.pool_size = 0;
	assert_create_fails("sqlite:///events.db", &options, ORM_EINVAL,
	                    "option pool_size is 0: it must be at least 1");
	options = (orm_engine_options)ORM_ENGINE_OPTIONS_INIT;
	options.pool_timeout_ms = -1;
	assert_create_fails("sqlite:///events.db", &options, ORM_EINVAL,
	                    "option pool_timeout_ms is -1: it must be 0 or more");
	options = (orm_engine_options)ORM_ENGINE_OPTIONS_INIT;
	options.connect_timeout = -5;
	assert_create_fails("sqlite:///events.db", &options, ORM_EINVAL,
	                    "option connect_timeout is -5: it must be 0 or more");
}

static void engine__defaults_when_options_are_null(void **state)
{
	orm_engine *engine = create_ok("sqlite:///events.db", NULL);
	const orm_engine_options *o = orm_engine_get_options(engine);

	(void)state;
	assert_false(o->echo);
	assert_null(o->echo_stream);
	assert_int_equal(o->pool_size, 5);
	assert_int_equal(o->pool_timeout_ms, 30000);
	assert_int_equal(o->connect_timeout, 10);
	assert_true(o->sqlite_foreign_keys);
	assert_string_equal(orm_errmsg(engine), "");
	orm_engine_free(engine);
}

static void engine__memory_database_has_a_pool_of_one(void **state)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *engine;

	(void)state;
	options.pool_size = 8;
	engine = create_ok("sqlite:///:memory:", &options);
	assert_int_equal(orm_engine_get_options(engine)->pool_size, 1);
	orm_engine_free(engine);
}

static void engine__reports_its_dialect_and_url(void **state)
{
	orm_engine *sqlite = create_ok("sqlite+pysqlite:///events.db", NULL);
	orm_engine *pg = create_ok("postgresql://app:s3cret@localhost:5432/eventdb", NULL);
	char shown[128];

	(void)state;
	assert_string_equal(orm_engine_dialect_name(sqlite), "sqlite");
	assert_string_equal(orm_engine_dialect_name(pg), "postgresql");
	assert_string_equal(orm_engine_url(sqlite)->database, "events.db");
	orm_url_render(orm_engine_url(pg), shown, sizeof shown);
	assert_string_equal(shown, "postgresql://app:***@localhost:5432/eventdb");
	orm_engine_free(sqlite);
	orm_engine_free(pg);
}

static void engine__unreachable_postgres_is_connect_error(void **state)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *engine;
	orm_conn *conn = (orm_conn *)1;
	const char *msg;

	(void)state;
	options.connect_timeout = 2;
	engine = create_ok("postgresql://app:secret@127.0.0.1:1/eventdb", &options);
	assert_int_equal(orm_engine_connect(&conn, engine), ORM_ECONNECT);
	assert_null(conn);
	msg = orm_errmsg(engine);
	assert_string_equal(msg, orm_error_last());
	/* Names host and port, keeps libpq's reason, hides the password. */
	if (!strstr(msg, "127.0.0.1") || !strstr(msg, ":1 ") || !strstr(msg, "refused"))
		fail_msg("the message does not say where and why: %s", msg);
	if (strstr(msg, "secret"))
		fail_msg("the message shows the password: %s", msg);
	if (strchr(msg, '\n'))
		fail_msg("the message is not one line: %s", msg);
	/* The engine stays usable: the pool did not count the failure. */
	assert_int_equal(orm_engine_connect(&conn, engine), ORM_ECONNECT);
	orm_engine_free(engine);
}

static void engine__sqlite_cannot_open_is_connect_error(void **state)
{
	orm_engine *engine = create_ok("sqlite:////nonexistent-orm-dir/events.db", NULL);
	orm_conn *conn = (orm_conn *)1;

	(void)state;
	assert_int_equal(orm_engine_connect(&conn, engine), ORM_ECONNECT);
	assert_null(conn);
	assert_string_equal(orm_errmsg(engine), "cannot open SQLite database "
	                                        "'/nonexistent-orm-dir/events.db': unable to open "
	                                        "database file");
	orm_engine_free(engine);
}

/* Issue 10: a file that is not a database is ORM_ECORRUPT, the code of a
 * damaged one, not the ORM_ECONNECT of a file that cannot be opened. */
static void engine__sqlite_file_that_is_no_database_is_corrupt(void **state)
{
	char dir[] = "/tmp/orm-create-XXXXXX", path[64], url[160];
	orm_engine *engine;
	orm_conn *conn;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	snprintf(url, sizeof url, "sqlite:///%s", path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("These are not the pages of a database, but they are long enough to look like one "
	      "to anybody who does not read the header.\n",
	      f);
	fclose(f);

	engine = create_ok(url, NULL);
	assert_int_equal(orm_engine_connect(&conn, engine), ORM_ECORRUPT);
	snprintf(url, sizeof url, "cannot open SQLite database '%s': file is not a database", path);
	assert_string_equal(orm_errmsg(engine), url);
	orm_engine_free(engine);
	unlink(path);
	rmdir(dir);
}

/* ---- Issue 10: no message ever holds the password ------------------ */

/* A password made of pieces that appear nowhere else, holding each of
 * the characters make_url lets a password hold unescaped. */
#define PW "QX7/ZK9?WV3:JP5"
static const char *const pw_pieces[] = {"QX7", "ZK9", "WV3", "JP5"};

/* How many texts the walk below checked, printed at the end. */
static int checked;

static void assert_no_password(const char *what, const char *text)
{
	for (size_t i = 0; i < sizeof pw_pieces / sizeof pw_pieces[0]; i++) {
		if (strstr(text, pw_pieces[i]))
			fail_msg("%s shows part of the password (%s): %s", what, pw_pieces[i],
			         text);
	}
	checked++;
}

/* Every way a URL holding the password can fail, from the parser, the
 * engine's checks, each dialect's checks and a failed connection, and
 * every URL that parses, rendered. */
static void engine__no_error_path_shows_the_password(void **state)
{
	static const char *const urls[] = {
	    /* url.c: each error of the parser */
	    "postgresql://app:" PW "@h:x/db",
	    "postgresql://app:" PW "@h:/db",
	    "postgresql://app:" PW "@h:0/db",
	    "postgresql://app:" PW "@h:99999/db",
	    "postgresql://app:" PW "@[::1:x/db",
	    "postgresql://app:" PW "@[::1]x/db",
	    "postgresql://app:" PW "%00@h/db",
	    "postgresql://app%00:" PW "@h/db",
	    "postgresql://app:" PW "@h/db?a=%00",
	    "postgresql://app:" PW "@h/db?a=1\nb=2",
	    "postgresql://app:QX7/ZK9@WV3:JP5@h/db", /* a bare '@' in it */
	    "postgresql://app:QX7@ZK9:WV3@JP5@h:5/db",
	    "postgresql:/app:" PW "@h/db",
	    "postgresql//app:" PW "@h/db",
	    "post gresql://app:" PW "@h/db",
	    "+x://app:" PW "@h/db",
	    "pg+://app:" PW "@h/db",
	    "pg+a-b://app:" PW "@h/db",
	    /* engine.c: dialect and driver */
	    "mysql://app:" PW "@h/db",
	    "postgres://app:" PW "@h/db",
	    "postgresql+nope://app:" PW "@h/db",
	    "sqlite+nope://app:" PW "@/x.db",
	    /* the dialects' checks */
	    "sqlite://app:" PW "@/x.db",
	    "sqlite://app:" PW "@",
	    "postgresql://app:" PW "@h",
	    "postgresql://app:" PW "@h/",
	    "postgresql://app:" PW "@h/db?nosuchkey=1",
	    "postgresql://app@h/db?password=" PW "&nosuchkey=1",
	};
	static const char *const connect_urls[] = {
	    /* a bad libpq option value, and a server that is not there */
	    "postgresql://app:" PW "@127.0.0.1:1/db?sslmode=bogus",
	    "postgresql://app:" PW "@127.0.0.1:1/db",
	    "postgresql://app@127.0.0.1:1/db?password=" PW,
	};
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;

	(void)state;
	options.connect_timeout = 2;
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		orm_engine *engine = NULL;
		orm_url *url = NULL;

		if (orm_create_engine(&engine, urls[i], &options) == ORM_OK)
			fail_msg("'%s' was accepted", urls[i]);
		assert_no_password("the error", orm_error_last());
		if (orm_url_parse(&url, urls[i]) == ORM_OK) {
			char shown[256];

			orm_url_render(url, shown, sizeof shown);
			assert_no_password("the rendered URL", shown);
			orm_url_free(url);
		} else {
			assert_no_password("the parse error", orm_error_last());
		}
	}
	for (size_t i = 0; i < sizeof connect_urls / sizeof connect_urls[0]; i++) {
		orm_engine *engine = create_ok(connect_urls[i], &options);
		orm_conn *conn = NULL;
		char shown[256];

		assert_int_not_equal(orm_engine_connect(&conn, engine), ORM_OK);
		assert_no_password("the connect error", orm_errmsg(engine));
		orm_url_render(orm_engine_url(engine), shown, sizeof shown);
		assert_no_password("the rendered URL", shown);
		orm_engine_free(engine);
	}
	print_message("%d messages and rendered URLs checked for the password\n", checked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(engine__unknown_dialect_lists_known_ones),
	    cmocka_unit_test(engine__postgres_alias_is_rejected_like_sqlalchemy),
	    cmocka_unit_test(engine__unknown_driver_lists_known_ones),
	    cmocka_unit_test(engine__accepts_the_writeup_drivers),
	    cmocka_unit_test(engine__bad_url_is_invalid),
	    cmocka_unit_test(engine__sqlite_needs_a_path),
	    cmocka_unit_test(engine__sqlite_takes_no_host),
	    cmocka_unit_test(engine__postgresql_needs_a_database),
	    cmocka_unit_test(engine__bad_options_are_invalid),
	    cmocka_unit_test(engine__defaults_when_options_are_null),
	    cmocka_unit_test(engine__memory_database_has_a_pool_of_one),
	    cmocka_unit_test(engine__reports_its_dialect_and_url),
	    cmocka_unit_test(engine__unreachable_postgres_is_connect_error),
	    cmocka_unit_test(engine__sqlite_cannot_open_is_connect_error),
	    cmocka_unit_test(engine__sqlite_file_that_is_no_database_is_corrupt),
	    cmocka_unit_test(engine__no_error_path_shows_the_password),
	};

	return cmocka_run_group_tests_name("engine_create", tests, NULL, NULL);
}
