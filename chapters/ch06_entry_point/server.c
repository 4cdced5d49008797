/*
 * server.c - chapter 6's HTTP server: libmicrohttpd reads requests off the network and
 * hands each, whole, to app_handle() (main.c).
 *
 * libmicrohttpd runs a pool of threads (MHD_OPTION_THREAD_POOL_SIZE); each request is
 * answered on one of them, start to end, so the app's work for a request - its session,
 * its connection from the engine's pool - stays on one thread. Requests arrive in pieces:
 * the access callback is called once with the headers, then once per piece of body, then
 * once more with none left, when the answer is made.
 */
#define _DEFAULT_SOURCE /* strncasecmp */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <unistd.h>

#include "main.h"

struct app_server {
	struct MHD_Daemon *daemon;
	app *app;
	app_server_options options;
	uint16_t port;
	atomic_int in_flight; /* requests between their first callback and their answer */
};

/* What one request has gathered so far. */
typedef struct request_state {
	struct timespec start;
	char *body;
	size_t len, cap;
	bool too_large;
} request_state;

/* URLs reach app_handle() still percent-encoded: a %00 decoded here would cut the path at
 * the NUL, so "/users/%00" would look like "/users/". app_handle() decodes with lengths. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *uri)
{
	(void)cls, (void)c;
	return strlen(uri);
}

typedef struct args {
	app_arg items[64];
	size_t count;
} args;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	args *a = cls;
	(void)kind;
	if (a->count < sizeof a->items / sizeof a->items[0])
		a->items[a->count++] = (app_arg){key, value};
	return MHD_YES;
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static enum MHD_Result respond(app_server *server, struct MHD_Connection *connection,
                               const char *method, const char *url, request_state *state,
                               app_response *answer)
{
	char *text = answer->body ? json_dumps(answer->body, JSON_COMPACT) : NULL;
	struct MHD_Response *response;
	enum MHD_Result ret;

	if (!text) {
		answer->status = 500;
		text = strdup("{\"detail\":\"Internal Server Error\"}");
	}
	response = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(connection, answer->status, response);
	MHD_destroy_response(response);
	json_decref(answer->body);
	if (server->options.log) {
		if (server->options.log_time)
			fprintf(server->options.log, "%s %s %u %.1f ms\n", method, url,
			        answer->status, elapsed_ms(&state->start));
		else
			fprintf(server->options.log, "%s %s %u\n", method, url, answer->status);
		fflush(server->options.log);
	}
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	app_server *server = cls;
	request_state *state = *con_cls;
	app_response answer = {500, NULL};
	(void)version;

	if (!state) { /* the headers: nothing of the body yet */
		const char *length;
		if (!(state = calloc(1, sizeof *state)))
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &state->start);
		atomic_fetch_add(&server->in_flight, 1);
		*con_cls = state;
		length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
		                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (length && strtoull(length, NULL, 10) > APP_MAX_BODY) {
			/* Answer now, without reading a body that would be thrown away. */
			app_request req = {.method = method,
			                   .path = url,
			                   .path_len = strlen(url),
			                   .body_too_large = true};
			app_handle(&answer, server->app, &req);
			return respond(server, connection, method, url, state, &answer);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) { /* a piece of the body */
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (state->too_large || state->len + n > APP_MAX_BODY) {
			state->too_large = true; /* read and dropped, answered 413 at the end */
			return MHD_YES;
		}
		if (state->len + n > state->cap) {
			size_t cap = state->cap ? state->cap : 4096;
			while (cap < state->len + n)
				cap *= 2;
			char *body = realloc(state->body, cap);
			if (!body)
				return MHD_NO;
			state->body = body;
			state->cap = cap;
		}
		memcpy(state->body + state->len, upload_data, n);
		state->len += n;
		return MHD_YES;
	}
	/* The whole request is in: answer it. */
	args query = {.count = 0};
	MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_arg, &query);
	app_request req = {
	    .method = method,
	    .path = url,
	    .path_len = strlen(url),
	    .args = query.items,
	    .nargs = query.count,
	    .content_type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
	                                                MHD_HTTP_HEADER_CONTENT_TYPE),
	    .body = state->body,
	    .body_len = state->len,
	    .body_too_large = state->too_large,
	};
	app_handle(&answer, server->app, &req);
	return respond(server, connection, method, url, state, &answer);
}

/* Called when a request is over, answered or not (the client went away). */
static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
	app_server *server = cls;
	request_state *state = *con_cls;
	(void)connection, (void)code;
	if (!state)
		return;
	free(state->body);
	free(state);
	*con_cls = NULL;
	atomic_fetch_sub(&server->in_flight, 1);
}

int app_server_start(app_server **out, app *a, const app_server_options *options)
{
	static const app_server_options defaults = APP_SERVER_OPTIONS_INIT;
	struct sockaddr_in addr;
	app_server *server;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (!(server = calloc(1, sizeof *server)))
		return ORM_ENOMEM;
	server->app = a;
	server->options = options ? *options : defaults;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(server->options.port);
	addr.sin_addr.s_addr = htonl(server->options.any_address ? INADDR_ANY : INADDR_LOOPBACK);
	/* book:begin daemon */
	server->daemon = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, server->options.port,
	    NULL, NULL, on_request, server, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)(server->options.threads ? server->options.threads : 1), MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&addr, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_END);
	/* book:end daemon */
	if (!server->daemon) {
		free(server);
		return ORM_ECONNECT;
	}
	info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
	server->port = info ? info->port : server->options.port;
	*out = server;
	return ORM_OK;
}

uint16_t app_server_port(const app_server *server)
{
	return server->port;
}

void app_server_stop(app_server *server)
{
	if (!server)
		return;
	/* No new connections; the requests already in are answered before the threads stop. */
	MHD_socket listener = MHD_quiesce_daemon(server->daemon);
	for (int i = 0; i < 3000 && atomic_load(&server->in_flight) > 0; i++)
		nanosleep(&(struct timespec){0, 10000000L}, NULL);
	MHD_stop_daemon(server->daemon);
	if (listener != MHD_INVALID_SOCKET)
		close(listener);
	free(server);
}
