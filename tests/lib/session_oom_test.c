/*
 * session_oom_test.c - running out of memory anywhere in the session is an
 * error, never a crash or a leak.
 *
 * The tables are created once. Then a scenario - make a sessionmaker,
 * open a session, add users and events, commit, get, query, change and
 * commit, delete and roll back, close - runs with an allocator that fails
 * the Nth allocation, for N = 1, 2, ... until it gets through without the
 * failure being hit. The step that fails must say ORM_ENOMEM; the scenario
 * then closes what it holds. AddressSanitizer, in the sanitizer build,
 * reports anything left behind or touched after being freed.
 */
#include "oom.h"
#include "session_fixture.h"

/* The scenario; returns after the first failing step, cleaned up. */
static void scenario(void)
{
	orm_sessionmaker *maker = NULL;
	orm_session *s = NULL;
	orm_query *q = NULL;
	User *u = NULL, *got;
	Event *e = NULL, **events = NULL;
	size_t n;
	int64_t count;
	char email[32];

	if (oom_failed(orm_sessionmaker_new(&maker, fx.engine, fx.metadata, NULL), "sessionmaker"))
		goto done;
	if (oom_failed(orm_session_open(&s, maker), "open"))
		goto done;
	for (int i = 0; i < 3; i++) {
		snprintf(email, sizeof email, "user%d@example.com", i);
		if (!(u = orm_object_new(&User_model))) {
			oom_failed(ORM_ENOMEM, "object_new");
			goto done;
		}
		if (oom_failed(orm_set_text(&u->email, email), "set_text") ||
		    oom_failed(orm_session_add(s, u), "add"))
			goto done;
		u = NULL; /* the session's now */
	}
	if (oom_failed(orm_session_flush(s), "flush users"))
		goto done;
	for (int i = 0; i < 12; i++) {
		if (!(e = orm_object_new(&Event_model))) {
			oom_failed(ORM_ENOMEM, "object_new");
			goto done;
		}
		e->date_of = (orm_date){2024, 6, 21 + i % 5};
		if (oom_failed(orm_set_null(e, "organizer_id"), "set_null") ||
		    oom_failed(orm_set_text(&e->title, "an event"), "set_text") ||
		    oom_failed(orm_session_add(s, e), "add"))
			goto done;
		e = NULL;
	}
	if (oom_failed(orm_session_commit(s), "commit"))
		goto done;

	if (oom_failed(orm_session_get((void **)&got, s, &User_model, orm_int(1)), "get") ||
	    oom_failed(orm_set_text(&got->email, "renamed@example.com"), "set_text"))
		goto done;
	if (oom_failed(orm_query_new(&q, s, &Event_model), "query_new") ||
	    oom_failed(orm_query_where(q, "title", "LIKE", orm_text("an %")), "where") ||
	    oom_failed(orm_query_order_by(q, "date_of", ORM_DESC), "order_by") ||
	    oom_failed(orm_query_all((void ***)&events, &n, q), "all") ||
	    oom_failed(orm_query_count(&count, q), "count"))
		goto done;
	for (size_t i = 0; i < n; i++)
		events[i]->date_of.day = 1;
	if (oom_failed(orm_session_delete(s, got), "delete") ||
	    oom_failed(orm_session_flush(s), "flush"))
		goto done;
	if (oom_failed(orm_session_rollback(s), "rollback"))
		goto done;
	if (oom_failed(orm_session_commit(s), "commit"))
		goto done;
done:
	orm_free(events);
	orm_query_free(q);
	orm_object_free(u);
	orm_object_free(e);
	orm_session_close(s);
	orm_sessionmaker_free(maker);
}

static void session__running_out_of_memory_anywhere_is_an_error_never_a_crash(void **state)
{
	(void)state;
	long fail_at;

	for (fail_at = 1;; fail_at++) {
		exec_sql("DELETE FROM events", NULL, 0);
		exec_sql("DELETE FROM users", NULL, 0);
		if (orm_test_is_postgres()) {
			exec_sql("ALTER SEQUENCE users_id_seq RESTART", NULL, 0);
		}
		oom_start(fail_at);
		scenario();
		if (oom_stop() == 0)
			break;
		assert_true(fail_at < 5000);
	}
	print_message("%ld allocations, each failed in turn\n", fail_at - 1);
	/* The last run, with nothing failed, did all of it. */
	assert_int_equal(count_rows("events"), 12);
	assert_int_equal(count_rows("users"), 3);
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
	        session__running_out_of_memory_anywhere_is_an_error_never_a_crash, setup,
	        fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
