/*
 * ex2_2_safe_commit_test.c - the test of exercise 2.2, safe_commit (BOOK.md, chapter 2).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). Every test starts from a users table
 * holding one user, linus@example.org. What is "in the database" is read on a connection of
 * its own, outside the session under test; "usable" means the same session then stores
 * another user, and only that one. Out of memory is injected through orm_set_allocator()
 * (tests/support/oom.h): each allocation in turn fails, and each time the batch must be
 * refused as a whole, with the session still usable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex2_2_safe_commit.h"
#include "oom.h"
#include "testdb.h"

typedef struct fixture {
	orm_engine *engine;
	orm_metadata *metadata;
	orm_sessionmaker *maker;
	orm_session *db;
} fixture;

static int setup(void **state)
{
	static fixture f;
	f.engine = orm_test_engine(NULL);
	assert_int_equal(orm_metadata_new(&f.metadata, NULL), ORM_OK);
	assert_int_equal(orm_metadata_add(f.metadata, &User_model), ORM_OK);
	assert_int_equal(orm_metadata_create_all(f.metadata, f.engine, NULL), ORM_OK);
	orm_test_exec(f.engine, "INSERT INTO users (email) VALUES ('linus@example.org')");
	assert_int_equal(orm_sessionmaker_new(&f.maker, f.engine, f.metadata, NULL), ORM_OK);
	assert_int_equal(orm_session_open(&f.db, f.maker), ORM_OK);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	orm_session_close(f->db);
	orm_sessionmaker_free(f->maker);
	orm_metadata_free(f->metadata);
	orm_engine_free(f->engine);
	return 0;
}

/* The emails in the database, sorted and joined with spaces, read outside the session. */
static void stored(fixture *f, char *out, size_t size)
{
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	size_t used = 0;
	int rc;

	out[0] = '\0';
	assert_int_equal(orm_engine_connect(&conn, f->engine), ORM_OK);
	assert_int_equal(
	    orm_conn_execute(&res, conn, "SELECT email FROM users ORDER BY email", NULL, 0),
	    ORM_OK);
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		snprintf(out + used, size - used, "%s%s", used ? " " : "", orm_result_text(res, 0));
		used = strlen(out);
	}
	assert_int_equal(rc, ORM_DONE);
	orm_result_free(res);
	orm_conn_close(conn);
}

static void assert_stored(fixture *f, const char *want, const char *when)
{
	char have[512];
	stored(f, have, sizeof have);
	if (strcmp(have, want) != 0)
		fail_msg("%s, the database holds [%s], expected [%s]", when, have, want);
}

/* Stores one more user through the same session: it must still work, and must store only
 * that user (nothing of a failed batch may come with it). */
static void assert_usable(fixture *f, const char *want_after)
{
	User *ken = orm_object_new(&User_model);
	int rc;

	assert_non_null(ken);
	assert_int_equal(orm_set_text(&ken->email, "ken@example.com"), ORM_OK);
	if ((rc = orm_session_add(f->db, ken)) != ORM_OK) {
		orm_object_free(ken);
		fail_msg("after the failed batch the session refuses a new user: %s: %s",
		         orm_strerror(rc), orm_session_errmsg(f->db));
	}
	rc = orm_session_commit(f->db);
	if (rc != ORM_OK)
		fail_msg("after the failed batch the session cannot commit a new user: %s: %s",
		         orm_strerror(rc), orm_session_errmsg(f->db));
	assert_stored(f, want_after,
	              "after the failed batch and one more commit on the same session (users of "
	              "the batch left in the session are stored by the next commit)");
}

static void assert_rc(int rc, int want)
{
	if (rc != want)
		fail_msg("safe_commit() returned %s, expected %s", orm_strerror(rc),
		         orm_strerror(want));
}

