/*
 * query_test.c - queries of chapter 2 (select(Event).where(...)) on SQLite
 * and PostgreSQL from one source: conditions, order, limit and offset,
 * all/first/one/count, the errors reported before any SQL, autoflush, and
 * rows going through the identity map.
 *
 * Each test starts with ada (3 events) and bob (1 event) committed.
 */
#include "session_fixture.h"

static int64_t ada_id, bob_id;

static const struct {
	const char *title;
	orm_date date_of;
	int who; /* 0: ada, 1: bob, 2: nobody */
} rows[] = {
    {"Tea", {2024, 6, 21}, 0},      {"SQLAlchemy meetup", {2024, 6, 23}, 0},
    {"Chess", {2024, 6, 22}, 0},    {"Tea with Grace", {2024, 7, 2}, 1},
    {"Unplanned", {2024, 8, 1}, 2},
};

static int setup_with_options(const orm_session_options *options)
{
	static const orm_model *const models[] = {&User_model, &Event_model};
	User *ada, *bob;

	if (fixture_setup(models, 2, options) < 0)
		return -1;
	ada = new_user("ada@example.com");
	bob = new_user("bob@example.com");
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_add(fx.session, bob));
	ok(orm_session_flush(fx.session));
	ada_id = ada->id;
	bob_id = bob->id;
	for (size_t i = 0; i < ORM_COUNTOF(rows); i++) {
		Event *e =
		    new_event(rows[i].title, rows[i].date_of, rows[i].who == 0 ? ada_id : bob_id);
		if (rows[i].who == 2)
			ok(orm_set_null(e, "organizer_id"));
		ok(orm_session_add(fx.session, e));
	}
	ok(orm_session_commit(fx.session));
	/* Start each test with an empty identity map. */
	orm_session_close(fx.session);
	ok(orm_session_open(&fx.session, fx.maker));
	echo_reset();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_with_options(NULL);
}

static int setup_autoflush(void **state)
{
	orm_session_options so = ORM_SESSION_OPTIONS_INIT;
	(void)state;
	so.autoflush = true;
	return setup_with_options(&so);
}

static orm_query *events_query(void)
{
	orm_query *q;
	ok(orm_query_new(&q, fx.session, &Event_model));
	return q;
}

/* ---- building and running ---------------------------------------------- */

static void query__where_order_limit_offset_are_bound_parameters(void **state)
{
	orm_query *q = events_query();
	Event **events;
	size_t n;
	char expected[256];
	(void)state;

	ok(orm_query_where(q, "organizer_id", "=", orm_int(ada_id)));
	ok(orm_query_order_by(q, "date_of", ORM_DESC));
	ok(orm_query_limit(q, 2));
	ok(orm_query_offset(q, 1));
	ok(orm_query_all((void ***)&events, &n, q));
	assert_int_equal(n, 2);
	assert_string_equal(events[0]->title, "Chess");
	assert_string_equal(events[1]->title, "Tea");
	assert_int_equal(events[1]->date_of.day, 21);
	snprintf(expected, sizeof expected,
	         "SELECT id, title, date_of, organizer_id FROM events WHERE organizer_id = %s "
	         "ORDER BY date_of DESC LIMIT %s OFFSET %s\n",
	         sent("?", "$1"), sent("?", "$2"), sent("?", "$3"));
	assert_contains(echo_since(), expected);
	orm_free(events);
	orm_query_free(q);
}

static void query__conditions_are_joined_with_and(void **state)
{
	orm_query *q = events_query();
	Event **events;
	size_t n;
	(void)state;

	ok(orm_query_where(q, "date_of", ">=", orm_text("2024-06-22")));
	ok(orm_query_where(q, "title", "LIKE", orm_text("%e%")));
	ok(orm_query_where(q, "organizer_id", "!=", orm_int(bob_id)));
	ok(orm_query_order_by(q, "title", ORM_ASC));
	ok(orm_query_all((void ***)&events, &n, q));
	assert_int_equal(n, 2);
	assert_string_equal(events[0]->title, "Chess");
	assert_string_equal(events[1]->title, "SQLAlchemy meetup");
	assert_contains(echo_since(), "WHERE date_of >= ");
	orm_free(events);
	orm_query_free(q);
}

static void query__where_null_finds_the_rows_without_a_value(void **state)
{
	orm_query *q = events_query();
	Event *e;
	int64_t count;
	(void)state;

	ok(orm_query_where_null(q, "organizer_id", true));
	ok(orm_query_one((void **)&e, q));
	assert_string_equal(e->title, "Unplanned");
	assert_true(orm_is_null(e, "organizer_id"));
	assert_contains(echo_since(), "WHERE organizer_id IS NULL\n");
	orm_query_free(q);

	q = events_query();
	ok(orm_query_where_null(q, "organizer_id", false));
	ok(orm_query_count(&count, q));
	assert_int_equal(count, 4);
	orm_query_free(q);
}

