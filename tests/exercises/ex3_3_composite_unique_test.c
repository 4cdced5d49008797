/*
 * ex3_3_composite_unique_test.c - the test of exercise 3.3, composite_unique (BOOK.md,
 * chapter 3).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). Creates the learner's tickets table
 * next to an events table holding events 1 and 2, then sells seats through a session: one
 * seat twice for one event must be refused by the database, the same seat for two events
 * must not. The CREATE TABLE must carry the rule as SQLAlchemy writes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex3_3_composite_unique.h"
#include "orm/session.h"
#include "testdb.h"

typedef struct Event {
	int64_t id;
} Event;

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
};

static const orm_model Event_model = ORM_MODEL(Event, "events", event_columns);

typedef struct fixture {
	orm_engine *engine;
	orm_metadata *metadata;
	orm_sessionmaker *maker;
} fixture;

static int setup(void **state)
{
	static fixture f;
	int rc;

	f.engine = orm_test_engine(NULL);
	assert_int_equal(orm_metadata_new(&f.metadata, NULL), ORM_OK);
	assert_int_equal(orm_metadata_add(f.metadata, &Event_model), ORM_OK);
	if ((rc = orm_metadata_add(f.metadata, &Ticket_model)) != ORM_OK)
		fail_msg("orm_metadata_add refuses Ticket_model: %s: %s", orm_strerror(rc),
		         orm_metadata_errmsg(f.metadata));
	if ((rc = orm_metadata_create_all(f.metadata, f.engine, NULL)) != ORM_OK)
		fail_msg("create_all fails on Ticket_model: %s: %s", orm_strerror(rc),
		         orm_metadata_errmsg(f.metadata));
	orm_test_exec(f.engine, "INSERT INTO events (id) VALUES (1), (2)");
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

/* Sells `seat` for `event_id` in a session of its own; returns what the commit returned. */
static int sell(fixture *f, int64_t event_id, const char *seat, char *why, size_t size)
{
	orm_session *db = NULL;
	Ticket *ticket;
	int rc;

	assert_int_equal(orm_session_open(&db, f->maker), ORM_OK);
	ticket = orm_object_new(&Ticket_model);
	assert_non_null(ticket);
	ticket->event_id = event_id;
	assert_int_equal(orm_set_text(&ticket->seat, seat), ORM_OK);
	assert_int_equal(orm_session_add(db, ticket), ORM_OK);
	rc = orm_session_commit(db);
	snprintf(why, size, "%s", orm_session_errmsg(db));
	orm_session_close(db);
	return rc;
}

static void composite_unique__a_seat_is_sold_once_per_event(void **state)
{
	fixture *f = *state;
	char why[256];
	int rc;

	if ((rc = sell(f, 1, "A12", why, sizeof why)) != ORM_OK)
		fail_msg("selling seat A12 for event 1 fails: %s: %s", orm_strerror(rc), why);
	rc = sell(f, 1, "A12", why, sizeof why);
	if (rc == ORM_OK)
		fail_msg("seat A12 was sold twice for event 1: the pair (event_id, seat) must be "
		         "unique");
	if (rc != ORM_ECONSTRAINT)
		fail_msg("selling seat A12 twice for event 1 returned %s (%s), expected "
		         "ORM_ECONSTRAINT from the database",
		         orm_strerror(rc), why);
}

static void composite_unique__a_seat_is_sold_once_for_each_event(void **state)
{
	fixture *f = *state;
	char why[256];
	int rc;

	if ((rc = sell(f, 1, "A12", why, sizeof why)) != ORM_OK)
		fail_msg("selling seat A12 for event 1 fails: %s: %s", orm_strerror(rc), why);
	if ((rc = sell(f, 2, "A12", why, sizeof why)) != ORM_OK)
		fail_msg(
		    "seat A12 cannot be sold for event 2 once it is sold for event 1 (%s: %s): "
		    "the rule is per event, not per seat",
		    orm_strerror(rc), why);
	if ((rc = sell(f, 1, "A13", why, sizeof why)) != ORM_OK)
		fail_msg(
		    "seat A13 cannot be sold for event 1 once A12 is (%s: %s): the rule is per "
		    "seat, not per event",
		    orm_strerror(rc), why);
}

static void composite_unique__create_table_says_it_as_sqlalchemy_does(void **state)
{
	fixture *f = *state;
	char *sql = NULL;
	const char *tickets;

	assert_int_equal(orm_metadata_create_sql(&sql, f->metadata, f->engine), ORM_OK);
	tickets = strstr(sql, "CREATE TABLE tickets");
	assert_non_null(tickets);
	if (!strstr(tickets, "UNIQUE (event_id, seat)")) {
		char shown[512];
		snprintf(shown, sizeof shown, "%s", tickets);
		orm_free(sql);
		fail_msg(
		    "CREATE TABLE tickets has no UNIQUE (event_id, seat); create_all writes:\n%s",
		    shown);
	}
	orm_free(sql);
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
	    cmocka_unit_test_setup_teardown(composite_unique__a_seat_is_sold_once_per_event, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(composite_unique__a_seat_is_sold_once_for_each_event,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        composite_unique__create_table_says_it_as_sqlalchemy_does, setup, teardown),
	};
	return cmocka_run_group_tests_name("exercise 3.3 composite_unique", tests, NULL,
	                                   leave_database_empty);
}
