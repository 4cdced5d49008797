/*
 * url_test.c - database URLs: every form chapter 1 shows, percent-decoding,
 * every kind of bad input, and printing a URL without its password.
 *
 * Pure tests: nothing here opens a database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "orm/orm.h"

/* Parses `text`, which must succeed, into a URL the test frees. */
static orm_url *parse_ok(const char *text)
{
	orm_url *url = NULL;
	int rc = orm_url_parse(&url, text);

	if (rc != ORM_OK)
		fail_msg("parsing '%s': %s (%s)", text, orm_error_last(), orm_strerror(rc));
	assert_non_null(url);
	return url;
}

/* Parses `text`, which must fail with ORM_EINVAL and exactly `message`. */
static void assert_invalid(const char *text, const char *message)
{
	orm_url *url = (orm_url *)1;

	assert_int_equal(orm_url_parse(&url, text), ORM_EINVAL);
	assert_null(url);
	assert_string_equal(orm_error_last(), message);
}

/* ---- The forms of chapter 1 --------------------------------------- */

static void url__parses_every_part(void **state)
{
	orm_url *url = parse_ok("postgresql+psycopg2://app:s3cret@db.example.com:5433/eventdb"
	                        "?sslmode=disable&application_name=orm");

	(void)state;
	assert_string_equal(url->dialect, "postgresql");
	assert_string_equal(url->driver, "psycopg2");
	assert_string_equal(url->username, "app");
	assert_string_equal(url->password, "s3cret");
	assert_string_equal(url->host, "db.example.com");
	assert_int_equal(url->port, 5433);
	assert_string_equal(url->database, "eventdb");
	assert_int_equal(url->nquery, 2);
	assert_string_equal(url->query[0].key, "sslmode");
	assert_string_equal(url->query[0].value, "disable");
	assert_string_equal(url->query[1].key, "application_name");
	assert_string_equal(url->query[1].value, "orm");
	orm_url_free(url);
}

static void url__parts_not_given_are_null(void **state)
{
	orm_url *url = parse_ok("postgresql://localhost/eventdb");

	(void)state;
	assert_string_equal(url->dialect, "postgresql");
	assert_null(url->driver);
	assert_null(url->username);
	assert_null(url->password);
	assert_string_equal(url->host, "localhost");
	assert_int_equal(url->port, 0);
	assert_string_equal(url->database, "eventdb");
	assert_int_equal(url->nquery, 0);
	assert_null(orm_url_query_get(url, "host"));
	orm_url_free(url);
}

static void url__sqlite_memory_database(void **state)
{
	orm_url *url = parse_ok("sqlite:///:memory:");

	(void)state;
	assert_string_equal(url->dialect, "sqlite");
	assert_null(url->host);
	assert_string_equal(url->database, ":memory:");
	orm_url_free(url);
}

static void url__sqlite_relative_path_has_three_slashes(void **state)
{
	orm_url *url = parse_ok("sqlite+pysqlite:///data/events.db");

	(void)state;
	assert_string_equal(url->driver, "pysqlite");
	assert_null(url->host);
	assert_string_equal(url->database, "data/events.db");
	orm_url_free(url);
}

static void url__sqlite_absolute_path_has_four_slashes(void **state)
{
	orm_url *url = parse_ok("sqlite:////var/lib/events.db");

	(void)state;
	assert_null(url->host);
	assert_string_equal(url->database, "/var/lib/events.db");
	orm_url_free(url);
}

static void url__sqlite_without_path_has_no_database(void **state)
{
	orm_url *url = parse_ok("sqlite://");

	(void)state;
	assert_null(url->database);
	orm_url_free(url);
}

static void url__socket_directory_comes_in_the_query(void **state)
{
	orm_url *url = parse_ok("postgresql:///eventdb?host=/run/postgresql");

	(void)state;
	assert_null(url->host);
	assert_string_equal(url->database, "eventdb");
	assert_string_equal(orm_url_query_get(url, "host"), "/run/postgresql");
	orm_url_free(url);
}

