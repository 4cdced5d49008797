/*
 * concurrency_test.c - chapter 6's API under 8 client threads at once.
 *
 * Runs on SQLite (a file database in a temporary directory) and on PostgreSQL. Eight
 * threads send 500 requests each over their own keep-alive connection: creating users,
 * creating their events, reading users, lists of users with their events, lists of events.
 * The server has 4 threads and the pool 5 connections, enough for every request in flight:
 * so no answer may be a 5xx, and afterwards every user and event created is there, once.
 * On SQLite, writers queue for the database's one write lock (and a transaction that read
 * before another wrote is run again by the app): slower, never wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>

#include "client.h"
#include "testdb.h"

enum { THREADS = 8, REQUESTS = 500, USERS_PER_THREAD = REQUESTS / 5 };

static test_app t;

typedef struct worker {
	int number;
	int created_users, created_events;
	int server_errors, other_errors;
	char last_error[256];
	char *answer;
	size_t len;
} worker;

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
	worker *w = userdata;
	char *answer = realloc(w->answer, w->len + size * n + 1);
	if (!answer)
		return 0;
	memcpy(answer + w->len, ptr, size * n);
	w->answer = answer;
	w->len += size * n;
	w->answer[w->len] = '\0';
	return size * n;
}

/* One request on the worker's connection; the status, or 0 when no answer came. */
static long send_request(worker *w, CURL *curl, const char *method, const char *path,
                         const char *body, struct curl_slist *headers)
{
	char url[256];
	long status = 0;

	snprintf(url, sizeof url, "%s%s", t.base, path);
	w->len = 0;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPGET, body ? 0L : 1L);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	}
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

static void *work(void *arg)
{
	worker *w = arg;
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	char path[128], body[256];
	long user_id = 1;

	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, w);
	for (int k = 0; k < REQUESTS; k++) {
		long status, want = 200;
		switch (k % 5) {
		case 0:
			snprintf(body, sizeof body, "{\"email\": \"t%d-u%d@example.com\"}",
			         w->number, k);
			status = send_request(w, curl, "POST", "/users/", body, headers);
			if (status == 200) {
				json_t *user = json_loads(w->answer, 0, NULL);
				user_id = (long)json_integer_value(json_object_get(user, "id"));
				json_decref(user);
				w->created_users++;
			}
			break;
		case 1:
			snprintf(path, sizeof path, "/users/%ld/events/", user_id);
			snprintf(body, sizeof body,
			         "{\"title\": \"t%d-e%d\", \"date_of\": \"2024-07-%02d\"}",
			         w->number, k, k % 28 + 1);
			status = send_request(w, curl, "POST", path, body, headers);
			w->created_events += status == 200;
			break;
		case 2:
			snprintf(path, sizeof path, "/users/%ld", user_id);
			status = send_request(w, curl, "GET", path, NULL, headers);
			break;
		case 3:
			status =
			    send_request(w, curl, "GET", "/users/?skip=0&limit=20", NULL, headers);
			break;
		default:
			status =
			    send_request(w, curl, "GET", "/events/?limit=20&social_status=public",
			                 NULL, headers);
			break;
		}
		if (status >= 500 || status == 0)
			w->server_errors++;
		else if (status != want)
			w->other_errors++;
		if (status != want)
			snprintf(w->last_error, sizeof w->last_error, "request %d: %ld %s", k,
			         status, w->answer ? w->answer : "");
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(w->answer);
	w->answer = NULL;
	return NULL;
}

/* How many times each text appears as `key` of the objects of GET path. */
static json_t *fetch_all(const char *path)
{
	http_answer a = http_json(&t, "GET", path, NULL);
	assert_int_equal(a.status, 200);
	json_t *list = json_loads(a.body, 0, NULL);
	http_answer_free(&a);
	assert_non_null(list);
	return list;
}

static void concurrency__8_threads_x_500_requests_lose_nothing_and_never_5xx(void **state)
{
	app_options options = APP_OPTIONS_INIT;
	pthread_t threads[THREADS];
	worker workers[THREADS];
	int users = 0, events = 0;
	(void)state;

	options.engine.pool_size = 5;
	test_app_start(&t, &options, 4);
	memset(workers, 0, sizeof workers);
	for (int i = 0; i < THREADS; i++) {
		workers[i].number = i;
		assert_int_equal(pthread_create(&threads[i], NULL, work, &workers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) /* all of them, before any assertion can leave */
		pthread_join(threads[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		if (workers[i].server_errors || workers[i].other_errors)
			printf("thread %d: %d 5xx or no answer, %d other errors; last: %s\n", i,
			       workers[i].server_errors, workers[i].other_errors,
			       workers[i].last_error);
		assert_int_equal(workers[i].server_errors, 0);
		assert_int_equal(workers[i].other_errors, 0);
		assert_int_equal(workers[i].created_users, USERS_PER_THREAD);
		assert_int_equal(workers[i].created_events, USERS_PER_THREAD);
		users += workers[i].created_users;
		events += workers[i].created_events;
	}

	/* Every row created is there, once: emails and titles are unique by construction. */
	json_t *all_users = fetch_all("/users/?limit=100000");
	json_t *all_events = fetch_all("/events/?limit=100000");
	json_t *seen = json_object();
	size_t i;
	json_t *item;
	assert_int_equal(json_array_size(all_users), users);
	assert_int_equal(json_array_size(all_events), events);
	json_array_foreach(all_users, i, item)
	{
		const char *email = json_string_value(json_object_get(item, "email"));
		assert_null(json_object_get(seen, email));
		json_object_set_new(seen, email, json_true());
		/* each user made by case 0 got exactly one event, by case 1 */
		assert_int_equal(json_array_size(json_object_get(item, "events")), 1);
	}
	json_array_foreach(all_events, i, item)
	{
		const char *title = json_string_value(json_object_get(item, "title"));
		assert_null(json_object_get(seen, title));
		json_object_set_new(seen, title, json_true());
	}
	printf("%d users and %d events created by %d threads, all there once\n", users, events,
	       THREADS);
	json_decref(seen);
	json_decref(all_users);
	json_decref(all_events);
	test_app_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(concurrency__8_threads_x_500_requests_lose_nothing_and_never_5xx),
	};
	orm_test_url();
	return cmocka_run_group_tests_name(orm_test_database(), tests, NULL, NULL);
}
