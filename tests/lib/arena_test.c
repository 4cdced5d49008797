/*
 * arena_test.c - where a session puts the objects and strings it loads
 * (shared/arena.h), on SQLite and PostgreSQL from one source.
 *
 * Loaded rows live in the session's arena and their strings behind a
 * one-byte tag; what a learner can see of that is only that nothing
 * changed: orm_set_text still frees the old text whatever it was, an
 * expunged object still outlives the session's close, and changes are
 * still found. These tests hold the library to that (the sanitize preset
 * turns a wrong free or a read of a freed block into a failure).
 */
#include "oom.h"
#include "session_fixture.h"

static int setup(void **state)
{
	static const orm_model *const models[] = {&User_model, &Event_model};
	(void)state;
	return fixture_setup(models, 2, NULL);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, fixture_teardown)

/* Adds users with these emails and commits; their ids into ids[]. */
static void committed_users(int64_t *ids, const char *const *emails, size_t n)
{
	User **users = calloc(n, sizeof *users);
	assert_non_null(users);
	for (size_t i = 0; i < n; i++) {
		users[i] = new_user(emails[i]);
		ok(orm_session_add(fx.session, users[i]));
	}
	ok(orm_session_commit(fx.session));
	for (size_t i = 0; i < n; i++)
		ids[i] = users[i]->id;
	free(users);
}

static void reopen(void)
{
	orm_session_close(fx.session);
	fx.session = NULL;
	ok(orm_session_open(&fx.session, fx.maker));
	echo_reset();
}

static User *get_user(orm_session *s, int64_t id)
{
	void *found = NULL;
	ok(orm_session_get(&found, s, &User_model, orm_int(id)));
	return found;
}

static void arena__an_expunged_object_outlives_the_close_of_its_session(void **state)
{
	static const char *const emails[] = {"ada@example.com", "grace@example.com"};
	int64_t ids[2];
	User *ada, *grace;
	(void)state;

	committed_users(ids, emails, 2);
	reopen();
	ada = get_user(fx.session, ids[0]);
	grace = get_user(fx.session, ids[1]); /* same block as ada, freed at close */
	assert_string_equal(grace->email, "grace@example.com");
	ok(orm_session_expunge(fx.session, ada));
	reopen(); /* closes the session that loaded ada */

	assert_int_equal(orm_object_state(ada), ORM_DETACHED);
	assert_string_equal(ada->email, "ada@example.com");
	ok(orm_set_text(&ada->email, "ada@lovelace.org"));
	assert_string_equal(ada->email, "ada@lovelace.org");
	orm_object_free(ada);
}

static void arena__set_text_replaces_loaded_and_new_strings(void **state)
{
	static const char *const emails[] = {"ada@example.com"};
	int64_t id;
	User *u;
	(void)state;

	committed_users(&id, emails, 1);
	reopen();
	u = get_user(fx.session, id);
	ok(orm_set_text(&u->email, "first@example.com"));  /* replaces a loaded string */
	ok(orm_set_text(&u->email, "second@example.com")); /* replaces its own copy */
	assert_string_equal(u->email, "second@example.com");
	ok(orm_session_commit(fx.session));
	assert_contains(echo_since(), "UPDATE users SET email");
	assert_int_equal(
	    query_int("SELECT count(*) FROM users WHERE email = 'second@example.com'", NULL, 0), 1);

	/* Reloaded after the commit (expired): the string is loaded again. */
	reopen();
	u = get_user(fx.session, id);
	assert_string_equal(u->email, "second@example.com");
	ok(orm_set_text(&u->email, NULL));
	assert_null(u->email);
	ok(orm_set_text(&u->email, "third@example.com"));
	ok(orm_session_rollback(fx.session)); /* reloads the changed object */
	assert_string_equal(u->email, "second@example.com");
}

static void arena__an_expunged_object_keeps_its_changes_and_finds_no_others(void **state)
{
	static const char *const emails[] = {"ada@example.com", "bob@example.com"};
	int64_t ids[2];
	User *ada, *bob;
	(void)state;

	committed_users(ids, emails, 2);
	reopen();
	ada = get_user(fx.session, ids[0]);
	bob = get_user(fx.session, ids[1]);
	ada->email[0] = 'A'; /* edited in place, in the arena */
	ok(orm_session_expunge(fx.session, ada));
	ok(orm_session_expunge(fx.session, bob));
	reopen();

	/* Back into another session: ada's in-place edit is still a change,
	 * bob, untouched, sends nothing. */
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_add(fx.session, bob));
	ok(orm_session_commit(fx.session));
	assert_contains(echo_since(), "UPDATE users SET email");
	assert_not_contains(echo_since(), "bob@example.com");
	assert_int_equal(
	    query_int("SELECT count(*) FROM users WHERE email = 'Ada@example.com'", NULL, 0), 1);
	assert_int_equal(
	    query_int("SELECT count(*) FROM users WHERE email = 'bob@example.com'", NULL, 0), 1);
	/* The session that holds them now frees them; their first arena went
	 * with the close above, but for the blocks they pin. */
}