static void query__first_one_and_count(void **state)
{
	orm_query *q = events_query();
	Event *e = (Event *)1;
	int64_t count;
	(void)state;

	/* first: LIMIT 1, in the order asked for. */
	ok(orm_query_order_by(q, "date_of", ORM_ASC));
	ok(orm_query_first((void **)&e, q));
	assert_string_equal(e->title, "Tea");
	assert_contains(echo_since(), "ORDER BY date_of ASC LIMIT ");
	ok(orm_query_count(&count, q));
	assert_int_equal(count, 5);
	assert_contains(echo_since(), "SELECT count(*) FROM events\n");
	/* one: several rows is an error. */
	assert_int_equal(orm_query_one((void **)&e, q), ORM_EMULTIPLE);
	assert_null(e);
	assert_string_equal(orm_session_errmsg(fx.session),
	                    "more than one events row matches the query, one was wanted");
	orm_query_free(q);

	/* None: first and one say so; count is 0. */
	q = events_query();
	ok(orm_query_where(q, "title", "=", orm_text("Opera")));
	assert_int_equal(orm_query_first((void **)&e, q), ORM_ENOTFOUND);
	assert_string_equal(orm_session_errmsg(fx.session), "no events row matches the query");
	assert_int_equal(orm_query_one((void **)&e, q), ORM_ENOTFOUND);
	ok(orm_query_count(&count, q));
	assert_int_equal(count, 0);
	orm_query_free(q);

	/* count honours limit and offset, as SQLAlchemy's does. */
	q = events_query();
	ok(orm_query_offset(q, 3));
	ok(orm_query_count(&count, q));
	assert_int_equal(count, 2);
	orm_query_free(q);
}

static void query__all_of_nothing_is_an_empty_array(void **state)
{
	orm_query *q = events_query();
	void **objs;
	size_t n = 99;
	(void)state;

	ok(orm_query_where(q, "id", "<", orm_int(0)));
	ok(orm_query_all(&objs, &n, q));
	assert_int_equal(n, 0);
	orm_free(objs);
	orm_query_free(q);
}

/* ---- errors before SQL ------------------------------------------------- */

static void query__an_unknown_column_is_reported_before_any_sql(void **state)
{
	orm_query *q = events_query();
	void **objs;
	size_t n;
	(void)state;

	assert_int_equal(orm_query_where(q, "nope", "=", orm_int(1)), ORM_EINVAL);
	assert_string_equal(orm_session_errmsg(fx.session), "unknown column 'nope' on model Event");
	/* The chain goes on, returning the first error, and so does running. */
	assert_int_equal(orm_query_order_by(q, "title", ORM_ASC), ORM_EINVAL);
	assert_int_equal(orm_query_limit(q, 1), ORM_EINVAL);
	assert_int_equal(orm_query_all(&objs, &n, q), ORM_EINVAL);
	assert_string_equal(orm_session_errmsg(fx.session), "unknown column 'nope' on model Event");
	assert_string_equal(echo_since(), "");
	orm_query_free(q);
}

static void query__bad_operators_values_and_models_are_invalid(void **state)
{
	orm_query *q;
	(void)state;

	q = events_query();
	assert_int_equal(orm_query_where(q, "title", "~", orm_text("x")), ORM_EINVAL);
	assert_string_equal(orm_session_errmsg(fx.session),
	                    "unknown operator '~' (use = != < <= > >= LIKE)");
	orm_query_free(q);

	/* Exactly the operators orm/session.h lists, spelled as it spells them. */
	static const char *const unlisted[] = {"like", "<>", "Like", "==", "=<", " = "};
	for (size_t i = 0; i < sizeof unlisted / sizeof unlisted[0]; i++) {
		char expected[96];

		q = events_query();
		assert_int_equal(orm_query_where(q, "title", unlisted[i], orm_text("x")),
		                 ORM_EINVAL);
		snprintf(expected, sizeof expected,
		         "unknown operator '%s' (use = != < <= > >= LIKE)", unlisted[i]);
		assert_string_equal(orm_session_errmsg(fx.session), expected);
		orm_query_free(q);
	}
	static const char *const listed[] = {"=", "!=", "<", "<=", ">", ">=", "LIKE"};
	for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
		q = events_query();
		ok(orm_query_where(q, "title", listed[i], orm_text("x")));
		orm_query_free(q);
	}

	q = events_query();
	assert_int_equal(orm_query_where(q, "id", "=", orm_text("1")), ORM_EINVAL);
	assert_string_equal(orm_session_errmsg(fx.session),
	                    "wrong type for Event.id: integer expected, got text");
	orm_query_free(q);

	q = events_query();
	assert_int_equal(orm_query_where(q, "title", "=", orm_null()), ORM_EINVAL);
	assert_string_equal(orm_session_errmsg(fx.session),
	                    "NULL compared with Event.title: use orm_query_where_null");
	orm_query_free(q);

	q = events_query();
	assert_int_equal(orm_query_where(q, "id", "LIKE", orm_int(1)), ORM_EINVAL);
	orm_query_free(q);

	q = events_query();
	assert_int_equal(orm_query_where(q, "date_of", "=", orm_text("June 21")), ORM_EINVAL);
	assert_string_equal(orm_session_errmsg(fx.session),
	                    "invalid date 'June 21' for Event.date_of");
	orm_query_free(q);

	q = events_query();
	assert_int_equal(orm_query_limit(q, -1), ORM_EINVAL);
	orm_query_free(q);

	{
		static const orm_column other_columns[] = {
		    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
		};
		static const orm_model Other_model = ORM_MODEL(User, "others", other_columns);
		assert_int_equal(orm_query_new(&q, fx.session, &Other_model), ORM_EINVAL);
		assert_null(q);
		assert_string_equal(orm_session_errmsg(fx.session),
		                    "model User is not registered in the session's metadata");
	}
	assert_string_equal(echo_since(), "");
}

