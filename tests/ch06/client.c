/*
 * client.c - the app on loopback and a libcurl client, for chapter 6's tests (client.h).
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "testdb.h"

void test_app_start(test_app *t, const app_options *options, unsigned threads)
{
	app_server_options server_options = APP_SERVER_OPTIONS_INIT;
	int rc;

	memset(t, 0, sizeof *t);
	orm_engine_free(orm_test_engine(NULL)); /* an empty database */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((rc = app_new(&t->app, orm_test_url(), options)) < 0) {
		fprintf(stderr, "app_new: %s (%s)\n", orm_error_last(), orm_strerror(rc));
		exit(1);
	}
	server_options.port = 0;
	server_options.threads = threads;
	if ((rc = app_server_start(&t->server, t->app, &server_options)) < 0) {
		fprintf(stderr, "app_server_start: cannot listen on 127.0.0.1\n");
		exit(1);
	}
	snprintf(t->base, sizeof t->base, "http://127.0.0.1:%u",
	         (unsigned)app_server_port(t->server));
}

void test_app_stop(test_app *t)
{
	app_server_stop(t->server);
	app_free(t->app);
	curl_global_cleanup();
	memset(t, 0, sizeof *t);
}

void test_app_empty(test_app *t)
{
	orm_engine *engine = app_database(t->app)->engine;
	if (orm_test_is_postgres()) {
		orm_test_exec(engine, "TRUNCATE events, users RESTART IDENTITY");
	} else {
		orm_test_exec(engine, "DELETE FROM events");
		orm_test_exec(engine, "DELETE FROM users");
	}
}

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
	http_answer *a = userdata;
	size_t len = size * n;
	char *body = realloc(a->body, a->len + len + 1);
	if (!body)
		return 0;
	memcpy(body + a->len, ptr, len);
	a->body = body;
	a->len += len;
	a->body[a->len] = '\0';
	return len;
}

bool http_request(http_answer *out, const test_app *t, const char *method, const char *path,
                  const char *content_type, const char *body, size_t len)
{
	char url[4096], header[160];
	struct curl_slist *headers = NULL;
	char *type = NULL;
	CURL *curl = curl_easy_init();
	CURLcode rc;

	memset(out, 0, sizeof *out);
	if (!curl)
		return false;
	snprintf(url, sizeof url, "%s%s", t->base, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	/* curl would tidy "/users/../x" and refuse a few bytes: the server must see them as sent */
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	if (body) {
		snprintf(header, sizeof header, "Content-Type: %s",
		         content_type ? content_type : "application/json");
		headers = curl_slist_append(headers, header);
		headers = curl_slist_append(headers, "Expect:");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	}
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
		curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
		snprintf(out->content_type, sizeof out->content_type, "%s", type ? type : "");
		if (!out->body)
			out->body = calloc(1, 1);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return rc == CURLE_OK;
}

void http_answer_free(http_answer *answer)
{
	free(answer->body);
	answer->body = NULL;
}

http_answer http_json(const test_app *t, const char *method, const char *path, const char *body)
{
	http_answer a;
	if (!http_request(&a, t, method, path, NULL, body, body ? strlen(body) : 0)) {
		fprintf(stderr, "%s %s: no answer from the server\n", method, path);
		exit(1);
	}
	if (strcmp(a.content_type, "application/json") != 0) {
		fprintf(stderr, "%s %s: Content-Type is '%s', not application/json\n", method, path,
		        a.content_type);
		exit(1);
	}
	return a;
}