static void arena__an_expunged_object_freed_before_its_session_closes(void **state)
{
	static const char *const emails[] = {"ada@example.com", "bob@example.com"};
	int64_t ids[2];
	orm_session *other = NULL;
	User *ada, *bob;
	(void)state;

	committed_users(ids, emails, 2);
	reopen();
	ada = get_user(fx.session, ids[0]);
	ok(orm_session_expunge(fx.session, ada));
	orm_object_free(ada); /* its block stays: the session still uses it */
	bob = get_user(fx.session, ids[1]);
	assert_string_equal(bob->email, "bob@example.com");

	/* Expunged, then held by a second session that closes first. */
	ok(orm_session_expunge(fx.session, bob));
	ok(orm_session_open(&other, fx.maker));
	ok(orm_session_add(other, bob));
	orm_session_close(other);
	reopen();
}

/* The email of user number i of the big-load test: 400 characters, so
 * that a few thousand users fill the arena's full-size blocks. */
static void long_email(char *buf, size_t size, size_t i)
{
	int n = snprintf(buf, size, "%05zu@", i);
	memset(buf + n, 'x', size - 1 - (size_t)n);
	buf[size - 1] = '\0';
}

/* Every user, loaded by a query, checked against long_email(). */
static void load_and_check_users(size_t nusers)
{
	orm_query *q = NULL;
	void **rows = NULL;
	size_t n = 0;
	char want[401];

	ok(orm_query_new(&q, fx.session, &User_model));
	ok(orm_query_order_by(q, "id", ORM_ASC));
	ok(orm_query_all(&rows, &n, q));
	assert_int_equal(n, nusers);
	for (size_t i = 0; i < n; i++) {
		long_email(want, sizeof want, i);
		assert_string_equal(((User *)rows[i])->email, want);
	}
	orm_free(rows);
	orm_query_free(q);
}

/* Megabytes loaded by one session, then by the next: a closed session's
 * blocks are handed to the next one (arena.c), except the block an
 * expunged object still lives in, which the next load must not touch. */
static void arena__a_big_load_after_a_closed_one_leaves_expunged_objects_alone(void **state)
{
	enum { NUSERS = 4000 };
	const char **emails = calloc(NUSERS, sizeof *emails);
	char(*texts)[401] = calloc(NUSERS, sizeof *texts);
	int64_t *ids = calloc(NUSERS, sizeof *ids);
	User *last;
	(void)state;

	assert_true(emails && texts && ids);
	for (size_t i = 0; i < NUSERS; i++) {
		long_email(texts[i], sizeof texts[i], i);
		emails[i] = texts[i];
	}
	committed_users(ids, emails, NUSERS);
	reopen();
	load_and_check_users(NUSERS);
	last = get_user(fx.session, ids[NUSERS - 1]); /* in the last, full-size block */
	ok(orm_session_expunge(fx.session, last));
	reopen(); /* its other blocks are kept for the next session */
	load_and_check_users(NUSERS);
	reopen();
	load_and_check_users(NUSERS);
	assert_string_equal(last->email, texts[NUSERS - 1]);
	orm_object_free(last);
	free(emails);
	free(texts);
	free(ids);
}

/* Loads two users into a fresh session's arena, renames one, expunges the
 * other and closes: stops at the first step that runs out of memory. */
static void oom_scenario(const int64_t *ids)
{
	orm_session *s = NULL;
	User *ada = NULL, *bob = NULL;

	if (oom_failed(orm_session_open(&s, fx.maker), "open"))
		goto done;
	if (oom_failed(orm_session_get((void **)&ada, s, &User_model, orm_int(ids[0])), "get") ||
	    oom_failed(orm_set_text(&ada->email, "ada@lovelace.org"), "set_text") ||
	    oom_failed(orm_session_get((void **)&bob, s, &User_model, orm_int(ids[1])), "get"))
		goto done;
	if (oom_failed(orm_session_expunge(s, bob), "expunge")) {
		bob = NULL; /* still the session's: freed by the close */
		goto done;
	}
	orm_session_close(s);
	s = NULL;
	assert_string_equal(bob->email, "bob@example.com");
done:
	orm_session_close(s);
	orm_object_free(bob);
}

static void arena__running_out_of_memory_while_loading_or_expunging_is_an_error(void **state)
{
	static const char *const emails[] = {"ada@example.com", "bob@example.com"};
	int64_t ids[2];
	long fail_at;
	(void)state;

	committed_users(ids, emails, 2);
	reopen();
	for (fail_at = 1;; fail_at++) {
		oom_start(fail_at);
		oom_scenario(ids);
		if (oom_stop() == 0)
			break;
		assert_true(fail_at < 1000);
	}
	assert_true(fail_at > 3); /* the session, its arena, the renamed text at least */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(arena__an_expunged_object_outlives_the_close_of_its_session),
	    TEST(arena__set_text_replaces_loaded_and_new_strings),
	    TEST(arena__an_expunged_object_keeps_its_changes_and_finds_no_others),
	    TEST(arena__an_expunged_object_freed_before_its_session_closes),
	    TEST(arena__running_out_of_memory_while_loading_or_expunging_is_an_error),
	    TEST(arena__a_big_load_after_a_closed_one_leaves_expunged_objects_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
