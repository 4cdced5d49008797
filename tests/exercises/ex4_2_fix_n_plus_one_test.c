/*
 * ex4_2_fix_n_plus_one_test.c - the test of exercise 4.2, fix_n_plus_one (BOOK.md, chapter 4).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). The engine's echo goes to a memory
 * stream, and the test counts the SELECT statements the report sends: the report must be
 * right, and take at most two SELECTs for 4 users as for 24.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ex4_2_fix_n_plus_one.h"
#include "testdb.h"

/* The models of chapter 4, used by the learner's file through the header. */
static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};
static const orm_relationship user_relationships[] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer", .order_by = "date_of"),
};
const orm_model User_model =
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
const orm_model Event_model =
    ORM_MODEL_WITH_RELATIONSHIPS(Event, "events", event_columns, event_relationships);

typedef struct fixture {
	FILE *echo; /* the engine's echo, into echo_text */
	char *echo_text;
	size_t echo_len;
	orm_engine *engine;
	orm_metadata *metadata;
	orm_sessionmaker *maker;
} fixture;

static void check_ok(int rc, const char *what, orm_session *s)
{
	if (rc < 0)
		fail_msg("%s: %s: %s", what, orm_strerror(rc),
		         s ? orm_session_errmsg(s) : orm_error_last());
}

static User *add_user(orm_session *s, const char *email)
{
	User *user = orm_object_new(&User_model);
	check_ok(user ? ORM_OK : ORM_ENOMEM, "new user", s);
	check_ok(orm_set_text(&user->email, email), "email", s);
	check_ok(orm_session_add(s, user), "add user", s);
	return user;
}

static void add_event(orm_session *s, User *organizer, const char *title, orm_date date_of)
{
	Event *event = orm_object_new(&Event_model);
	check_ok(event ? ORM_OK : ORM_ENOMEM, "new event", s);
	check_ok(orm_set_text(&event->title, title), "title", s);
	event->date_of = date_of;
	check_ok(orm_relationship_set(event, "organizer", organizer), "set organizer", s);
}

static int setup(void **state)
{
	static fixture f;
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_session *s = NULL;

	memset(&f, 0, sizeof f);
	if (!(f.echo = open_memstream(&f.echo_text, &f.echo_len)))
		return -1;
	options.echo = true;
	options.echo_stream = f.echo;
	f.engine = orm_test_engine(&options);
	check_ok(orm_metadata_new(&f.metadata, NULL), "metadata", NULL);
	check_ok(orm_metadata_add(f.metadata, &User_model), "register User", NULL);
	check_ok(orm_metadata_add(f.metadata, &Event_model), "register Event", NULL);
	if (orm_metadata_create_all(f.metadata, f.engine, NULL) < 0)
		fail_msg("create_all: %s", orm_metadata_errmsg(f.metadata));
	check_ok(orm_sessionmaker_new(&f.maker, f.engine, f.metadata, NULL), "sessionmaker", NULL);

	check_ok(orm_session_open(&s, f.maker), "open", NULL);
	User *linus = add_user(s, "linus@example.org");
	User *ada = add_user(s, "ada@example.com");
	add_user(s, "bob@example.com");
	User *grace = add_user(s, "grace@example.com");
	add_event(s, ada, "Tea with Grace", (orm_date){2024, 7, 2});
	add_event(s, linus, "Kernel summit", (orm_date){2024, 9, 16});
	add_event(s, ada, "SQLAlchemy meetup", (orm_date){2024, 6, 21});
	add_event(s, grace, "COBOL reunion", (orm_date){2024, 8, 5});
	check_ok(orm_session_commit(s), "commit", s);
	orm_session_close(s);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	orm_sessionmaker_free(f->maker);
	orm_metadata_free(f->metadata);
	orm_engine_free(f->engine);
	fclose(f->echo);
	free(f->echo_text);
	return 0;
}

/* Runs events_report() in a fresh session; returns the report (orm_free it) and stores the
 * number of SELECTs it sent in *selects, and their echo in sql[] (cut to its size). */
static char *run_report(fixture *f, int *selects, char *sql, size_t sqlsize)
{
	orm_session *s = NULL;
	char *report = NULL;
	size_t before;
	int rc;

	check_ok(orm_session_open(&s, f->maker), "open", NULL);
	fflush(f->echo);
	before = f->echo_len;
	rc = events_report(&report, s);
	fflush(f->echo);
	if (rc != ORM_OK) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s", orm_session_errmsg(s));
		orm_session_close(s);
		fail_msg("events_report() returned %s: %s", orm_strerror(rc), msg);
	}
	orm_session_close(s);
	if (!report)
		fail_msg("events_report() returned ORM_OK and no report");

	*selects = 0;
	sql[0] = '\0';
	for (const char *line = f->echo_text + before; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		if (strncmp(line, "[orm] SELECT", 12) == 0) {
			size_t used = strlen(sql);
			++*selects;
			if (used + 1 < sqlsize)
				snprintf(sql + used, sqlsize - used, "  %.*s\n", (int)(n - 6),
				         line + 6);
		}
		line = end ? end + 1 : NULL;
	}
	return report;
}

static void events_report__lists_every_user_and_their_events(void **state)
{
	char sql[4096];
	int selects;
	char *report = run_report(*state, &selects, sql, sizeof sql);

	if (strcmp(report, "ada@example.com: SQLAlchemy meetup, Tea with Grace\n"
	                   "bob@example.com: (no events)\n"
	                   "grace@example.com: COBOL reunion\n"
	                   "linus@example.org: Kernel summit\n") != 0) {
		char copy[1024];
		snprintf(copy, sizeof copy, "%s", report);
		orm_free(report);
		fail_msg("the report is not right; it reads:\n%s", copy);
	}
	orm_free(report);
}

/* Fails unless the report took at most two SELECTs. */
static void assert_two_selects(fixture *f, int nusers)
{
	char sql[4096];
	int selects;
	char *report = run_report(f, &selects, sql, sizeof sql);

	orm_free(report);
	if (selects > 2)
		fail_msg(
		    "for %d users the report sent %d SELECTs, at most 2 expected. N+1: one for "
		    "the users, then one per user:\n%s",
		    nusers, selects, sql);
}

static void events_report__sends_at_most_two_selects(void **state)
{
	fixture *f = *state;
	orm_session *s = NULL;

	assert_two_selects(f, 4);

	/* 20 more users, with an event each: still two. */
	check_ok(orm_session_open(&s, f->maker), "open", NULL);
	for (int i = 0; i < 20; i++) {
		char email[32];
		snprintf(email, sizeof email, "user%02d@example.net", i);
		add_event(s, add_user(s, email), "Stand-up", (orm_date){2024, 10, 1 + i});
	}
	check_ok(orm_session_commit(s), "commit", s);
	orm_session_close(s);
	assert_two_selects(f, 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(events_report__lists_every_user_and_their_events, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(events_report__sends_at_most_two_selects, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests_name("exercise 4.2 fix_n_plus_one", tests, NULL, NULL);
}
