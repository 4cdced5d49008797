/*
 * serve.c - `./workbook serve`: chapter 6's API in the foreground, as `uvicorn sql_app.main:app`
 * runs the FastAPI tutorial.
 *
 *     ch06_serve [--url URL] [--port 8000] [--echo]
 *
 * SQLite (sqlite:///events.db in the current directory) unless --url or ORM_DATABASE_URL
 * says otherwise. One line per request on stderr: method, path, status, time; with --echo
 * the SQL of each request too. Ctrl-C (or SIGTERM) stops it: no new connections, the
 * requests in flight are answered, then the pool is closed.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"

static void usage(void)
{
	fprintf(stderr, "usage: ch06_serve [--url URL] [--port PORT] [--echo]\n");
}

int main(int argc, char **argv)
{
	const char *url = getenv("ORM_DATABASE_URL");
	app_options options = APP_OPTIONS_INIT;
	app_server_options server_options = APP_SERVER_OPTIONS_INIT;
	app *api = NULL;
	app_server *server = NULL;
	char rendered[512] = "";
	sigset_t stop;
	int sig, rc;

	if (!url || !*url)
		url = "sqlite:///events.db";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
			url = argv[++i];
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			char *end;
			long port;
			errno = 0;
			port = strtol(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || port < 1 || port > 65535) {
				fprintf(stderr,
				        "serve: bad port '%s': expected a number from 1 to 65535\n",
				        argv[i]);
				return 2;
			}
			server_options.port = (uint16_t)port;
		} else if (strcmp(argv[i], "--echo") == 0) {
			options.engine.echo = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage();
			return 0;
		} else {
			fprintf(stderr, "serve: unknown argument '%s'\n", argv[i]);
			usage();
			return 2;
		}
	}
	server_options.log = stderr;

	/* Ctrl-C is waited for below, by this thread only: block it before the server's
	 * threads start, so they inherit the mask and never take it. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	if ((rc = app_new(&api, url, &options)) < 0) {
		fprintf(stderr, "serve: %s (%s)\n", orm_error_last(), orm_strerror(rc));
		return 1;
	}
	if ((rc = app_server_start(&server, api, &server_options)) < 0) {
		fprintf(stderr, "serve: cannot listen on port %u: is it in use?\n",
		        (unsigned)server_options.port);
		app_free(api);
		return 1;
	}
	orm_url_render(orm_engine_url(app_database(api)->engine), rendered, sizeof rendered);
	fprintf(stderr, "Serving chapter 6's API on http://127.0.0.1:%u/ (database %s)\n",
	        (unsigned)app_server_port(server), rendered);
	fprintf(stderr,
	        "Try: curl http://127.0.0.1:%u/users/   Docs: /openapi.json   "
	        "Stop: Ctrl-C\n",
	        (unsigned)app_server_port(server));

	sigwait(&stop, &sig);
	fprintf(stderr, "\nStopping: answering the requests in flight, closing the pool.\n");
	app_server_stop(server);
	app_free(api);
	return 0;
}
