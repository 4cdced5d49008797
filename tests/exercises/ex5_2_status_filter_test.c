/*
 * ex5_2_status_filter_test.c - the test of exercise 5.2, status_filter (BOOK.md, chapter 5).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). Six events, stored out of date order,
 * two of them on one day and one without a status; the engine's echo goes to a memory
 * stream, so the test can tell whether a refused status sent any SQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ex5_2_status_filter.h"
#include "testdb.h"

/* The models: the chapter's, declared here, used by the learner's file through the header. */
typedef struct User {
	int64_t id;
	char *email;
} User;

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};
static const orm_model User_model = ORM_MODEL(User, "users", user_columns);

static const char *const social_labels[] = {
    [SOCIAL_PUBLIC] = "public", [SOCIAL_PRIVATE] = "private"};
static const orm_enum SocialStatus_type = {"socialstatus", social_labels, 2};

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE),
    ORM_COLUMN(Event, social_status, ORM_ENUM, .enum_type = &SocialStatus_type),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
};
const orm_model Event_model = ORM_MODEL(Event, "events", event_columns);

typedef struct fixture {
	FILE *echo; /* the engine's echo, into `echo_text` */
	char *echo_text;
	size_t echo_len;
	orm_engine *engine;
	orm_metadata *metadata;
	orm_sessionmaker *maker;
	orm_session *session;
} fixture;

/* title, date, status, in the order they are stored (ids 1 to 6) */
static const struct {
	const char *title;
	orm_date date_of;
	SocialStatus status;
} stored[] = {
    {"Board games", {2024, 7, 9}, SOCIAL_PUBLIC},
    {"Tea with Grace", {2024, 7, 2}, SOCIAL_PRIVATE},
    {"SQLAlchemy meetup", {2024, 6, 21}, SOCIAL_PUBLIC},
    {"Code review", {2024, 7, 2}, SOCIAL_PRIVATE},
    {"Unsorted", {2024, 6, 30}, SOCIAL_NULL},
    {"Retro", {2024, 6, 25}, SOCIAL_PRIVATE},
};

static void check_ok(int rc, const char *what, fixture *f)
{
	if (rc < 0)
		fail_msg("%s: %s: %s", what, orm_strerror(rc),
		         f->session ? orm_session_errmsg(f->session) : orm_error_last());
}

static int setup(void **state)
{
	static fixture f;
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_session *s = NULL;
	User *ada;

	memset(&f, 0, sizeof f);
	f.echo = open_memstream(&f.echo_text, &f.echo_len);
	if (!f.echo)
		return -1;
	options.echo = true;
	options.echo_stream = f.echo;
	f.engine = orm_test_engine(&options);
	check_ok(orm_metadata_new(&f.metadata, NULL), "metadata", &f);
	check_ok(orm_metadata_add(f.metadata, &User_model), "register User", &f);
	check_ok(orm_metadata_add(f.metadata, &Event_model), "register Event", &f);
	check_ok(orm_metadata_create_all(f.metadata, f.engine, NULL), "create_all", &f);
	check_ok(orm_sessionmaker_new(&f.maker, f.engine, f.metadata, NULL), "sessionmaker", &f);

	/* The events go in through a session of their own... */
	check_ok(orm_session_open(&s, f.maker), "open", &f);
	ada = orm_object_new(&User_model);
	check_ok(orm_set_text(&ada->email, "ada@example.com"), "email", &f);
	check_ok(orm_session_add(s, ada), "add user", &f);
	check_ok(orm_session_flush(s), "flush user", &f);
	for (size_t i = 0; i < sizeof stored / sizeof stored[0]; i++) {
		Event *e = orm_object_new(&Event_model);
		check_ok(orm_set_text(&e->title, stored[i].title), "title", &f);
		e->date_of = stored[i].date_of;
		e->organizer_id = ada->id;
		e->social_status = stored[i].status; /* SOCIAL_NULL is stored as NULL */
		check_ok(orm_session_add(s, e), "add event", &f);
	}
	check_ok(orm_session_commit(s), "commit", &f);
	orm_session_close(s);

	/* ...and are read back by a fresh one. */
	check_ok(orm_session_open(&f.session, f.maker), "open", &f);
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
	fclose(f->echo);
	free(f->echo_text);
	return 0;
}