static void url__ipv6_host_is_in_brackets(void **state)
{
	orm_url *url = parse_ok("postgresql://app@[::1]:5433/eventdb");
	orm_url *noport = parse_ok("postgresql://[fe80::1%25eth0]/eventdb");

	(void)state;
	assert_string_equal(url->host, "::1");
	assert_int_equal(url->port, 5433);
	/* make_url decodes neither the host nor the database. */
	assert_string_equal(noport->host, "fe80::1%25eth0");
	assert_int_equal(noport->port, 0);
	orm_url_free(url);
	orm_url_free(noport);
}

static void url__percent_decodes_password(void **state)
{
	orm_url *url = parse_ok("postgresql://app:p%40ss%2Fw%3Ard%25@localhost/eventdb");

	(void)state;
	assert_string_equal(url->password, "p@ss/w:rd%");
	orm_url_free(url);
}

/* As make_url: the user, password and query are decoded (the query as
 * parse_qsl: '+' is a space); the host and database are kept as written. */
static void url__percent_decodes_user_password_and_query_only(void **state)
{
	orm_url *url = parse_ok("postgresql://m%C3%BCller@my%2Dhost/event%20db"
	                        "?host=%2Ftmp%2Fsock&application%5Fname=a%26b+c");

	(void)state;
	assert_string_equal(url->username, "m\xc3\xbcller");
	assert_string_equal(url->host, "my%2Dhost");
	assert_string_equal(url->database, "event%20db");
	assert_string_equal(orm_url_query_get(url, "host"), "/tmp/sock");
	assert_string_equal(orm_url_query_get(url, "application_name"), "a&b c");
	orm_url_free(url);
}

