/*
 * ex6_3_session_leak_test.c - the test of exercise 6.3, session_leak (BOOK.md, chapter 6).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). The app runs on a real server with
 * the two handlers mounted, a pool of TWO connections and a pool timeout of 200 ms. A
 * libcurl client sends each handler, on each of its paths (found and not found), more
 * requests than the pool has connections: every answer must be right, none a 503. Then
 * every connection must be back in the pool.
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
#include "ex6_3_session_leak.h"
#include "testdb.h"

enum { POOL = 2, TRIES = 5 };

static test_app t;
static bool leaked; /* connections are still out: the app cannot be freed */

static const app_param user_id_param[] = {
    {"path", {.name = "user_id", .type = ORM_INTEGER, .required = true}},
};
static const app_param event_id_param[] = {
    {"path", {.name = "event_id", .type = ORM_INTEGER, .required = true}},
};
static const app_route learner_routes[] = {
    {.method = "GET",
     .path = "/users/{user_id}/event_count",
     .name = "user_event_count",
     .handler = ex6_3_user_event_count,
     .params = user_id_param,
     .nparams = 1,
     .response = &User_schema},
    {.method = "GET",
     .path = "/events/{event_id}/title",
     .name = "event_title",
     .handler = ex6_3_event_title,
     .params = event_id_param,
     .nparams = 1,
     .response = &Event_schema},
};

static int setup(void **state)
{
	app_options options = APP_OPTIONS_INIT;
	(void)state;
	options.engine.pool_size = POOL;
	options.engine.pool_timeout_ms = 200;
	options.routes = learner_routes;
	options.nroutes = 2;
	test_app_start(&t, &options, 2);
	http_answer a = http_json(&t, "POST", "/users/", "{\"email\": \"ada@example.com\"}");
	http_answer_free(&a);
	a = http_json(&t, "POST", "/users/1/events/",
	              "{\"title\": \"SQLAlchemy meetup\", \"date_of\": \"2024-06-21\"}");
	http_answer_free(&a);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (leaked) { /* freeing an engine with connections out is a programming error */
		app_server_stop(t.server);
		return 0;
	}
	test_app_stop(&t);
	return 0;
}

static void expect(const char *path, long status, const char *body)
{
	for (int i = 0; i < TRIES; i++) {
		http_answer a = http_json(&t, "GET", path, NULL);
		if (a.status != status || strcmp(a.body, body) != 0) {
			leaked = a.status == 503;
			fail_msg("GET %s, request %d of %d: expected %ld %s\n  got %ld %s%s", path,
			         i + 1, TRIES, status, body, a.status, a.body,
			         leaked ? "\n  (the pool ran dry: which session was never closed?)"
			                : "");
		}
		http_answer_free(&a);
	}
}

static void session_leak__every_path_gives_its_connection_back(void **state)
{
	orm_conn *conns[POOL];
	(void)state;

	expect("/events/1/title", 200, "{\"title\":\"SQLAlchemy meetup\"}");
	expect("/events/9/title", 404, "{\"detail\":\"Event not found\"}");
	expect("/users/1/event_count", 200, "{\"user_id\":1,\"events\":1}");
	expect("/users/9/event_count", 404, "{\"detail\":\"User not found\"}");
	expect("/users/1", 200,
	       "{\"email\":\"ada@example.com\",\"id\":1,\"events\":[{\"title\":\"SQLAlchemy "
	       "meetup\",\"date_of\":\"2024-06-21\",\"social_status\":\"public\",\"id\":1,"
	       "\"organizer_id\":1}]}");
	/* every connection is back: the test can take them all */
	for (int i = 0; i < POOL; i++) {
		int rc = orm_engine_connect(&conns[i], app_database(t.app)->engine);
		if (rc < 0) {
			leaked = true;
			fail_msg("connection %d of %d is still held by a session nobody closed",
			         i + 1, POOL);
		}
	}
	for (int i = 0; i < POOL; i++)
		orm_conn_close(conns[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(session_leak__every_path_gives_its_connection_back),
	};
	orm_test_url();
	return cmocka_run_group_tests_name(orm_test_database(), tests, setup, teardown);
}
