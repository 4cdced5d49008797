/*
 * ex2_3_get_db_test.c - the test of exercise 2.3, get_db (BOOK.md, chapter 2).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). The engine has a pool of ONE
 * connection and gives up waiting for it after a short while: a session left open by
 * with_session() keeps that connection, so the test's next look at the database cannot get
 * it, and says so. Each unit of work below touches the database before it returns, so the
 * session it gets really holds the connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex2_3_get_db.h"
#include "orm/schema.h"
#include "testdb.h"

typedef struct User {
	int64_t id;
	char *email;
} User;

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .length = 100, .nullable = ORM_NULLABLE_NO, .unique = true),
};

static const orm_model User_model = ORM_MODEL(User, "users", user_columns);

typedef struct fixture {
	orm_engine *engine;
	orm_metadata *metadata;
	orm_sessionmaker *maker;
	/* A session with_session() left open, closed by the teardown so the next test can
	 * start: the last session a unit of work was given (every unit of work below takes
	 * the pool's one connection, so a second leak cannot happen before the check that
	 * reports the first). */
	orm_session *leaked;
} fixture;

static int setup(void **state)
{
	static fixture f;
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;

	options.pool_size = 1;
	options.pool_timeout_ms = 300;
	f.engine = orm_test_engine(&options);
	f.leaked = NULL;
	assert_int_equal(orm_metadata_new(&f.metadata, NULL), ORM_OK);
	assert_int_equal(orm_metadata_add(f.metadata, &User_model), ORM_OK);
	assert_int_equal(orm_metadata_create_all(f.metadata, f.engine, NULL), ORM_OK);
	orm_test_exec(f.engine, "INSERT INTO users (email) VALUES ('linus@example.org')");
	assert_int_equal(orm_sessionmaker_new(&f.maker, f.engine, f.metadata, NULL), ORM_OK);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	if (f->leaked)
		orm_session_close(f->leaked); /* what with_session() should have done */
	orm_sessionmaker_free(f->maker);
	orm_metadata_free(f->metadata);
	orm_engine_free(f->engine);
	return 0;
}

/* ---- units of work ------------------------------------------------------------------------ */

/* The session the last unit of work was given. */
static orm_session *last_session;

/* Adds a user with the email `arg` and flushes it (so the session holds a connection). */
static int add_user(orm_session *db, void *arg)
{
	User *user = orm_object_new(&User_model);
	int rc;

	last_session = db;
	if (!user)
		return ORM_ENOMEM;
	if ((rc = orm_set_text(&user->email, arg)) < 0 || (rc = orm_session_add(db, user)) < 0) {
		orm_object_free(user);
		return rc;
	}
	return orm_session_flush(db);
}

/* Adds a user with the email `arg`, and leaves the SQL to the commit. */
static int add_user_unflushed(orm_session *db, void *arg)
{
	User *user = orm_object_new(&User_model);
	int rc;

	last_session = db;
	if (!user)
		return ORM_ENOMEM;
	if ((rc = orm_set_text(&user->email, arg)) < 0 || (rc = orm_session_add(db, user)) < 0)
		orm_object_free(user);
	return rc;
}

/* Adds and flushes a user, then fails as work can: with a code of its own. */
static int add_user_then_fail(orm_session *db, void *arg)
{
	int rc = add_user(db, arg);
	return rc < 0 ? rc : ORM_ENOTFOUND;
}

/* Reads a user (a SELECT in the session's transaction), then fails. */
static int read_then_fail(orm_session *db, void *arg)
{
	void *user = NULL;
	int rc;
	(void)arg;
	last_session = db;
	rc = orm_session_get(&user, db, &User_model, orm_int(1));
	return rc < 0 ? rc : ORM_EINVAL;
}

/* ---- checks ------------------------------------------------------------------------------- */

/* The emails in the database, sorted, read on the pool's one connection: if a session still
 * holds it, this is where it shows. */
