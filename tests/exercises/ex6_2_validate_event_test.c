/*
 * ex6_2_validate_event_test.c - the test of exercise 6.2, validate_event (BOOK.md, chapter 6).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). First the function alone, body by
 * body; then over HTTP: the app on a real server with the learner's validation in place of
 * the schema's for POST /users/{user_id}/events/, and a libcurl client checking the 422s
 * and that a good body still stores its event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "ex6_2_validate_event.h"
#include "testdb.h"

/* Validates `body` (JSON text, or NULL) and compares the result, or the errors, with the
 * JSON text `want`. */
static void check(const char *body, const char *want)
{
	json_t *in = body ? json_loads(body, JSON_DECODE_ANY, NULL) : NULL;
	json_t *errors = json_array();
	json_t *out = ex6_2_validate_event(in, errors);
	json_t *got = out ? out : errors;
	json_t *expected = json_loads(want, 0, NULL);

	assert_non_null(expected);
	if ((out && json_array_size(errors) > 0) || !json_equal(got, expected)) {
		char *text = json_dumps(got, JSON_COMPACT);
		fail_msg("body %s:\n  expected %s\n  got      %s%s", body ? body : "(none)", want,
		         text, out && json_array_size(errors) ? " (and errors too)" : "");
	}
	json_decref(expected);
	json_decref(out);
	json_decref(errors);
	json_decref(in);
}

#define MISSING(f) \
	"{\"loc\":[\"body\"" f "],\"msg\":\"field required\",\"type\":\"value_error.missing\"}"

static void validate_event__accepts_and_normalizes_a_good_body(void **state)
{
	(void)state;
	check("{\"title\": \"Tea\", \"date_of\": \"2024-7-2\", \"social_status\": \"private\"}",
	      "{\"title\":\"Tea\",\"date_of\":\"2024-07-02\",\"social_status\":\"private\"}");
	check("{\"title\": \"Meetup\", \"date_of\": \"2024-06-21\", \"extra\": 1}",
	      "{\"title\":\"Meetup\",\"date_of\":\"2024-06-21\",\"social_status\":\"public\"}");
	check("{\"title\": 42, \"date_of\": \"2024-06-21\"}",
	      "{\"title\":\"42\",\"date_of\":\"2024-06-21\",\"social_status\":\"public\"}");
}

static void validate_event__lists_every_wrong_field_with_its_loc(void **state)
{
	(void)state;
	check(NULL, "[" MISSING("") "]");
	check("null", "[" MISSING("") "]");
	check("[1, 2]", "[{\"loc\":[\"body\"],\"msg\":\"value is not a valid dict\","
	                "\"type\":\"type_error.dict\"}]");
	check("{}", "[" MISSING(",\"title\"") "," MISSING(",\"date_of\"") "]");
	check("{\"title\": \"Leap\", \"date_of\": \"2023-02-29\"}",
	      "[{\"loc\":[\"body\",\"date_of\"],\"msg\":\"invalid date format\","
	      "\"type\":\"value_error.date\"}]");
	check("{\"title\": [\"x\"], \"date_of\": \"2024-06-21\", \"social_status\": \"secret\"}",
	      "[{\"loc\":[\"body\",\"title\"],\"msg\":\"str type expected\",\"type\":"
	      "\"type_error.str\"},{\"loc\":[\"body\",\"social_status\"],\"msg\":\"value is not a "
	      "valid enumeration member; permitted: 'public', 'private'\",\"type\":"
	      "\"type_error.enum\",\"ctx\":{\"enum_values\":[\"public\",\"private\"]}}]");
	check(
	    "{\"date_of\": null}",
	    "[" MISSING(",\"title\"") ",{\"loc\":[\"body\",\"date_of\"],\"msg\":\"none is not an "
	                              "allowed value\",\"type\":\"type_error.none.not_allowed\"}]");
}

static void validate_event__over_http_answers_422_and_stores_good_events(void **state)
{
	static const app_param user_id_param[] = {
	    {"path", {.name = "user_id", .type = ORM_INTEGER, .required = true}},
	};
	const app_route learner_route[] = {
	    {.method = "POST",
	     .path = "/users/{user_id}/events/",
	     .name = "create_event_for_user",
	     .handler = app_routes[3].handler, /* the app's own handler, after validation */
	     .params = user_id_param,
	     .nparams = 1,
	     .body = &EventCreate_schema,
	     .response = &Event_schema,
	     .uses_db = true,
	     .validate = ex6_2_validate_event},
	};
	app_options options = APP_OPTIONS_INIT;
	test_app t;
	(void)state;

	options.routes = learner_route;
	options.nroutes = 1;
	test_app_start(&t, &options, 2);
	http_answer a = http_json(&t, "POST", "/users/", "{\"email\": \"ada@example.com\"}");
	http_answer_free(&a);

	a = http_json(&t, "POST", "/users/1/events/", "{\"date_of\": \"2024-02-30\"}");
	assert_int_equal(a.status, 422);
	assert_string_equal(
	    a.body, "{\"detail\":[" MISSING(
	                ",\"title\"") ",{\"loc\":[\"body\","
	                              "\"date_of\"],\"msg\":\"invalid date format\",\"type\":"
	                              "\"value_error.date\"}]}");
	http_answer_free(&a);
	a = http_json(&t, "POST", "/users/1/events/",
	              "{\"title\": \"Tea\", \"date_of\": \"2024-07-02\"}");
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body,
	                    "{\"title\":\"Tea\",\"date_of\":\"2024-07-02\",\"social_status\":"
	                    "\"public\",\"id\":1,\"organizer_id\":1}");
	http_answer_free(&a);
	a = http_json(&t, "GET", "/events/", NULL); /* the 422s stored nothing */
	json_t *events = json_loads(a.body, 0, NULL);
	assert_int_equal(json_array_size(events), 1);
	json_decref(events);
	http_answer_free(&a);
	test_app_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(validate_event__accepts_and_normalizes_a_good_body),
	    cmocka_unit_test(validate_event__lists_every_wrong_field_with_its_loc),
	    cmocka_unit_test(validate_event__over_http_answers_422_and_stores_good_events),
	};
	orm_test_url();
	return cmocka_run_group_tests_name(orm_test_database(), tests, NULL, NULL);
}
