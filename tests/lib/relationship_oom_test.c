/*
 * relationship_oom_test.c - running out of memory anywhere in chapter 4's
 * relationships is an error, never a crash or a leak.
 *
 * The pattern of session_oom_test.c: a scenario - users given events
 * through their collection and through a reference, added with the
 * save-update cascade, committed; collections loaded lazily, with selectin
 * and joined; a reference loaded from the identity map; an event moved
 * and one removed; a user deleted (its events' keys set to NULL) and
 * rolled back; an event expunged and freed - runs with an allocator that
 * fails the Nth allocation, for N = 1, 2, ... until it gets through. The
 * failing step must say ORM_ENOMEM; AddressSanitizer reports anything
 * leaked or touched after being freed.
 */
#include "oom.h"
#include "session_fixture.h"

#include "orm/relationship.h"

/* A new event, or NULL (counted as a failure). */
static Event *make_event(const char *title, int day)
{
	Event *e = orm_object_new(&Event_model);
	if (!e) {
		oom_failed(ORM_ENOMEM, "object_new");
		return NULL;
	}
	e->date_of = (orm_date){2024, 6, day};
	if (oom_failed(orm_set_null(e, "organizer_id"), "set_null") ||
	    oom_failed(orm_set_text(&e->title, title), "set_text")) {
		orm_object_free(e);
		return NULL;
	}
	return e;
}

/* An event the step did not take into the session is still ours. */
static void free_if_ours(Event *e)
{
	if (e && orm_object_state(e) == ORM_TRANSIENT)
		orm_object_free(e);
}

static int query_users(void ***out, size_t *n, orm_session *s, orm_loading loading, int64_t limit)
{
	orm_query *q = NULL;
	int rc;

	if ((rc = orm_query_new(&q, s, &User_model)) < 0)
		return rc;
	orm_query_order_by(q, "email", ORM_ASC);
	orm_query_options(q, "events", loading);
	if (limit > 0)
		orm_query_limit(q, limit);
	rc = orm_query_all(out, n, q);
	orm_query_free(q);
	return rc;
}

static void scenario(void)
{
	orm_sessionmaker *maker = NULL;
	orm_session *s = NULL;
	orm_query *q = NULL;
	User *users[3] = {NULL, NULL, NULL}, *u = NULL;
	Event *e = NULL;
	void **rows = NULL;
	Event **events = NULL;
	size_t n;
	char email[32];

	if (oom_failed(orm_sessionmaker_new(&maker, fx.engine, fx.metadata, NULL),
	               "sessionmaker") ||
	    oom_failed(orm_session_open(&s, maker), "open"))
		goto done;
	for (int i = 0; i < 3; i++) {
		snprintf(email, sizeof email, "user%d@example.com", i);
		if (!(u = orm_object_new(&User_model))) {
			oom_failed(ORM_ENOMEM, "object_new");
			goto done;
		}
		if (oom_failed(orm_set_text(&u->email, email), "set_text"))
			goto done;
		/* The events go in the user's collection while both are ours. */
		for (int k = 0; k < 3; k++) {
			if (!(e = make_event("an event", 21 + k)))
				goto done;
			if (oom_failed(orm_collection_append(u, "events", e), "append"))
				goto done;
			e = NULL;
		}
		if (oom_failed(orm_session_add(s, u), "add")) /* the cascade takes the events */
			goto done;
		users[i] = u;
		u = NULL;
	}
	/* One more, through a reference written directly. */
	if (!(e = make_event("direct", 25)))
		goto done;
	e->organizer = users[0];
	if (oom_failed(orm_session_add(s, e), "add"))
		goto done;
	e = NULL;
	if (oom_failed(orm_session_commit(s), "commit"))
		goto done;

	if (oom_failed(orm_session_load(s, users[1], "events"), "lazy load"))
		goto done;
	if (oom_failed(query_users(&rows, &n, s, ORM_SELECTIN, 0), "selectin"))
		goto done;
	orm_free(rows);
	rows = NULL;
	if (oom_failed(query_users(&rows, &n, s, ORM_JOINED, 2), "joined"))
		goto done;
	orm_free(rows);
	rows = NULL;

	if (oom_failed(orm_query_new(&q, s, &Event_model), "query_new") ||
	    oom_failed(orm_query_order_by(q, "id", ORM_ASC), "order_by") ||
	    oom_failed(orm_query_options(q, "organizer", ORM_SELECTIN), "options") ||
	    oom_failed(orm_query_all(&rows, &n, q), "all"))
		goto done;
	events = (Event **)rows;
	if (oom_failed(orm_session_load(s, events[0], "organizer"), "load organizer") ||
	    oom_failed(orm_relationship_set(events[0], "organizer", users[2]), "set") ||
	    oom_failed(orm_collection_remove(users[1], "events", users[1]->events.items[0]),
	               "remove"))
		goto done;
	if (!(e = make_event("late", 26)))
		goto done;
	if (oom_failed(orm_relationship_set(e, "organizer", users[2]), "set a new one"))
		goto done;
	e = NULL;
	if (oom_failed(orm_session_flush(s), "flush"))
		goto done;

	if (oom_failed(orm_session_delete(s, users[2]), "delete") ||
	    oom_failed(orm_session_flush(s), "flush delete"))
		goto done;
	if (oom_failed(orm_session_rollback(s), "rollback"))
		goto done;
	if (oom_failed(orm_session_expunge(s, events[1]), "expunge"))
		goto done;
	orm_object_free(events[1]);
	if (oom_failed(orm_session_commit(s), "commit"))
		goto done;
done:
	orm_free(rows);
	orm_query_free(q);
	if (u) {
		/* Its events are in its collection: ours too. */
		while (u->events.count)
			orm_object_free(u->events.items[u->events.count - 1]);
		orm_object_free(u);
	}
	free_if_ours(e);
	orm_session_close(s);
	orm_sessionmaker_free(maker);
}

static void relationship__running_out_of_memory_anywhere_is_an_error_never_a_crash(void **state)
{
	(void)state;
	long fail_at;

	for (fail_at = 1;; fail_at++) {
		exec_sql("DELETE FROM events", NULL, 0);
		exec_sql("DELETE FROM users", NULL, 0);
		if (orm_test_is_postgres()) {
			exec_sql("ALTER SEQUENCE users_id_seq RESTART", NULL, 0);
			exec_sql("ALTER SEQUENCE events_id_seq RESTART", NULL, 0);
		}
		oom_start(fail_at);
		scenario();
		if (oom_stop() == 0)
			break;
		assert_true(fail_at < 10000);
	}
	print_message("%ld allocations, each failed in turn\n", fail_at - 1);
	/* The last run, with nothing failed, did all of it: 3 users, 3
	 * events each and one direct; the late event, the move, the removal
	 * and the delete were rolled back. */
	assert_int_equal(count_rows("users"), 3);
	assert_int_equal(count_rows("events"), 10);
	assert_int_equal(
	    query_int("SELECT count(*) FROM events WHERE organizer_id IS NULL", NULL, 0), 0);
}

static int setup(void **state)
{
	static const orm_model *const models[] = {&User_model, &Event_model};
	(void)state;
	return fixture_setup(models, 2, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        relationship__running_out_of_memory_anywhere_is_an_error_never_a_crash, setup,
	        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
