/*
 * main.h - chapter 6's app: the routes, get_db, and the HTTP server (sql_app/main.py).
 *
 * The app is two layers, so each can be read (and tested) on its own:
 *
 *   app_handle()        one request in, one answer out: routing, validation, get_db, the
 *                       handler, the JSON. A pure function of the request and the database:
 *                       no socket, so a test or a fuzzer can call it directly.
 *   app_server_start()  libmicrohttpd, with its own pool of threads, reading requests off
 *                       the network and handing each to app_handle().
 *
 * Lifecycle:
 *   1. app_new()            engine, Base, SessionLocal; create_all (as main.py does at import)
 *   2. app_server_start()   listen; every request gets its own session from get_db
 *   3. app_server_stop()    stop listening, let the requests in flight finish
 *   4. app_free()           close the pool
 */
#ifndef CH06_MAIN_H
#define CH06_MAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "database.h"
#include "schemas.h"

/* The largest request body read; a larger one is answered 413. */
#define APP_MAX_BODY (1024 * 1024)

typedef struct app app;

/* An answer: the status and its JSON body (owned: json_decref it). */
typedef struct app_response {
	unsigned status;
	json_t *body;
} app_response;

/* What a handler gets: the request's session and its validated input. */
typedef struct app_call {
	app *app;
	orm_session *db;      /* get_db()'s session; the handler must not close it */
	const json_t *params; /* path and query parameters by name, validated */
	const json_t *body;   /* the validated body, or NULL for a route without one */
} app_call;

/* A handler fills *out, or returns a library error code (the app answers 503 or 500). */
typedef int (*app_handler)(app_response *out, app_call *call);

typedef struct app_param {
	const char *in; /* "path" or "query" */
	schema_field field;
} app_param;

/* One route: FastAPI's @app.get(path, response_model=...) over a function. */
typedef struct app_route {
	const char *method; /* "GET", "POST" */
	const char *path;   /* "/users/{user_id}": a {name} matches one segment */
	const char *name;   /* the Python function's name, for OpenAPI: "read_user" */
	app_handler handler;
	const app_param *params;
	size_t nparams;
	const schema *body;     /* the request body's schema, or NULL */
	const schema *response; /* the 200 answer's schema */
	bool response_is_list;
	bool uses_db; /* Depends(get_db) */
	/* Validates the body instead of schema_validate(body, ...): a new object, or NULL after
	 * appending errors (exercise 6.2). NULL for the schema's own validation. */
	json_t *(*validate)(const json_t *body, json_t *errors);
} app_route;

/* The app's own routes, in the order main.py declares them. */
extern const app_route app_routes[];
extern const size_t app_nroutes;

typedef struct app_options {
	/* Engine options: pool size, pool timeout, echo. */
	orm_engine_options engine;
	/* Routes tried before the app's own (a same method and path replaces one): how the
	 * exercises plug a handler in. Borrowed; must outlive the app. */
	const app_route *routes;
	size_t nroutes;
} app_options;

/* clang-format off */
#define APP_OPTIONS_INIT {ORM_ENGINE_OPTIONS_INIT, NULL, 0}
/* clang-format on */

/*
 * Opens the database at `url` and runs create_all (tables that exist are kept). `options`
 * may be NULL. The message of a failure is in orm_error_last(). Free with app_free().
 */
int app_new(app **out, const char *url, const app_options *options);
void app_free(app *app);

/* The app's database: its engine, Base and SessionLocal. Borrowed. */
database *app_database(app *app);

/* ---- one request, one answer ------------------------------------------------------------- */

/* A query argument exactly as it came in the URL, still percent-encoded. */
typedef struct app_arg {
	const char *name;
	const char *value; /* NULL for "?name" with no '=' */
} app_arg;

typedef struct app_request {
	const char *method;
	const char *path; /* as sent, percent-encoded, without the query */
	size_t path_len;
	const app_arg *args;
	size_t nargs;
	const char *content_type; /* or NULL */
	const char *body;         /* `body_len` bytes, any bytes; NULL when none */
	size_t body_len;
	bool body_too_large; /* the server stopped reading past APP_MAX_BODY */
} app_request;

/*
 * Answers one request: never fails, never blocks longer than the pool's timeout. *out
 * always has a status and a JSON body (the caller json_decrefs it); NULL only when memory
 * ran out. Thread-safe: the server calls it from every thread of its pool.
 */
void app_handle(app_response *out, app *app, const app_request *request);

/* ---- the server -------------------------------------------------------------------------- */

typedef struct app_server app_server;

typedef struct app_server_options {
	uint16_t port;    /* 0: any free port (see app_server_port) */
	bool any_address; /* listen on every address, not only 127.0.0.1 */
	unsigned threads; /* libmicrohttpd's thread pool */
	FILE *log;        /* one line per request, or NULL */
	bool log_time;    /* the line ends with the time the request took */
} app_server_options;

/* clang-format off */
#define APP_SERVER_OPTIONS_INIT {8000, false, 4, NULL, true}
/* clang-format on */

/* Starts serving `app` (borrowed) in background threads. */
int app_server_start(app_server **out, app *a, const app_server_options *options);
uint16_t app_server_port(const app_server *server);
/* Stops accepting, waits for the requests in flight, stops the threads. Accepts NULL. */
void app_server_stop(app_server *server);

/* ---- OpenAPI (openapi.c) ----------------------------------------------------------------- */

/* The OpenAPI document of these routes, as FastAPI would generate it. A new reference. */
json_t *openapi_document(const app_route *const *routes, size_t nroutes);

#endif
