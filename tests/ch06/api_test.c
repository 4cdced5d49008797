/*
 * api_test.c - chapter 6's API over HTTP: every route and every error, against golden files.
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). A real server on loopback, a real
 * libcurl client. Each case in cases/<name>/ is a request and the answer expected:
 *
 *     request    "METHOD PATH", optional "Header: value" lines, a blank line, the body
 *     expected   the status on the first line, then the JSON body
 *
 * Before each case the database holds the same two users and three events (seed()). The
 * answer must be the expected JSON (compared as JSON), written compactly as FastAPI writes
 * it, with Content-Type application/json. ORM_UPDATE_EXPECTED=1 rewrites the expected files
 * from the answers (review them with git diff).
 *
 * The cases that cannot be files are tests below: a body over the limit (413), the
 * statement count of GET /users/, the pool running dry (503), a duplicate email writing
 * nothing, and GET /openapi.json against FastAPI's own document for the same app.
 */
#define _DEFAULT_SOURCE /* DT_DIR */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "testdb.h"

static test_app t;

static FILE *echo; /* the engine's echo, into echo_text */
static char *echo_text;
static size_t echo_len;

static void seed(void)
{
	static const char *const requests[][2] = {
	    {"/users/", "{\"email\": \"ada@example.com\"}"},
	    {"/users/", "{\"email\": \"grace@example.com\"}"},
	    {"/users/1/events/", "{\"title\": \"SQLAlchemy meetup\", \"date_of\": \"2024-06-21\"}"},
	    {"/users/1/events/", "{\"title\": \"Tea with Grace\", \"date_of\": \"2024-07-02\", "
	                         "\"social_status\": \"private\"}"},
	    {"/users/2/events/", "{\"title\": \"Code review\", \"date_of\": \"2024-07-09\"}"},
	};
	test_app_empty(&t);
	for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
		http_answer a = http_json(&t, "POST", requests[i][0], requests[i][1]);
		assert_int_equal(a.status, 200);
		http_answer_free(&a);
	}
}

static int setup(void **state)
{
	app_options options = APP_OPTIONS_INIT;
	(void)state;
	echo = open_memstream(&echo_text, &echo_len);
	options.engine.echo = true;
	options.engine.echo_stream = echo;
	options.engine.pool_size = 3;
	options.engine.pool_timeout_ms = 300;
	test_app_start(&t, &options, 3);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_app_stop(&t);
	fclose(echo);
	free(echo_text);
	return 0;
}

