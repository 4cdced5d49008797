/*
 * session_fixture.h - what the session and query tests share: an empty
 * database with the write-up's tables, a sessionmaker on it, and the
 * engine's echo captured in memory so a test can assert which SQL was
 * sent (or that none was).
 *
 * Introduced with chapter 2's tests. Header-only (static functions), like
 * models.h, whose models it registers.
 */
#ifndef ORM_TEST_SESSION_FIXTURE_H
#define ORM_TEST_SESSION_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models.h"
#include "orm/session.h"
#include "testdb.h"

typedef struct fixture {
	orm_engine *engine;
	orm_metadata *metadata;
	orm_sessionmaker *maker;
	orm_session *session;
	FILE *echo;      /* the engine's echo, into `echo_text` */
	char *echo_text; /* everything echoed so far */
	size_t echo_size;
	size_t echo_mark; /* where echo_since() starts */
} fixture;

static fixture fx;

/* Fails the test with the session's message unless rc is ORM_OK. */
#define ok(rc) ok_at((rc), #rc, __FILE__, __LINE__)

static inline void ok_at(int rc, const char *what, const char *file, int line)
{
	if (rc < 0) {
		print_error("%s: %s (%s)\n", what,
		            fx.session ? orm_session_errmsg(fx.session) : orm_error_last(),
		            orm_strerror(rc));
		_fail(file, line);
	}
}

/* Runs SQL on a connection of its own, outside the session (as another
 * program would). */
static inline void exec_sql(const char *sql, const orm_value *params, size_t n)
{
	orm_conn *conn;
	int rc;

	if (orm_engine_connect(&conn, fx.engine) < 0)
		fail_msg("connect: %s", orm_error_last());
	rc = orm_conn_execute(NULL, conn, sql, params, n);
	if (rc < 0)
		fail_msg("%s: %s", sql, orm_conn_errmsg(conn));
	orm_conn_close(conn);
}

/* The one integer a query returns, read outside the session. */
static inline int64_t query_int(const char *sql, const orm_value *params, size_t n)
{
	orm_conn *conn;
	orm_result *res;
	int64_t value;

	if (orm_engine_connect(&conn, fx.engine) < 0)
		fail_msg("connect: %s", orm_error_last());
	if (orm_conn_execute(&res, conn, sql, params, n) < 0)
		fail_msg("%s: %s", sql, orm_conn_errmsg(conn));
	assert_int_equal(orm_result_next(res), ORM_ROW);
	value = orm_result_int(res, 0);
	orm_result_free(res);
	orm_conn_close(conn);
	return value;
}

static inline int64_t count_rows(const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	return query_int(sql, NULL, 0);
}

static char *echo_copy;

/* Echo since the last mark (and moves the mark to the end). Valid until
 * the next call. */
static inline const char *echo_since(void)
{
	fflush(fx.echo);
	free(echo_copy);
	echo_copy = strdup(fx.echo_text + fx.echo_mark);
	fx.echo_mark = fx.echo_size;
	return echo_copy;
}

static inline void echo_reset(void)
{
	(void)echo_since();
}

/* The statement as echoed: '?' on SQLite, $n on PostgreSQL. */
static inline const char *sent(const char *sqlite, const char *postgres)
{
	return orm_test_is_postgres() ? postgres : sqlite;
}

/*
 * A fresh database with the tables of `models` (created through the
 * metadata, as create_all does) and a session on it.
 */
static inline int fixture_setup(const orm_model *const *models, size_t nmodels,
                                const orm_session_options *options)
{
	orm_engine_options eo = ORM_ENGINE_OPTIONS_INIT;
	orm_create_options co = ORM_CREATE_OPTIONS_INIT;

	memset(&fx, 0, sizeof fx);
	fx.echo = open_memstream(&fx.echo_text, &fx.echo_size);
	if (!fx.echo)
		return -1;
	eo.echo = true;
	eo.echo_stream = fx.echo;
	fx.engine = orm_test_engine(&eo);
	if (orm_metadata_new(&fx.metadata, NULL) < 0)
		return -1;
	for (size_t i = 0; i < nmodels; i++)
		if (orm_metadata_add(fx.metadata, models[i]) < 0) {
			fprintf(stderr, "%s\n", orm_metadata_errmsg(fx.metadata));
			return -1;
		}
	if (orm_metadata_create_all(fx.metadata, fx.engine, &co) < 0) {
		fprintf(stderr, "create_all: %s\n", orm_metadata_errmsg(fx.metadata));
		return -1;
	}
	if (orm_sessionmaker_new(&fx.maker, fx.engine, fx.metadata, options) < 0) {
		fprintf(stderr, "sessionmaker: %s\n", orm_error_last());
		return -1;
	}
	if (orm_session_open(&fx.session, fx.maker) < 0)
		return -1;
	echo_reset();
	return 0;
}

static inline int fixture_teardown(void **state)
{
	(void)state;
	orm_session_close(fx.session);
	orm_sessionmaker_free(fx.maker);
	orm_metadata_free(fx.metadata);
	orm_engine_free(fx.engine);
	fclose(fx.echo);
	free(fx.echo_text);
	free(echo_copy);
	echo_copy = NULL;
	memset(&fx, 0, sizeof fx);
	return 0;
}

/* A new User, transient, with `email` (NULL for none). */
static inline User *new_user(const char *email)
{
	User *u = orm_object_new(&User_model);
	assert_non_null(u);
	ok(orm_set_text(&u->email, email));
	return u;
}

static inline Event *new_event(const char *title, orm_date date_of, int64_t organizer_id)
{
	Event *e = orm_object_new(&Event_model);
	assert_non_null(e);
	ok(orm_set_text(&e->title, title));
	e->date_of = date_of;
	e->organizer_id = organizer_id;
	return e;
}

/* Asserts that `haystack` contains `needle`, showing both if not. */
#define assert_contains(haystack, needle)                                     \
	do {                                                                  \
		const char *h_ = (haystack), *n_ = (needle);                  \
		if (!strstr(h_, n_))                                          \
			fail_msg("expected to find\n  %s\nin\n  %s", n_, h_); \
	} while (0)

#define assert_not_contains(haystack, needle)                               \
	do {                                                                \
		const char *h_ = (haystack), *n_ = (needle);                \
		if (strstr(h_, n_))                                         \
			fail_msg("did not expect\n  %s\nin\n  %s", n_, h_); \
	} while (0)

#endif
