/*
 * client.h - chapter 6's tests: the app on a real server on loopback, and a libcurl client.
 *
 * Every chapter 6 test and exercise test starts the app on a free port of 127.0.0.1 over the
 * test database (testdb.h: a temporary SQLite file, or the PostgreSQL server of
 * ORM_TEST_POSTGRES_URL, emptied first), and talks to it over HTTP, as a user's client would.
 */
#ifndef CH06_TEST_CLIENT_H
#define CH06_TEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "main.h"

typedef struct test_app {
	app *app;
	app_server *server;
	char base[64]; /* "http://127.0.0.1:PORT" */
} test_app;

/*
 * Empties the test database, starts the app (`options` may be NULL) and its server with
 * `threads` threads. Fails the test (exit 1) when it cannot.
 */
void test_app_start(test_app *t, const app_options *options, unsigned threads);
/* Stops the server, frees the app. */
void test_app_stop(test_app *t);
/* Deletes every user and event, and restarts their ids at 1. */
void test_app_empty(test_app *t);

/* An answer as the client received it. */
typedef struct http_answer {
	long status;
	char content_type[128];
	char *body; /* NUL-terminated, malloc'd */
	size_t len;
} http_answer;

/*
 * Sends one request: `path` may hold a query; `body` of `len` bytes, or NULL for none;
 * `content_type` NULL for "application/json" when there is a body. Returns false when no
 * answer came (connection refused, timeout). Thread-safe: each call uses its own handle.
 */
bool http_request(http_answer *out, const test_app *t, const char *method, const char *path,
                  const char *content_type, const char *body, size_t len);
void http_answer_free(http_answer *answer);

/* http_request with a NUL-terminated JSON body (or NULL), failing the test when no answer
 * came or the answer is not Content-Type application/json. */
http_answer http_json(const test_app *t, const char *method, const char *path, const char *body);

#endif
