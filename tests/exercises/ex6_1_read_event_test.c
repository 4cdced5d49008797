/*
 * ex6_1_read_event_test.c - the test of exercise 6.1, read_event (BOOK.md, chapter 6).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). The app runs on a real server on
 * loopback with the learner's handler in place of its own GET /events/{event_id}; a libcurl
 * client creates a user and two events, then asks for each event, for one that is not there,
 * and for one whose id is no integer (validation: the handler is never called).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "ex6_1_read_event.h"
#include "testdb.h"

static test_app t;

static const app_param event_id_param[] = {
    {"path", {.name = "event_id", .type = ORM_INTEGER, .required = true}},
};
static const app_route learner_route[] = {
    {.method = "GET",
     .path = "/events/{event_id}",
     .name = "read_event",
     .handler = ex6_1_read_event,
     .params = event_id_param,
     .nparams = 1,
     .response = &Event_schema,
     .uses_db = true},
};

static void expect(const char *path, long status, const char *body)
{
	http_answer a = http_json(&t, "GET", path, NULL);
	if (a.status != status || strcmp(a.body, body) != 0)
		fail_msg("GET %s: expected %ld %s\n  got %ld %s", path, status, body, a.status,
		         a.body);
	http_answer_free(&a);
}

static void read_event__answers_the_event_or_404(void **state)
{
	app_options options = APP_OPTIONS_INIT;
	(void)state;

	options.routes = learner_route;
	options.nroutes = 1;
	test_app_start(&t, &options, 2);
	http_answer a = http_json(&t, "POST", "/users/", "{\"email\": \"ada@example.com\"}");
	http_answer_free(&a);
	a = http_json(&t, "POST", "/users/1/events/",
	              "{\"title\": \"SQLAlchemy meetup\", \"date_of\": \"2024-06-21\"}");
	http_answer_free(&a);
	a = http_json(&t, "POST", "/users/1/events/",
	              "{\"title\": \"Tea\", \"date_of\": \"2024-07-02\", \"social_status\": "
	              "\"private\"}");
	http_answer_free(&a);

	expect("/events/1", 200,
	       "{\"title\":\"SQLAlchemy meetup\",\"date_of\":\"2024-06-21\",\"social_status\":"
	       "\"public\",\"id\":1,\"organizer_id\":1}");
	expect(
	    "/events/2", 200,
	    "{\"title\":\"Tea\",\"date_of\":\"2024-07-02\",\"social_status\":\"private\",\"id\":2,"
	    "\"organizer_id\":1}");
	expect("/events/3", 404, "{\"detail\":\"Event not found\"}");
	expect("/events/x", 422,
	       "{\"detail\":[{\"loc\":[\"path\",\"event_id\"],\"msg\":\"value is not a valid "
	       "integer\",\"type\":\"type_error.integer\"}]}");
	test_app_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(read_event__answers_the_event_or_404),
	};
	orm_test_url();
	return cmocka_run_group_tests_name(orm_test_database(), tests, NULL, NULL);
}