/* ---- the golden cases ------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)n + 1);
	if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	if (text)
		text[n] = '\0';
	*len = (size_t)n;
	fclose(f);
	return text;
}

/* Runs cases/<name>: returns false (and says why) when the answer is not the expected one. */
static bool run_case(const char *dir, const char *name)
{
	char path[1024], method[16], target[2048], content_type[128] = "";
	size_t len, explen;
	char *request, *line, *body, *expected;
	bool ok = true, has_type = false;
	http_answer a;

	snprintf(path, sizeof path, "%s/%s/request", dir, name);
	request = read_file(path, &len);
	assert_non_null(request);
	line = request;
	if (sscanf(line, "%15s %2047s", method, target) != 2)
		fail_msg("%s: the first line must be 'METHOD PATH'", path);
	body = NULL;
	while ((line = strchr(line, '\n'))) {
		line++;
		if (*line ==
		    '\n') { /* the blank line: the body follows, its last newline dropped */
			body = line + 1;
			break;
		}
		if (strncmp(line, "Content-Type: ", 14) == 0) {
			sscanf(line + 14, "%127[^\n]", content_type);
			has_type = true;
		}
	}
	size_t body_len = body ? len - (size_t)(body - request) : 0;
	if (body_len > 0 && body[body_len - 1] == '\n')
		body_len--;

	seed();
	if (!http_request(&a, &t, method, target, has_type ? content_type : NULL,
	                  body_len ? body : NULL, body_len))
		fail_msg("%s: no answer", name);

	json_error_t error;
	json_t *got = json_loads(a.body, 0, &error);
	char *compact = got ? json_dumps(got, JSON_COMPACT) : NULL;
	if (strcmp(a.content_type, "application/json") != 0) {
		printf("%s: Content-Type is '%s'\n", name, a.content_type);
		ok = false;
	}
	if (!got || strcmp(compact, a.body) != 0) {
		printf("%s: the body is not compact JSON: %s\n", name, a.body);
		ok = false;
	}

	snprintf(path, sizeof path, "%s/%s/expected", dir, name);
	if (getenv("ORM_UPDATE_EXPECTED") && got) {
		FILE *f = fopen(path, "w");
		fprintf(f, "%ld\n", a.status);
		json_dumpf(got, f, JSON_INDENT(2));
		fputc('\n', f);
		fclose(f);
	}
	expected = read_file(path, &explen);
	if (!expected) {
		printf("%s: no expected file; the answer was %ld %s\n", name, a.status, a.body);
		ok = false;
	} else {
		long status = strtol(expected, &line, 10);
		json_t *want = json_loads(line, 0, &error);
		if (status != a.status || !got || !json_equal(got, want)) {
			printf("%s: expected %s\n   got %ld %s\n", name, expected, a.status,
			       a.body);
			ok = false;
		}
		json_decref(want);
	}
	free(expected);
	free(compact);
	json_decref(got);
	http_answer_free(&a);
	free(request);
	return ok;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void api__every_route_and_error_answers_as_its_golden_file(void **state)
{
	struct dirent **entries;
	int n = scandir(CH06_CASES, &entries, NULL, by_name), failed = 0, ran = 0;
	(void)state;

	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		if (entries[i]->d_name[0] != '.') {
			failed += !run_case(CH06_CASES, entries[i]->d_name);
			ran++;
		}
		free(entries[i]);
	}
	free(entries);
	printf("%d cases, %d failed\n", ran, failed);
	assert_int_equal(failed, 0);
}

/* ---- what files cannot hold ------------------------------------------------------------- */

static void api__body_over_one_mebibyte_is_413_and_the_server_keeps_serving(void **state)
{
	size_t len = 2 * 1024 * 1024;
	char *body = malloc(len);
	http_answer a;
	(void)state;

	memset(body, ' ', len);
	memcpy(body, "{\"email\": \"", 11);
	assert_true(http_request(&a, &t, "POST", "/users/", NULL, body, len));
	assert_int_equal(a.status, 413);
	assert_string_equal(a.content_type, "application/json");
	assert_string_equal(a.body,
	                    "{\"detail\":\"Request body too large: the limit is 1048576 bytes\"}");
	http_answer_free(&a);
	free(body);

	a = http_json(&t, "GET", "/users/1", NULL);
	assert_int_equal(a.status, 200);
	http_answer_free(&a);
}

/* Statements GET /users/ sends, from the echo: lines that are not parameters. */
static int statements_of(const char *path, size_t users)
{
	size_t start;
	int count = 0;
	http_answer a;

	fflush(echo);
	start = echo_len;
	a = http_json(&t, "GET", path, NULL);
	assert_int_equal(a.status, 200);
	json_t *list = json_loads(a.body, 0, NULL);
	assert_int_equal(json_array_size(list), users);
	json_decref(list);
	http_answer_free(&a);
	fflush(echo);
	for (const char *p = echo_text + start; (p = strstr(p, "[orm] ")); p += 6)
		if (p[6] != '[')
			count++;
	return count;
}

static void api__read_users_sends_the_same_statements_for_2_or_40_users(void **state)
{
	char body[64];
	(void)state;

	seed();
	int few = statements_of("/users/", 2);
	for (int i = 0; i < 38; i++) {
		snprintf(body, sizeof body, "{\"email\": \"user%d@example.com\"}", i);
		http_answer a = http_json(&t, "POST", "/users/", body);
		http_answer_free(&a);
		snprintf(body, sizeof body, "/users/%d/events/", i + 3);
		a = http_json(&t, "POST", body, "{\"title\": \"x\", \"date_of\": \"2024-01-01\"}");
		assert_int_equal(a.status, 200);
		http_answer_free(&a);
	}
	int many = statements_of("/users/", 40);
	printf("GET /users/: %d statements for 2 users, %d for 40\n", few, many);
	/* BEGIN, SELECT users, SELECT events WHERE organizer_id IN (...), ROLLBACK */
	assert_int_equal(few, 4);
	assert_int_equal(many, 4);
}