/* Calls events_by_status(status) and fails unless the titles are `want`, in that order. */
static void assert_titles(fixture *f, const char *status, const char *const *want, size_t nwant)
{
	void **rows = NULL;
	size_t n = 0;
	int rc = events_by_status(&rows, &n, f->session, status);

	if (rc != ORM_OK)
		fail_msg("events_by_status(%s) returned %s: %s", status ? status : "NULL",
		         orm_strerror(rc), orm_session_errmsg(f->session));
	if (n != nwant) {
		orm_free(rows);
		fail_msg("events_by_status(%s) gave %zu events, expected %zu",
		         status ? status : "NULL", n, nwant);
	}
	for (size_t i = 0; i < n; i++) {
		const Event *e = rows[i];
		if (strcmp(e->title, want[i]) != 0) {
			char title[64];
			snprintf(title, sizeof title, "%s", e->title);
			orm_free(rows);
			fail_msg(
			    "events_by_status(%s): event %zu is '%s', expected '%s' (by date, then "
			    "id)",
			    status ? status : "NULL", i + 1, title, want[i]);
		}
	}
	orm_free(rows);
}

static void events_by_status__public(void **state)
{
	static const char *const want[] = {"SQLAlchemy meetup", "Board games"};
	assert_titles(*state, "public", want, 2);
}

static void events_by_status__private_in_date_then_id_order(void **state)
{
	static const char *const want[] = {"Retro", "Tea with Grace", "Code review"};
	assert_titles(*state, "private", want, 3);
}

static void events_by_status__null_means_every_event(void **state)
{
	static const char *const want[] = {"SQLAlchemy meetup", "Retro",       "Unsorted",
	                                   "Tea with Grace",    "Code review", "Board games"};
	assert_titles(*state, NULL, want, 6);
}

/* Fails unless `status` is refused with ORM_EINVAL, a message naming it and the labels, and
 * not one line of echo (no SQL, not even a BEGIN). */
static void assert_refused(fixture *f, const char *status)
{
	void **rows = NULL;
	size_t n = 0, before;
	const char *msg;
	char quoted[64];
	int rc;

	fflush(f->echo);
	before = f->echo_len;
	rc = events_by_status(&rows, &n, f->session, status);
	fflush(f->echo);
	if (rc == ORM_OK)
		orm_free(rows);
	if (rc != ORM_EINVAL)
		fail_msg("events_by_status(\"%s\") returned %s, expected ORM_EINVAL: '%s' is not a "
		         "label of SocialStatus",
		         status, orm_strerror(rc), status);
	if (f->echo_len != before)
		fail_msg("events_by_status(\"%s\") sent SQL before refusing the status:\n%s",
		         status, f->echo_text + before);
	msg = orm_session_errmsg(f->session);
	snprintf(quoted, sizeof quoted, "'%s'", status);
	if (!strstr(msg, quoted) || !strstr(msg, "'public'") || !strstr(msg, "'private'"))
		fail_msg("the message should name the value %s and the labels 'public' and "
		         "'private'; it is: %s",
		         quoted, msg);
}

static void events_by_status__refuses_what_is_not_a_label(void **state)
{
	assert_refused(*state, "Private");
	assert_refused(*state, "all");
	assert_refused(*state, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(events_by_status__public, setup, teardown),
	    cmocka_unit_test_setup_teardown(events_by_status__private_in_date_then_id_order, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(events_by_status__null_means_every_event, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(events_by_status__refuses_what_is_not_a_label, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests_name("exercise 5.2 status_filter", tests, NULL, NULL);
}