static void assert_stored(fixture *f, const char *want, const char *after)
{
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	char have[256] = "";
	size_t used = 0;
	int rc;

	rc = orm_engine_connect(&conn, f->engine);
	if (rc == ORM_EBUSY) {
		f->leaked = last_session;
		fail_msg(
		    "after %s, the pool's only connection is still checked out: with_session() "
		    "returned without closing its session on that path",
		    after);
	}
	assert_int_equal(rc, ORM_OK);
	assert_int_equal(
	    orm_conn_execute(&res, conn, "SELECT email FROM users ORDER BY email", NULL, 0),
	    ORM_OK);
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		snprintf(have + used, sizeof have - used, "%s%s", used ? " " : "",
		         orm_result_text(res, 0));
		used = strlen(have);
	}
	assert_int_equal(rc, ORM_DONE);
	orm_result_free(res);
	orm_conn_close(conn);
	if (strcmp(have, want) != 0)
		fail_msg("after %s, the database holds [%s], expected [%s]", after, have, want);
}

static void assert_rc(int rc, int want, const char *what)
{
	if (rc != want)
		fail_msg("with_session(%s) returned %s, expected %s", what, orm_strerror(rc),
		         orm_strerror(want));
}

/* ---- tests -------------------------------------------------------------------------------- */

static void get_db__commits_work_that_succeeds(void **state)
{
	fixture *f = *state;
	assert_rc(with_session(f->maker, add_user, "ada@example.com"), ORM_OK, "add_user");
	assert_stored(f, "ada@example.com linus@example.org", "work that succeeded");
	assert_rc(with_session(f->maker, add_user, "grace@example.com"), ORM_OK, "add_user");
	assert_stored(f, "ada@example.com grace@example.com linus@example.org",
	              "a second unit of work");
}

static void get_db__closes_and_rolls_back_when_the_work_fails(void **state)
{
	fixture *f = *state;
	assert_rc(with_session(f->maker, add_user_then_fail, "ada@example.com"), ORM_ENOTFOUND,
	          "work that fails with ORM_ENOTFOUND");
	assert_stored(f, "linus@example.org", "work that failed");
}

static void get_db__closes_when_work_that_only_read_fails(void **state)
{
	fixture *f = *state;
	assert_rc(with_session(f->maker, read_then_fail, NULL), ORM_EINVAL,
	          "work that reads, then fails with ORM_EINVAL");
	assert_stored(f, "linus@example.org", "work that read and failed");
}

static void get_db__closes_when_the_work_breaks_a_constraint(void **state)
{
	fixture *f = *state;
	/* The flush inside the work meets the UNIQUE constraint: the work fails with it. */
	assert_rc(with_session(f->maker, add_user, "linus@example.org"), ORM_ECONSTRAINT,
	          "work flushing a taken email");
	assert_stored(f, "linus@example.org", "work whose flush broke a constraint");
}

static void get_db__closes_when_the_commit_fails(void **state)
{
	fixture *f = *state;
	/* Nothing is flushed by the work: the commit is where the constraint says no. */
	assert_rc(with_session(f->maker, add_user_unflushed, "linus@example.org"), ORM_ECONSTRAINT,
	          "work adding a taken email");
	assert_stored(f, "linus@example.org", "a commit that broke a constraint");
}

static void get_db__survives_many_failures(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < 5; i++) {
		assert_rc(with_session(f->maker, add_user_then_fail, "ada@example.com"),
		          ORM_ENOTFOUND, "work that fails");
		assert_stored(f, "linus@example.org", "work that failed");
	}
	assert_rc(with_session(f->maker, add_user, "ada@example.com"), ORM_OK, "add_user");
	assert_stored(f, "ada@example.com linus@example.org", "five failures and one success");
}

/* Leaves the PostgreSQL database as empty as the test found it: the chapter programs run
 * later on the same database. */
static int leave_database_empty(void **state)
{
	(void)state;
	if (orm_test_is_postgres())
		orm_engine_free(orm_test_engine(NULL));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(get_db__commits_work_that_succeeds, setup, teardown),
	    cmocka_unit_test_setup_teardown(get_db__closes_and_rolls_back_when_the_work_fails,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(get_db__closes_when_work_that_only_read_fails, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(get_db__closes_when_the_work_breaks_a_constraint, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(get_db__closes_when_the_commit_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(get_db__survives_many_failures, setup, teardown),
	};
	return cmocka_run_group_tests_name("exercise 2.3 get_db", tests, NULL,
	                                   leave_database_empty);
}