/* The message says how the LAST call went, so an old error is
 * never mistaken for a new one. */
static void query__errmsg_is_empty_after_a_success(void **state)
{
	orm_query *q;
	void **objs;
	size_t n;
	(void)state;

	q = events_query();
	assert_int_equal(orm_query_where(q, "nope", "=", orm_int(1)), ORM_EINVAL);
	assert_string_not_equal(orm_session_errmsg(fx.session), "");
	orm_query_free(q);

	q = events_query();
	assert_string_equal(orm_session_errmsg(fx.session), "");
	ok(orm_query_where(q, "title", "=", orm_text("Tea")));
	ok(orm_query_all(&objs, &n, q));
	assert_string_equal(orm_session_errmsg(fx.session), "");
	orm_free(objs);
	orm_query_free(q);

	assert_int_equal(orm_session_get((void **)&objs, fx.session, &Event_model, orm_text("x")),
	                 ORM_EINVAL);
	assert_string_not_equal(orm_session_errmsg(fx.session), "");
	ok(orm_session_commit(fx.session));
	assert_string_equal(orm_session_errmsg(fx.session), "");
}

/* ---- the identity map and autoflush ------------------------------------ */

static void query__rows_already_in_the_session_are_returned_as_they_are(void **state)
{
	orm_query *q = events_query();
	Event *tea, *again, **events;
	size_t n;
	(void)state;

	ok(orm_query_where(q, "title", "=", orm_text("Tea")));
	ok(orm_query_first((void **)&tea, q));
	ok(orm_set_text(&tea->title, "Tea (moved)")); /* not flushed */

	/* The same row again: the same object, its change kept. */
	ok(orm_query_all((void ***)&events, &n, q));
	assert_int_equal(n, 1);
	assert_ptr_equal(events[0], tea);
	assert_string_equal(tea->title, "Tea (moved)");
	orm_free(events);

	/* After a commit the object is expired: a query refreshes it. */
	ok(orm_session_commit(fx.session));
	assert_true(orm_object_is_expired(tea));
	orm_query_free(q);
	q = events_query();
	ok(orm_query_where(q, "id", "=", orm_int(tea->id)));
	ok(orm_query_first((void **)&again, q));
	assert_ptr_equal(again, tea);
	assert_false(orm_object_is_expired(tea));
	assert_string_equal(tea->title, "Tea (moved)");
	orm_query_free(q);
}

static void query__without_autoflush_pending_objects_are_not_seen(void **state)
{
	orm_query *q = events_query();
	int64_t count;
	(void)state;

	ok(orm_session_add(fx.session, new_event("Late", (orm_date){2024, 9, 1}, ada_id)));
	ok(orm_query_count(&count, q));
	assert_int_equal(count, 5);
	assert_not_contains(echo_since(), "INSERT");
	orm_query_free(q);
}

static void query__with_autoflush_pending_objects_are_flushed_first(void **state)
{
	orm_query *q = events_query();
	Event *late = new_event("Late", (orm_date){2024, 9, 1}, ada_id), *found;
	int64_t count;
	const char *echo;
	(void)state;

	ok(orm_session_add(fx.session, late));
	ok(orm_query_count(&count, q));
	assert_int_equal(count, 6);
	echo = echo_since();
	assert_true(strstr(echo, "INSERT INTO events") < strstr(echo, "SELECT count(*)"));
	assert_int_equal(orm_object_state(late), ORM_PERSISTENT);
	ok(orm_query_where(q, "title", "=", orm_text("Late")));
	ok(orm_query_one((void **)&found, q));
	assert_ptr_equal(found, late);
	orm_query_free(q);
	/* Never committed: gone with the session's rollback at close. */
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
	    TEST(query__where_order_limit_offset_are_bound_parameters),
	    TEST(query__conditions_are_joined_with_and),
	    TEST(query__where_null_finds_the_rows_without_a_value),
	    TEST(query__first_one_and_count),
	    TEST(query__all_of_nothing_is_an_empty_array),
	    TEST(query__an_unknown_column_is_reported_before_any_sql),
	    TEST(query__bad_operators_values_and_models_are_invalid),
	    TEST(query__errmsg_is_empty_after_a_success),
	    TEST(query__rows_already_in_the_session_are_returned_as_they_are),
	    TEST(query__without_autoflush_pending_objects_are_not_seen),
	    cmocka_unit_test_setup_teardown(query__with_autoflush_pending_objects_are_flushed_first,
	                                    setup_autoflush, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