static void safe_commit__stores_the_whole_batch(void **state)
{
	fixture *f = *state;
	const char *emails[] = {"ada@example.com", "grace@example.com", "alan@example.com"};
	char report[256] = "untouched";

	assert_rc(safe_commit(f->db, emails, 3, report, sizeof report), ORM_OK);
	assert_stored(f, "ada@example.com alan@example.com grace@example.com linus@example.org",
	              "after a successful batch");
	if (report[0] != '\0')
		fail_msg("after a successful batch the report should be \"\", it is \"%s\"",
		         report);
}

static void safe_commit__a_taken_address_stores_nothing(void **state)
{
	fixture *f = *state;
	const char *emails[] = {"ada@example.com", "grace@example.com", "linus@example.org"};
	const char *prefix = "could not store 3 users: ";
	char report[256] = "";

	assert_rc(safe_commit(f->db, emails, 3, report, sizeof report), ORM_ECONSTRAINT);
	assert_stored(f, "linus@example.org", "after a batch with a taken address");
	if (strncmp(report, prefix, strlen(prefix)) != 0 || strlen(report) == strlen(prefix))
		fail_msg("the report should be \"%s<the session's message>\", it is \"%s\"", prefix,
		         report);
	assert_usable(f, "ken@example.com linus@example.org");
}

static void safe_commit__a_duplicate_within_the_batch_stores_nothing(void **state)
{
	fixture *f = *state;
	const char *emails[] = {"ada@example.com", "ada@example.com"};
	char report[256] = "";

	assert_rc(safe_commit(f->db, emails, 2, report, sizeof report), ORM_ECONSTRAINT);
	assert_stored(f, "linus@example.org", "after a batch with the same address twice");
	assert_usable(f, "ken@example.com linus@example.org");
}

static void safe_commit__a_refused_address_stores_nothing(void **state)
{
	fixture *f = *state;
	const char *emails[] = {"ada@example.com", "grace@example.com", "bob"};
	const char *want = "could not store 3 users: 'bob' is not an email address";
	char report[256] = "";

	assert_rc(safe_commit(f->db, emails, 3, report, sizeof report), ORM_EINVAL);
	assert_stored(f, "linus@example.org", "after a batch with an address without '@'");
	if (strcmp(report, want) != 0)
		fail_msg("the report should be \"%s\", it is \"%s\"", want, report);
	assert_usable(f, "ken@example.com linus@example.org");
}

static void safe_commit__out_of_memory_stores_nothing(void **state)
{
	fixture *f = *state;
	const char *emails[] = {"ada@example.com", "grace@example.com", "alan@example.com"};
	const char *prefix = "could not store 3 users: ";

	for (long n = 1;; n++) {
		char report[256] = "";
		int rc;

		oom_start(n);
		rc = safe_commit(f->db, emails, 3, report, sizeof report);
		if (oom_stop() == 0) {
			assert_rc(rc, ORM_OK);
			break;
		}
		if (rc != ORM_ENOMEM)
			fail_msg("with allocation %ld failing, safe_commit() returned %s, expected "
			         "ORM_ENOMEM",
			         n, orm_strerror(rc));
		assert_stored(f, "linus@example.org", "after running out of memory");
		if (strncmp(report, prefix, strlen(prefix)) != 0 ||
		    strlen(report) == strlen(prefix))
			fail_msg(
			    "out of memory at allocation %ld: the report should be \"%s<reason>\", "
			    "it is \"%s\"",
			    n, prefix, report);
		assert_usable(f, "ken@example.com linus@example.org");
		orm_test_exec(f->engine, "DELETE FROM users WHERE email = 'ken@example.com'");
	}
	assert_stored(f, "ada@example.com alan@example.com grace@example.com linus@example.org",
	              "after the batch that had memory enough");
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
	    cmocka_unit_test_setup_teardown(safe_commit__stores_the_whole_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(safe_commit__a_taken_address_stores_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        safe_commit__a_duplicate_within_the_batch_stores_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(safe_commit__a_refused_address_stores_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(safe_commit__out_of_memory_stores_nothing, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests_name("exercise 2.2 safe_commit", tests, NULL,
	                                   leave_database_empty);
}
