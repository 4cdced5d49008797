/*
 * ex4_3_cascade_test.c - the test of exercise 4.3, cascade (BOOK.md, chapter 4).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). The models are chapter 4's, with
 * User.events as the learner declares it. What is in the database after each flush is read
 * with plain SQL, so the test sees the rows, not the session's idea of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex4_3_cascade.h"
#include "orm/session.h"
#include "testdb.h"

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};
static const orm_model User_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", user_columns, user_relationships);

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
};
static const orm_relationship event_relationships[] = {
    ORM_RELATIONSHIP(Event, organizer, "User", .back_populates = "events"),
};
static const orm_model Event_model =
    ORM_MODEL_WITH_RELATIONSHIPS(Event, "events", event_columns, event_relationships);

typedef struct fixture {
	orm_engine *engine;
	orm_metadata *metadata;
	orm_sessionmaker *maker;
	orm_session *session;
} fixture;

static void check_ok(int rc, const char *what, orm_session *s)
{
	if (rc < 0)
		fail_msg("%s: %s: %s", what, orm_strerror(rc),
		         s ? orm_session_errmsg(s) : orm_error_last());
}

static User *new_user(const char *email)
{
	User *user = orm_object_new(&User_model);
	check_ok(user ? ORM_OK : ORM_ENOMEM, "new user", NULL);
	check_ok(orm_set_text(&user->email, email), "email", NULL);
	return user;
}

/* A new event, appended to organizer's collection (the collection side of the relationship). */
static Event *new_event(User *organizer, const char *title, orm_date date_of)
{
	Event *event = orm_object_new(&Event_model);
	check_ok(event ? ORM_OK : ORM_ENOMEM, "new event", NULL);
	check_ok(orm_set_text(&event->title, title), "title", NULL);
	event->date_of = date_of;
	check_ok(orm_collection_append(organizer, "events", event), "append event", NULL);
	return event;
}

/* The events in the database, "title:organizer_id" separated by spaces, by title. */
static void stored_events(fixture *f, char *out, size_t size)
{
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	size_t used = 0;
	int rc;

	out[0] = '\0';
	check_ok(orm_engine_connect(&conn, f->engine), "connect", NULL);
	check_ok(orm_conn_execute(&res, conn,
	                          "SELECT title, organizer_id FROM events ORDER BY title", NULL, 0),
	         "select events", NULL);
	while ((rc = orm_result_next(res)) == ORM_ROW && used < size) {
		int n;
		if (orm_result_is_null(res, 1))
			n = snprintf(out + used, size - used, "%s%s:NULL", used ? " " : "",
			             orm_result_text(res, 0));
		else
			n = snprintf(out + used, size - used, "%s%s:%lld", used ? " " : "",
			             orm_result_text(res, 0), (long long)orm_result_int(res, 1));
		used += n > 0 ? (size_t)n : 0;
	}
	orm_result_free(res);
	orm_conn_close(conn);
}

static void assert_stored(fixture *f, const char *want, const char *why)
{
	char got[512];
	stored_events(f, got, sizeof got);
	if (strcmp(got, want) != 0)
		fail_msg("%s\n  events in the database: %s\n  expected:               %s", why,
		         got[0] ? got : "(none)", want[0] ? want : "(none)");
}

/* ada (id 1) with two events, bob (id 2) with one, committed; then a fresh session. */
static int setup(void **state)
{
	static fixture f;
	orm_session *s = NULL;

	memset(&f, 0, sizeof f);
	f.engine = orm_test_engine(NULL);
	check_ok(orm_metadata_new(&f.metadata, NULL), "metadata", NULL);
	check_ok(orm_metadata_add(f.metadata, &User_model), "register User", NULL);
	check_ok(orm_metadata_add(f.metadata, &Event_model), "register Event", NULL);
	if (orm_metadata_create_all(f.metadata, f.engine, NULL) < 0)
		fail_msg("create_all: %s", orm_metadata_errmsg(f.metadata));
	check_ok(orm_sessionmaker_new(&f.maker, f.engine, f.metadata, NULL), "sessionmaker", NULL);

	check_ok(orm_session_open(&s, f.maker), "open", NULL);
	User *ada = new_user("ada@example.com");
	User *bob = new_user("bob@example.com");
	new_event(ada, "meetup", (orm_date){2024, 6, 21});
	new_event(ada, "tea", (orm_date){2024, 7, 2});
	new_event(bob, "games", (orm_date){2024, 7, 9});
	check_ok(orm_session_add(s, ada), "add ada", s);
	check_ok(orm_session_add(s, bob), "add bob", s);
	check_ok(orm_session_commit(s), "commit", s);
	orm_session_close(s);

	check_ok(orm_session_open(&f.session, f.maker), "open", NULL);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	orm_session_close(f->session);
	orm_sessionmaker_free(f->maker);
	orm_metadata_free(f->metadata);
	orm_engine_free(f->engine);
	return 0;
}

static void cascade__adding_a_user_saves_its_events(void **state)
{
	assert_stored(*state, "games:2 meetup:1 tea:1",
	              "only the users were added to the session; their events should have been "
	              "saved with them (save-update)");
}

static void cascade__deleting_a_user_deletes_its_events(void **state)
{
	fixture *f = *state;
	void *ada = NULL;

	check_ok(orm_session_get(&ada, f->session, &User_model, orm_int(1)), "get ada", f->session);
	check_ok(orm_session_delete(f->session, ada), "delete ada", f->session);
	check_ok(orm_session_commit(f->session), "commit", f->session);
	assert_stored(f, "games:2",
	              "after deleting ada, her events should be gone (delete), not left behind");
}

static void cascade__an_event_taken_out_of_the_collection_is_deleted(void **state)
{
	fixture *f = *state;
	void *found = NULL;
	User *ada;

	check_ok(orm_session_get(&found, f->session, &User_model, orm_int(1)), "get ada",
	         f->session);
	ada = found;
	check_ok(orm_session_load(f->session, ada, "events"), "load events", f->session);
	if (ada->events.count != 2)
		fail_msg("ada should have 2 events, has %zu", ada->events.count);
	check_ok(orm_collection_remove(ada, "events", ada->events.items[0]), "remove meetup",
	         f->session);
	check_ok(orm_session_commit(f->session), "commit", f->session);
	assert_stored(f, "games:2 tea:1",
	              "the meetup was taken out of ada's events: it should be deleted "
	              "(delete-orphan), not kept without an organizer");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(cascade__adding_a_user_saves_its_events, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(cascade__deleting_a_user_deletes_its_events, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        cascade__an_event_taken_out_of_the_collection_is_deleted, setup, teardown),
	};
	return cmocka_run_group_tests_name("exercise 4.3 cascade", tests, NULL, NULL);
}