/* Issue 10: make_url reads a password holding '/', '?' or ':' unescaped. */
static void url__password_may_hold_slash_question_mark_and_colon(void **state)
{
	static const struct {
		const char *text, *password, *host;
	} cases[] = {
	    {"postgresql://app:pa/ss3cret@localhost/db", "pa/ss3cret", "localhost"},
	    {"postgresql://app:pa?ss3cret@localhost/db", "pa?ss3cret", "localhost"},
	    {"postgresql://app:1234/s3cret@127.0.0.1/db", "1234/s3cret", "127.0.0.1"},
	    {"postgresql://app:p:a:ss@localhost/db", "p:a:ss", "localhost"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		orm_url *url = parse_ok(cases[i].text);

		assert_string_equal(url->username, "app");
		assert_string_equal(url->password, cases[i].password);
		assert_string_equal(url->host, cases[i].host);
		assert_int_equal(url->port, 0);
		assert_string_equal(url->database, "db");
		orm_url_free(url);
	}
}

/* make_url ends the password at the first '@' and reads the rest into the
 * host: refused, without showing any of it. */
static void url__at_sign_in_password_must_be_escaped(void **state)
{
	orm_url *url = parse_ok("postgresql://app:p%40ss@localhost/eventdb");

	(void)state;
	assert_string_equal(url->password, "p@ss");
	assert_string_equal(url->host, "localhost");
	orm_url_free(url);
	assert_invalid("postgresql://app:p@ss@localhost/eventdb",
	               "invalid URL 'postgresql://app:***@localhost/eventdb': the host holds an "
	               "'@': an '@' in the password must be written %40");
}

/* As Python's parse_qsl: order kept, a key may repeat, and a parameter
 * without a value is dropped. */
static void url__query_keeps_order_and_drops_empty_values(void **state)
{
	orm_url *url = parse_ok("postgresql:///db?a=1&&b&e=&c=x=y&a=2");

	(void)state;
	assert_int_equal(url->nquery, 3);
	assert_string_equal(url->query[0].key, "a");
	assert_string_equal(url->query[0].value, "1");
	assert_string_equal(url->query[1].key, "c");
	assert_string_equal(url->query[1].value, "x=y");
	assert_string_equal(url->query[2].key, "a");
	assert_string_equal(url->query[2].value, "2");
	orm_url_free(url);
}

static void url__port_limits_are_accepted(void **state)
{
	orm_url *low = parse_ok("postgresql://h:1/db");
	orm_url *high = parse_ok("postgresql://h:65535/db");

	(void)state;
	assert_int_equal(low->port, 1);
	assert_int_equal(high->port, 65535);
	orm_url_free(low);
	orm_url_free(high);
}

/* ---- Bad input ---------------------------------------------------- */

static void url__empty_is_invalid(void **state)
{
	(void)state;
	assert_invalid("", "invalid URL '': empty");
	assert_invalid(NULL, "invalid URL '': empty");
}

static void url__missing_separator_is_invalid(void **state)
{
	(void)state;
	assert_invalid("sqlite:/events.db",
	               "invalid URL 'sqlite:/events.db': missing '://' after the dialect");
	assert_invalid("events.db", "invalid URL 'events.db': missing '://' after the dialect");
}

static void url__missing_dialect_is_invalid(void **state)
{
	(void)state;
	assert_invalid(":///events.db", "invalid URL ':///events.db': no dialect before '://'");
	assert_invalid("+pysqlite:///events.db",
	               "invalid URL '+pysqlite:///events.db': no dialect before '://'");
}

static void url__bad_dialect_or_driver_name_is_invalid(void **state)
{
	(void)state;
	assert_invalid("my sql://h/db", "invalid URL 'my sql://h/db': dialect 'my sql' may "
	                                "contain only letters, digits and '_'");
	assert_invalid("sqlite+://x.db", "invalid URL 'sqlite+://x.db': driver after '+' is empty");
	assert_invalid("sqlite+a+b:///x.db", "invalid URL 'sqlite+a+b:///x.db': driver 'a+b' may "
	                                     "contain only letters, digits and '_'");
}

static void url__port_not_a_number_is_invalid(void **state)
{
	(void)state;
	assert_invalid("postgresql://u:pw@h:abc/db",
	               "invalid URL 'postgresql://u:***@h:abc/db': port 'abc' is not a number");
	assert_invalid("postgresql://h:-1/db",
	               "invalid URL 'postgresql://h:-1/db': port '-1' is not a number");
	assert_invalid("postgresql://h:5432:1/db",
	               "invalid URL 'postgresql://h:5432:1/db': port '5432:1' is not a number");
	assert_invalid("postgresql://h:/db",
	               "invalid URL 'postgresql://h:/db': port after ':' is empty");
}

static void url__port_out_of_range_is_invalid(void **state)
{
	(void)state;
	assert_invalid("postgresql://u:pw@h:99999/db",
	               "invalid URL 'postgresql://u:***@h:99999/db': port '99999' is out of range "
	               "1-65535");
	assert_invalid("postgresql://h:0/db",
	               "invalid URL 'postgresql://h:0/db': port '0' is out of range 1-65535");
	assert_invalid(
	    "postgresql://h:65536/db",
	    "invalid URL 'postgresql://h:65536/db': port '65536' is out of range 1-65535");
	assert_invalid("postgresql://h:99999999999999999999999/db",
	               "invalid URL 'postgresql://h:99999999999999999999999/db': port "
	               "'99999999999999999999999' is out of range 1-65535");
}

/* As Python's unquote, a '%' without two hex digits stays as written; a
 * %00 is refused, since a C string cannot hold a NUL byte. */
static void url__bad_percent_escape_stays_and_nul_is_refused(void **state)
{
	orm_url *url = parse_ok("postgresql://us%er:se%G1cret%@h/db?host=%zz");

	(void)state;
	assert_string_equal(url->username, "us%er");
	assert_string_equal(url->password, "se%G1cret%");
	assert_string_equal(orm_url_query_get(url, "host"), "%zz");
	orm_url_free(url);
	assert_invalid("postgresql://u%00:pw@h/db",
	               "invalid URL 'postgresql://u%00:***@h/db': the user holds '%00', a NUL "
	               "byte, which a C string cannot hold");
	assert_invalid("postgresql://u:p%00w@h/db",
	               "invalid URL 'postgresql://u:***@h/db': the password holds '%00', a NUL "
	               "byte, which a C string cannot hold");
}

static void url__bad_ipv6_host_is_invalid(void **state)
{
	(void)state;
	assert_invalid("postgresql://[::1/db",
	               "invalid URL 'postgresql://[::1/db': IPv6 host '[::1' has no closing ']'");
	assert_invalid("postgresql://[]:x/db",
	               "invalid URL 'postgresql://[]:x/db': port 'x' is not a number");
	/* make_url would drop the "x/db" silently. */
	assert_invalid("postgresql://[::1]x/db",
	               "invalid URL 'postgresql://[::1]x/db': unexpected 'x' after the host: "
	               "expected ':', '/' or '?'");
}

static void url__errors_never_show_the_password(void **state)
{
	static const char *const bad[] = {
	    "postgresql://u:secret@h:x/db",    "postgresql://u:secret@h:0/db",
	    "postgresql://u:secret@[::1:x/db", "postgresql://u:sec%00ret@h/db",
	    "postgresql://u:secret@h:/db",     "postgresql://u%00:secret@h/db",
	    "post gresql://u:secret@h/db",     "postgresql://u:secret@[::1]:x/db",
	    "postgresql://u:sec@ret@h/db",     "postgresql://u:se:c@ret@h:1/db",
	    "postgresql:/u:secret@h/db",       "postgresql://u:secret@[::1]x/db",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		orm_url *url = NULL;

		assert_int_equal(orm_url_parse(&url, bad[i]), ORM_EINVAL);
		if (strstr(orm_error_last(), "secret") || strstr(orm_error_last(), "sec"))
			fail_msg("'%s' shows the password: %s", bad[i], orm_error_last());
		assert_non_null(strstr(orm_error_last(), "***"));
	}
}

/* ---- Rendering ---------------------------------------------------- */

static void url__render_masks_password(void **state)
{
	orm_url *url = parse_ok("postgresql+psycopg2://app:s3cret@localhost:5432/eventdb");
	char buf[128];

	(void)state;
	assert_int_equal(orm_url_render(url, buf, sizeof buf),
	                 strlen("postgresql+psycopg2://app:***@localhost:5432/eventdb"));
	assert_string_equal(buf, "postgresql+psycopg2://app:***@localhost:5432/eventdb");
	orm_url_free(url);
}

/* libpq also takes the password as a query parameter: masked there too. */
static void url__render_masks_password_in_the_query(void **state)
{
	orm_url *url =
	    parse_ok("postgresql://app@localhost/eventdb?sslmode=require&password=s3cret");
	char buf[128];

	(void)state;
	orm_url_render(url, buf, sizeof buf);
	assert_string_equal(buf, "postgresql://app@localhost/eventdb?sslmode=require&password=***");
	orm_url_free(url);
}

static void url__error_masks_password_in_the_query(void **state)
{
	(void)state;
	assert_invalid(
	    "postgresql://h:x/db?password=s3cret&a=b",
	    "invalid URL 'postgresql://h:x/db?password=***&a=b': port 'x' is not a number");
}

static void url__render_round_trips(void **state)
{
	static const char *const forms[] = {
	    "sqlite:///:memory:",
	    "sqlite+pysqlite:///events.db",
	    "sqlite:////var/lib/events.db",
	    "postgresql://app@localhost:5432/eventdb",
	    "postgresql:///eventdb?host=/run/postgresql",
	    "postgresql://[::1]:5433/eventdb?sslmode=disable&application_name=orm",
	    "postgresql://m%C3%BCller@h/event%20db",
	    "postgresql://a%40b@h/db?k=a%26b%3Dc",
	    "postgresql://@h:1/",
	    "postgresql://:5432",
	};

	(void)state;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		orm_url *url = parse_ok(forms[i]), *again;
		char buf[256];

		orm_url_render(url, buf, sizeof buf);
		assert_string_equal(buf, forms[i]);
		again = parse_ok(buf);
		assert_string_equal(again->dialect, url->dialect);
		/* Absent stays absent: a round trip must not invent a part. */
		assert_true((again->database == NULL) == (url->database == NULL));
		assert_true((again->username == NULL) == (url->username == NULL));
		assert_true((again->host == NULL) == (url->host == NULL));
		if (url->database)
			assert_string_equal(again->database, url->database);
		if (url->username)
			assert_string_equal(again->username, url->username);
		if (url->host)
			assert_string_equal(again->host, url->host);
		assert_int_equal(again->port, url->port);
		assert_int_equal(again->nquery, url->nquery);
		orm_url_free(again);
		orm_url_free(url);
	}
}

