/*
 * tour.c - chapter 6's program: the API serving a short conversation. Read it with BOOK.md,
 * "Chapter 6 - The entry point".
 *
 * The program
 *   1. starts the app as main.py does: engine, SessionLocal, create_all, then the server,
 *      on a free port of 127.0.0.1;
 *   2. plays a client (libcurl) against it: users, events, a duplicate email, a user that is
 *      not there, an impossible date, the list of users with their events nested;
 *   3. shows a handler that forgets to close its session: the pool runs dry, the next
 *      requests get 503, until the sessions are closed;
 *   4. stops the server and closes the pool.
 * For every request it prints the request, the SQL the server sent for it (the engine's
 * echo) and the answer. No ports and no timings are printed, so the output is the same on
 * every run: it is the book's transcript.
 *
 *     ./ch06_entry_point                             sqlite:///events.db here
 *     ./ch06_entry_point postgresql://user@localhost/dbname
 */
#define _DEFAULT_SOURCE /* mkstemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check.h"
#include "crud.h"
#include "main.h"

/* The engine's echo goes to a file the server's threads append to; the program reads what
 * each request added, from its own position in the same file. */
static FILE *echo_in;

static void print_new_sql(void)
{
	char line[4096];
	clearerr(echo_in);
	while (fgets(line, sizeof line, echo_in))
		printf("    %s", line);
}

/* What libcurl receives is appended here. */
typedef struct text {
	char data[65536];
	size_t len;
} text;

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
	text *t = userdata;
	size_t len = size * n;
	if (len > sizeof t->data - 1 - t->len)
		len = sizeof t->data - 1 - t->len;
	memcpy(t->data + t->len, ptr, len);
	t->len += len;
	t->data[t->len] = '\0';
	return size * n;
}

static CURL *curl;
static char base_url[64];

