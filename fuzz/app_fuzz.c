/*
 * app_fuzz.c - fuzzes chapter 6's request handling (app_handle in chapters/ch06_entry_point/
 * main.c, issue 10): routing, percent-decoding, query and path parameters, the body read as
 * JSON, validation, the handlers and the JSON answer.
 *
 * An input is a request written the way tests/ch06/cases/NAME/request are:
 *
 *     METHOD TARGET            TARGET is the path, then optionally ?QUERY (a&b=c&...)
 *     Header: value            optional: Content-Type, and Content-Length (larger than
 *     ...                      APP_MAX_BODY means the server stopped reading: 413)
 *                              a blank line
 *     BODY                     any bytes, to the end of the input
 *
 * The app runs on an in-memory SQLite database made once per process, so the users and
 * events that inputs create are there for the next ones to read. For any input, the answer
 * is a JSON object or array that can be sent (json_dumps succeeds), its status is one the
 * API documents (200, 400, 404, 405, 413, 422, 503: never 500), and a 4xx answer has a
 * "detail". The sanitizers check the rest: no crash, no leak, no undefined behaviour.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "main.h"

#define MAX_ARGS 64 /* as many query arguments as the server (server.c) collects */

static app *the_app;

static void close_app(void)
{
	app_free(the_app);
}

static app *get_app(void)
{
	if (!the_app) {
		if (app_new(&the_app, "sqlite:///:memory:", NULL) < 0) {
			fprintf(stderr, "app_new: %s\n", orm_error_last());
			abort();
		}
		atexit(close_app);
	}
	return the_app;
}

/* The next line of [*at, end) as a NUL-terminated string in place ('\n' replaced); NULL at
 * the end of the input. */
static char *next_line(char **at, char *end)
{
	char *line = *at, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	if (!nl)
		nl = end;
	*nl = '\0';
	*at = nl + 1;
	return line;
}

/* "a=1&b&c=" into args, kept percent-encoded as the server keeps them. */
static size_t split_query(app_arg *args, char *query)
{
	size_t n = 0;

	while (query && *query && n < MAX_ARGS) {
		char *amp = strchr(query, '&'), *eq;
		if (amp)
			*amp = '\0';
		if (*query) {
			eq = strchr(query, '=');
			if (eq)
				*eq = '\0';
			args[n++] = (app_arg){query, eq ? eq + 1 : NULL};
		}
		query = amp ? amp + 1 : NULL;
	}
	return n;
}

static bool documented(unsigned status)
{
	static const unsigned known[] = {200, 400, 404, 405, 413, 422, 503};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (status == known[i])
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One byte more for the NUL that ends the last line. */
	char *text = malloc(size + 1), *at = text, *end = text + size, *line, *sp, *query;
	app_arg args[MAX_ARGS];
	app_request req = {0};
	app_response answer;
	char *sent;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	line = next_line(&at, end);
	if (!line || !(sp = strchr(line, ' '))) {
		free(text);
		return 0; /* no request line: nothing the server would pass on */
	}
	*sp = '\0';
	req.method = line;
	req.path = sp + 1;
	if ((query = strchr(sp + 1, '?')))
		*query++ = '\0';
	req.path_len = strlen(req.path);
	req.nargs = split_query(args, query);
	req.args = args;
	while ((line = next_line(&at, end)) && *line) {
		if (strncasecmp(line, "Content-Type: ", 14) == 0)
			req.content_type = line + 14;
		else if (strncasecmp(line, "Content-Length: ", 16) == 0)
			req.body_too_large = strtoull(line + 16, NULL, 10) > APP_MAX_BODY;
	}
	if (at < end) {
		req.body = at;
		req.body_len = (size_t)(end - at);
	}

	app_handle(&answer, get_app(), &req);
	if (!answer.body)
		fuzz_fail("%s %s: no answer (status %u)", req.method, req.path, answer.status);
	if (!json_is_object(answer.body) && !json_is_array(answer.body))
		fuzz_fail("%s %s: the answer is neither an object nor an array", req.method,
		          req.path);
	if (!(sent = json_dumps(answer.body, JSON_COMPACT)))
		fuzz_fail("%s %s: the answer (status %u) cannot be written as JSON", req.method,
		          req.path, answer.status);
	if (!documented(answer.status))
		fuzz_fail("%s %s: status %u: %s", req.method, req.path, answer.status, sent);
	if (answer.status >= 400 && answer.status < 500 && !json_object_get(answer.body, "detail"))
		fuzz_fail("%s %s: a %u answer without \"detail\": %s", req.method, req.path,
		          answer.status, sent);
	free(sent);
	json_decref(answer.body);
	free(text);
	return 0;
}