/* Found by fuzz/url_fuzz.c: with no database, the user's scan for ':' and
 * '@' runs on into the query, so a raw "a:b@c" there read back as a
 * password. The query's ':' and '@' are escaped. */
static void url__render_escapes_colon_and_at_in_the_query(void **state)
{
	orm_url *url = parse_ok("r://@?=a:b%40c"), *again;
	char buf[64];

	(void)state;
	assert_string_equal(url->username, "");
	assert_null(url->password);
	assert_string_equal(url->query[0].value, "a:b@c");
	orm_url_render(url, buf, sizeof buf);
	assert_string_equal(buf, "r://@?=a%3Ab%40c");
	again = parse_ok(buf);
	assert_null(again->password);
	assert_null(again->host);
	assert_string_equal(again->query[0].value, "a:b@c");
	orm_url_free(again);
	orm_url_free(url);
}

static void url__render_truncates_like_snprintf(void **state)
{
	orm_url *url = parse_ok("sqlite:///events.db");
	char buf[8];

	(void)state;
	assert_int_equal(orm_url_render(url, buf, sizeof buf), strlen("sqlite:///events.db"));
	assert_string_equal(buf, "sqlite:");
	assert_int_equal(orm_url_render(url, NULL, 0), strlen("sqlite:///events.db"));
	orm_url_free(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(url__parses_every_part),
	    cmocka_unit_test(url__parts_not_given_are_null),
	    cmocka_unit_test(url__sqlite_memory_database),
	    cmocka_unit_test(url__sqlite_relative_path_has_three_slashes),
	    cmocka_unit_test(url__sqlite_absolute_path_has_four_slashes),
	    cmocka_unit_test(url__sqlite_without_path_has_no_database),
	    cmocka_unit_test(url__socket_directory_comes_in_the_query),
	    cmocka_unit_test(url__ipv6_host_is_in_brackets),
	    cmocka_unit_test(url__percent_decodes_password),
	    cmocka_unit_test(url__percent_decodes_user_password_and_query_only),
	    cmocka_unit_test(url__password_may_hold_slash_question_mark_and_colon),
	    cmocka_unit_test(url__at_sign_in_password_must_be_escaped),
	    cmocka_unit_test(url__query_keeps_order_and_drops_empty_values),
	    cmocka_unit_test(url__port_limits_are_accepted),
	    cmocka_unit_test(url__empty_is_invalid),
	    cmocka_unit_test(url__missing_separator_is_invalid),
	    cmocka_unit_test(url__missing_dialect_is_invalid),
	    cmocka_unit_test(url__bad_dialect_or_driver_name_is_invalid),
	    cmocka_unit_test(url__port_not_a_number_is_invalid),
	    cmocka_unit_test(url__port_out_of_range_is_invalid),
	    cmocka_unit_test(url__bad_percent_escape_stays_and_nul_is_refused),
	    cmocka_unit_test(url__bad_ipv6_host_is_invalid),
	    cmocka_unit_test(url__errors_never_show_the_password),
	    cmocka_unit_test(url__render_masks_password),
	    cmocka_unit_test(url__render_masks_password_in_the_query),
	    cmocka_unit_test(url__error_masks_password_in_the_query),
	    cmocka_unit_test(url__render_round_trips),
	    cmocka_unit_test(url__render_escapes_colon_and_at_in_the_query),
	    cmocka_unit_test(url__render_truncates_like_snprintf),
	};

	return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