/* book:begin request */
/* Sends one request and prints it, the SQL it caused, and the answer. */
static void request(const char *method, const char *path, const char *body)
{
	static text answer;
	char url[256];
	long status = 0;
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");

	printf("%s %s%s%s\n", method, path, body ? " " : "", body ? body : "");
	snprintf(url, sizeof url, "%s%s", base_url, path);
	answer.len = 0;
	answer.data[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_HTTPGET, body ? 0L : 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
	if (curl_easy_perform(curl) != CURLE_OK) {
		fprintf(stderr, "error: %s %s: no answer from the server\n", method, path);
		exit(1);
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	print_new_sql();
	printf("  -> %ld %s\n\n", status, answer.data);
}
/* book:end request */

/* ---- a handler that forgets to close its session ------------------------------------------ */

static orm_session *forgotten[8];
static size_t nforgotten;

/* book:begin forgetful */
/*
 * GET /forgetful/users/{user_id}: reads the user through a session of its own, opened
 * straight from SessionLocal instead of get_db - and never closes it. The session keeps
 * its connection (a transaction is open since the SELECT), so each call takes one more
 * from the pool for good.
 */
static int read_user_forgetful(app_response *out, app_call *call)
{
	orm_session *db;
	User *user;
	int rc;

	if ((rc = orm_session_open(&db, app_database(call->app)->session_local)) < 0)
		return rc;
	forgotten[nforgotten++] = db; /* only so that this program can clean up at the end */
	if ((rc = crud_get_user(&user, db,
	                        json_integer_value(json_object_get(call->params, "user_id")))) < 0)
		return rc;
	if ((rc = orm_session_load(db, user, "events")) < 0)
		return rc;
	out->status = 200;
	out->body = schema_dump(&User_schema, user);
	return ORM_OK; /* forgot: orm_session_close(db) */
}
/* book:end forgetful */

static const app_param forgetful_params[] = {
    {"path", {.name = "user_id", .type = ORM_INTEGER, .required = true}},
};
static const app_route forgetful_route[] = {
    {.method = "GET",
     .path = "/forgetful/users/{user_id}",
     .name = "read_user_forgetful",
     .handler = read_user_forgetful,
     .params = forgetful_params,
     .nparams = 1,
     .response = &User_schema,
     .uses_db = false},
};

/* Drops the tables a previous run left, quietly (this engine has no echo). */
static void start_clean(const char *url)
{
	database db;
	check(database_open(&db, url, NULL), "open database");
	check(orm_metadata_drop_all(db.base, db.engine, NULL), "drop_all");
	database_close(&db);
}

int main(int argc, char **argv)
{
	const char *url = database_url(argc, argv, "sqlite:///events.db");
	char echo_path[] = "/tmp/ch06_echo_XXXXXX";
	app_options options = APP_OPTIONS_INIT;
	app_server_options server_options = APP_SERVER_OPTIONS_INIT;
	app *api = NULL;
	app_server *server = NULL;
	FILE *echo_out;
	int fd;

	start_clean(url);
	fd = mkstemp(echo_path);
	check(fd >= 0 ? ORM_OK : ORM_ERROR, "temporary file for the echo");
	echo_out = fdopen(fd, "a");
	echo_in = fopen(echo_path, "r");
	check(echo_out && echo_in ? ORM_OK : ORM_ERROR, "open the echo file");
	unlink(echo_path);

	printf("== 1. Startup: create_all, then the server ==\n");
	/* book:begin start */
	options.engine.echo = true;
	options.engine.echo_stream = echo_out;
	options.engine.pool_size = 2;         /* small, to see it run dry in part 3 */
	options.engine.pool_timeout_ms = 200; /* how long a request waits for a connection */
	options.routes = forgetful_route;
	options.nroutes = 1;
	check(app_new(&api, url, &options), "start the app");
	server_options.port = 0; /* any free port */
	server_options.threads = 2;
	check(app_server_start(&server, api, &server_options), "start the server");
	/* book:end start */
	print_new_sql();
	snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u",
	         (unsigned)app_server_port(server));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	check(curl ? ORM_OK : ORM_ENOMEM, "curl");
	printf("serving on 127.0.0.1, %d connections in the pool\n\n", options.engine.pool_size);

	printf("== 2. A conversation ==\n");
	/* book:begin conversation */
	request("POST", "/users/", "{\"email\": \"ada@example.com\"}");
	request("POST", "/users/", "{\"email\": \"grace@example.com\"}");
	request("POST", "/users/1/events/",
	        "{\"title\": \"SQLAlchemy meetup\", "
	        "\"date_of\": \"2024-06-21\"}");
	request("POST", "/users/1/events/",
	        "{\"title\": \"Tea with Grace\", "
	        "\"date_of\": \"2024-07-02\", "
	        "\"social_status\": \"private\"}");
	request("POST", "/users/2/events/",
	        "{\"title\": \"Code review\", "
	        "\"date_of\": \"2024-07-09\"}");
	request("POST", "/users/", "{\"email\": \"ada@example.com\"}"); /* a duplicate */
	request("GET", "/users/3", NULL);                               /* nobody */
	request("POST", "/users/2/events/",
	        "{\"title\": \"Leap day\", "
	        "\"date_of\": \"2023-02-29\"}"); /* no such day */
	request("GET", "/users/", NULL);         /* every user, events nested */
	request("GET", "/events/?social_status=private", NULL);
	/* book:end conversation */

	printf("== 3. A handler that forgets to close its session ==\n");
	/* book:begin leak */
	request("GET", "/forgetful/users/1", NULL); /* holds a connection for good */
	request("GET", "/forgetful/users/2", NULL); /* and another: the pool is empty */
	request("GET", "/users/1", NULL);           /* waits 200 ms for one, then 503 */
	printf("closing the forgotten sessions, as get_db would have:\n");
	for (size_t i = 0; i < nforgotten; i++)
		orm_session_close(forgotten[i]);
	print_new_sql();
	printf("\n");
	request("GET", "/users/1", NULL);
	/* book:end leak */

	printf("== 4. Shutdown ==\n");
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	app_server_stop(server);
	app_free(api);
	printf("server stopped, pool closed\n");
	fclose(echo_in);
	fclose(echo_out);
	return 0;
}