static void api__pool_exhausted_is_503_after_the_pool_timeout(void **state)
{
	orm_engine *engine = app_database(t.app)->engine;
	orm_conn *held[3];
	(void)state;

	seed();
	for (int i = 0; i < 3; i++) /* every connection of the pool, taken away */
		assert_int_equal(orm_engine_connect(&held[i], engine), ORM_OK);
	http_answer a = http_json(&t, "GET", "/users/1", NULL);
	assert_int_equal(a.status, 503);
	assert_string_equal(
	    a.body,
	    "{\"detail\":\"connect: connection pool of size 3 exhausted after waiting 300 ms\"}");
	http_answer_free(&a);
	for (int i = 0; i < 3; i++)
		orm_conn_close(held[i]);
	a = http_json(&t, "GET", "/users/1", NULL);
	assert_int_equal(a.status, 200);
	http_answer_free(&a);
}

static long count_rows(const char *table)
{
	char path[64];
	snprintf(path, sizeof path, "/%s/?limit=1000", table);
	http_answer a = http_json(&t, "GET", path, NULL);
	json_t *list = json_loads(a.body, 0, NULL);
	long n = (long)json_array_size(list);
	json_decref(list);
	http_answer_free(&a);
	return n;
}

static void api__duplicate_email_is_400_and_writes_nothing(void **state)
{
	(void)state;
	seed();
	http_answer a = http_json(&t, "POST", "/users/", "{\"email\": \"ada@example.com\"}");
	assert_int_equal(a.status, 400);
	assert_string_equal(a.body, "{\"detail\":\"Email already registered\"}");
	http_answer_free(&a);
	assert_int_equal(count_rows("users"), 2);
	/* the next user gets the next id: nothing was half-inserted */
	a = http_json(&t, "POST", "/users/", "{\"email\": \"alan@example.com\"}");
	assert_string_equal(a.body, "{\"email\":\"alan@example.com\",\"id\":3,\"events\":[]}");
	http_answer_free(&a);
}

static void api__openapi_describes_the_api_as_fastapi_does(void **state)
{
	json_error_t error;
	json_t *fastapi = json_load_file(CH06_FASTAPI_OPENAPI, 0, &error), *ours;
	(void)state;

	if (!fastapi)
		fail_msg("%s: %s", CH06_FASTAPI_OPENAPI, error.text);
	http_answer a = http_json(&t, "GET", "/openapi.json", NULL);
	assert_int_equal(a.status, 200);
	ours = json_loads(a.body, 0, &error);
	assert_non_null(ours);
	if (!json_equal(ours, fastapi)) {
		char *text = json_dumps(ours, JSON_INDENT(2));
		printf("ours:\n%s\n", text);
		free(text);
		fail_msg("GET /openapi.json differs from %s (FastAPI's)", CH06_FASTAPI_OPENAPI);
	}
	json_decref(ours);
	json_decref(fastapi);
	http_answer_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(api__every_route_and_error_answers_as_its_golden_file),
	    cmocka_unit_test(api__body_over_one_mebibyte_is_413_and_the_server_keeps_serving),
	    cmocka_unit_test(api__read_users_sends_the_same_statements_for_2_or_40_users),
	    cmocka_unit_test(api__pool_exhausted_is_503_after_the_pool_timeout),
	    cmocka_unit_test(api__duplicate_email_is_400_and_writes_nothing),
	    cmocka_unit_test(api__openapi_describes_the_api_as_fastapi_does),
	};
	orm_test_url(); /* skip (77) now when there is no database to run on */
	return cmocka_run_group_tests_name(orm_test_database(), tests, setup, teardown);
}
