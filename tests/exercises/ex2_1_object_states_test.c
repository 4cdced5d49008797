/*
 * ex2_1_object_states_test.c - the test of exercise 2.1, object_states (BOOK.md, chapter 2).
 *
 * Runs the sequence of ex2_1_object_states.h on SQLite and on PostgreSQL (ORM_TEST_DATABASE),
 * records the real state after every step, and compares it with the learner's predictions.
 * A wrong prediction is reported by its step, without giving the answer away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex2_1_object_states.h"
#include "orm/schema.h"
#include "testdb.h"

typedef struct User {
	int64_t id;
	char *email;
} User;

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .length = 100, .unique = true),
};

static const orm_model User_model = ORM_MODEL(User, "users", user_columns);

/* What each step does, for the messages. */
static const char *const step_names[STATE_STEPS] = {
    "a = orm_object_new(...)",
    "orm_session_add(s, a)",
    "orm_session_flush(s) with a pending",
    "orm_session_commit(s)",
    "orm_session_delete(s, a)",
    "orm_session_flush(s) after the delete",
    "orm_session_rollback(s)",
    "orm_session_expunge(s, a)",
    "b: add, then a refused delete before any flush",
    "c: add, flush, rollback",
    "d: add, commit, delete, commit",
};

typedef struct fixture {
	orm_engine *engine;
	orm_metadata *metadata;
	orm_sessionmaker *maker;
} fixture;

static int setup(void **state)
{
	static fixture f;
	f.engine = orm_test_engine(NULL);
	assert_int_equal(orm_metadata_new(&f.metadata, NULL), ORM_OK);
	assert_int_equal(orm_metadata_add(f.metadata, &User_model), ORM_OK);
	assert_int_equal(orm_metadata_create_all(f.metadata, f.engine, NULL), ORM_OK);
	assert_int_equal(orm_sessionmaker_new(&f.maker, f.engine, f.metadata, NULL), ORM_OK);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	orm_sessionmaker_free(f->maker);
	orm_metadata_free(f->metadata);
	orm_engine_free(f->engine);
	return 0;
}

/* Fails the test with the session's message when a call of the sequence fails. */
static void ok(int rc, orm_session *s, const char *what)
{
	if (rc != ORM_OK)
		fail_msg("%s returned %s: %s (the library, not your predictions, failed here)",
		         what, orm_strerror(rc), s ? orm_session_errmsg(s) : orm_error_last());
}

static User *new_user(const char *email)
{
	User *u = orm_object_new(&User_model);
	assert_non_null(u);
	assert_int_equal(orm_set_text(&u->email, email), ORM_OK);
	return u;
}

/* Runs the sequence of the exercise and stores the state after each step in `seen`. */
static void run_sequence(fixture *f, orm_state seen[STATE_STEPS])
{
	orm_session *s = NULL;
	User *a, *b, *c, *d;

	ok(orm_session_open(&s, f->maker), NULL, "orm_session_open");

	a = new_user("a@example.com");
	seen[0] = orm_object_state(a);
	ok(orm_session_add(s, a), s, "orm_session_add(s, a)");
	seen[1] = orm_object_state(a);
	ok(orm_session_flush(s), s, "orm_session_flush(s)");
	seen[2] = orm_object_state(a);
	ok(orm_session_commit(s), s, "orm_session_commit(s)");
	seen[3] = orm_object_state(a);
	ok(orm_session_delete(s, a), s, "orm_session_delete(s, a)");
	seen[4] = orm_object_state(a);
	ok(orm_session_flush(s), s, "orm_session_flush(s)");
	seen[5] = orm_object_state(a);
	ok(orm_session_rollback(s), s, "orm_session_rollback(s)");
	seen[6] = orm_object_state(a);
	ok(orm_session_expunge(s, a), s, "orm_session_expunge(s, a)");
	seen[7] = orm_object_state(a);
	orm_object_free(a); /* detached: ours now */

	b = new_user("b@example.com");
	ok(orm_session_add(s, b), s, "orm_session_add(s, b)");
	/* As in SQLAlchemy, a pending object cannot be deleted: it has no row. */
	if (orm_session_delete(s, b) != ORM_ESTATE)
		fail_msg("orm_session_delete(s, b) of a pending b should be refused with ORM_ESTATE "
		         "(the library, not your predictions, failed here)");
	seen[8] = orm_object_state(b);
	ok(orm_session_expunge(s, b), s, "orm_session_expunge(s, b)");
	orm_object_free(b); /* expunged: ours now */

	c = new_user("c@example.com");
	ok(orm_session_add(s, c), s, "orm_session_add(s, c)");
	ok(orm_session_flush(s), s, "orm_session_flush(s)");
	ok(orm_session_rollback(s), s, "orm_session_rollback(s)");
	seen[9] = orm_object_state(c);

	d = new_user("d@example.com");
	ok(orm_session_add(s, d), s, "orm_session_add(s, d)");
	ok(orm_session_commit(s), s, "orm_session_commit(s)");
	ok(orm_session_delete(s, d), s, "orm_session_delete(s, d)");
	ok(orm_session_commit(s), s, "orm_session_commit(s)");
	seen[10] = orm_object_state(d);

	orm_session_close(s); /* frees c and d, which stayed the session's */
}

static void object_states__every_prediction_is_right(void **state)
{
	fixture *f = *state;
	orm_state seen[STATE_STEPS];
	char wrong[1024] = "";
	size_t right = 0;

	run_sequence(f, seen);
	for (int i = 0; i < STATE_STEPS; i++) {
		if (predicted_states[i] == seen[i]) {
			right++;
			continue;
		}
		size_t used = strlen(wrong);
		snprintf(wrong + used, sizeof wrong - used, "\n  step %2d  %-38s you said %s",
		         i + 1, step_names[i], orm_state_name(predicted_states[i]));
	}
	if (right != STATE_STEPS)
		fail_msg("%zu of %d predictions are right. Not right:%s\n"
		         "Ask of each: is the object in the session, and does its row exist?",
		         right, STATE_STEPS, wrong);
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
	    cmocka_unit_test_setup_teardown(object_states__every_prediction_is_right, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests_name("exercise 2.1 object_states", tests, NULL,
	                                   leave_database_empty);
}
