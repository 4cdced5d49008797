/*
 * http_bench.c - the HTTP part of `./workbook bench` (chapter 6): chapter 6's app against a
 * bare libmicrohttpd server that answers a fixed body, in the same run, with wrk.
 *
 *     orm_bench_http [--db sqlite|postgres|both] [--duration S] [--connections N]
 *                    [--threads N] [--memory-requests N] [--check]
 *
 * For each database it stores 100 users with 5 events each, starts the app (the chapter's
 * own code, ch06_app) and the ceiling server (http_ceiling.c, answering GET /events/1's body)
 * with the same number of threads, and runs wrk against
 *     the ceiling, GET /events/1, and GET /users/?limit=100 (every user, events nested);
 * then it sends GET /events/1 100,000 times more from 4 libcurl threads and reports how much
 * the process's resident memory grew. It prints requests/s, the p99 latency and the ratio to
 * the ceiling; the targets are GET /events/1 at 50% of the ceiling or more, and a memory
 * growth under 5 MB.
 *
 * --check is the test suite's smoke run: no wrk, no timing, a few hundred requests per route
 * whose answers must be right.
 *
 * PostgreSQL: ORM_TEST_POSTGRES_URL (`./workbook bench` starts a throwaway server and sets
 * it); its database is emptied. Without it only SQLite runs (with --check: skipped, 77).
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http_ceiling.h"
#include "main.h"
#include "models.h"

static const char usage[] =
    "usage: orm_bench_http [--db sqlite|postgres|both] [--duration S] [--connections N]\n"
    "                      [--threads N] [--memory-requests N] [--check]\n";

typedef struct options {
	const char *db;
	int duration, connections, threads, memory_requests;
	bool check;
} options;

enum { USERS = 100, EVENTS_PER_USER = 5 };

static void die(const char *what, int rc)
{
	fprintf(stderr, "orm_bench_http: %s: %s (%s)\n", what, orm_error_last(), orm_strerror(rc));
	exit(1);
}

/* ---- the data: 100 users, 5 events each, stored in one transaction ---------------------- */

static void seed(app *api)
{
	database *db = app_database(api);
	orm_session *s = NULL;
	char text[64];
	int rc;

	if ((rc = orm_session_open(&s, db->session_local)) < 0)
		die("open session", rc);
	for (int u = 0; u < USERS; u++) {
		User *user = orm_object_new(&User_model);
		snprintf(text, sizeof text, "user%03d@example.com", u);
		orm_set_text(&user->email, text);
		for (int e = 0; e < EVENTS_PER_USER; e++) {
			Event *event = orm_object_new(&Event_model);
			snprintf(text, sizeof text, "Event %d of user %d", e, u);
			orm_set_text(&event->title, text);
			event->date_of = (orm_date){2024, 1 + e, 1 + u % 28};
			event->social_status = (SocialStatus)(e % 2);
			orm_relationship_set(event, "organizer", user);
		}
		if ((rc = orm_session_add(s, user)) < 0)
			die("add", rc);
	}
	if ((rc = orm_session_commit(s)) < 0)
		die("commit", rc);
	orm_session_close(s);
}

/* Empties the database of the app's tables: drop_all, as chapter 6's program does. On
 * PostgreSQL the schema goes whole, since the ORM benchmark's tables may refer to users. */
static void start_clean(const char *url, bool postgres)
{
	database db;
	orm_conn *conn = NULL;
	int rc;

	if ((rc = database_open(&db, url, NULL)) < 0)
		die("open database", rc);
	if (postgres) {
		if ((rc = orm_engine_connect(&conn, db.engine)) < 0 ||
		    (rc = orm_conn_execute(NULL, conn, "DROP SCHEMA public CASCADE", NULL, 0)) <
		        0 ||
		    (rc = orm_conn_execute(NULL, conn, "CREATE SCHEMA public", NULL, 0)) < 0)
			die("empty the database", rc);
		orm_conn_close(conn);
	} else if ((rc = orm_metadata_drop_all(db.base, db.engine, NULL)) < 0) {
		die("drop_all", rc);
	}
	database_close(&db);
}

/* The answer app_handle() gives a GET, in-process: the ceiling's body, and the smoke check's
 * expected answers. */
static char *answer_of(app *api, const char *path, const char *query_name, const char *query_value)
{
	app_arg arg = {query_name, query_value};
	app_request req = {.method = "GET",
	                   .path = path,
	                   .path_len = strlen(path),
	                   .args = query_name ? &arg : NULL,
	                   .nargs = query_name ? 1 : 0};
	app_response out;
	char *text;

	app_handle(&out, api, &req);
	if (out.status != 200 || !out.body) {
		fprintf(stderr, "orm_bench_http: GET %s answered %u\n", path, out.status);
		exit(1);
	}
	text = json_dumps(out.body, JSON_COMPACT);
	json_decref(out.body);
	return text;
}

/* ---- wrk ------------------------------------------------------------------------------- */

typedef struct figures {
	double rps, p99_ms;
} figures;

static double to_ms(double value, const char *unit)
{
	if (strcmp(unit, "us") == 0)
		return value / 1000;
	if (strcmp(unit, "s") == 0)
		return value * 1000;
	if (strcmp(unit, "m") == 0)
		return value * 60000;
	return value; /* ms */
}

static figures run_wrk(const options *o, uint16_t port, const char *path)
{
	char command[512], line[512];
	figures f = {0, 0};
	double value;
	char unit[8];
	FILE *p;

	snprintf(command, sizeof command,
	         "wrk -t2 -c%d -d%ds --latency 'http://127.0.0.1:%u%s' 2>&1", o->connections,
	         o->duration, (unsigned)port, path);
	if (!(p = popen(command, "r"))) {
		fprintf(stderr, "orm_bench_http: cannot run wrk: %s\n", strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof line, p)) {
		if (sscanf(line, " 99%% %lf%7s", &value, unit) == 2)
			f.p99_ms = to_ms(value, unit);
		else if (sscanf(line, "Requests/sec: %lf", &value) == 1)
			f.rps = value;
		else if (strstr(line, "Non-2xx") || strstr(line, "Socket errors"))
			fprintf(stderr, "  wrk, %s: %s", path, line);
	}
	if (pclose(p) != 0 || f.rps == 0) {
		fprintf(stderr, "orm_bench_http: wrk failed on %s\n", path);
		exit(1);
	}
	return f;
}

/* ---- libcurl clients: exact counts, checked answers ------------------------------------ */

typedef struct client {
	uint16_t port;
	const char *path;
	const char *expected; /* the answer every request must get */
	int requests;
	int wrong;
	size_t len;
	char buf[65536];
} client;

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
	client *c = userdata;
	size_t len = size * n;
	if (c->len + len < sizeof c->buf) {
		memcpy(c->buf + c->len, ptr, len);
		c->len += len;
	}
	return len;
}

static void *run_client(void *arg)
{
	client *c = arg;
	CURL *curl = curl_easy_init();
	char url[256];
	long status;

	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)c->port, c->path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, c);
	for (int i = 0; i < c->requests; i++) {
		c->len = 0;
		status = 0;
		if (curl_easy_perform(curl) == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		c->buf[c->len] = '\0';
		if (status != 200 || (c->expected && strcmp(c->buf, c->expected) != 0))
			c->wrong++;
	}
	curl_easy_cleanup(curl);
	return NULL;
}

/* `total` requests from 4 threads; returns how many answers were wrong. */
static int send_requests(uint16_t port, const char *path, const char *expected, int total)
{
	enum { N = 4 };
	pthread_t threads[N];
	client *clients = calloc(N, sizeof *clients);
	int wrong = 0;

	for (int i = 0; i < N; i++) {
		clients[i] = (client){port, path, expected, total / N + (i < total % N), 0, 0, {0}};
		pthread_create(&threads[i], NULL, run_client, &clients[i]);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(threads[i], NULL);
		wrong += clients[i].wrong;
	}
	free(clients);
	return wrong;
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* ---- one database ---------------------------------------------------------------------- */

static int run(const options *o, const char *name, const char *url)
{
	app_options app_opts = APP_OPTIONS_INIT;
	app_server_options server_opts = APP_SERVER_OPTIONS_INIT;
	app *api = NULL;
	app_server *server = NULL;
	http_ceiling *ceiling = NULL;
	char *event_body, *users_body;
	int rc, failures = 0;

	start_clean(url, strcmp(name, "postgres") == 0);
	app_opts.engine.pool_size = o->threads + 2; /* more connections than threads: no waits */
	if ((rc = app_new(&api, url, &app_opts)) < 0)
		die("app_new", rc);
	seed(api);
	event_body = answer_of(api, "/events/1", NULL, NULL);
	users_body = answer_of(api, "/users/", "limit", "100");
	server_opts.port = 0;
	server_opts.threads = (unsigned)o->threads;
	if ((rc = app_server_start(&server, api, &server_opts)) < 0)
		die("start the app's server", rc);
	if (!(ceiling = http_ceiling_start(event_body, (unsigned)o->threads)))
		die("start the ceiling server", ORM_ECONNECT);
	uint16_t port = app_server_port(server), cport = http_ceiling_port(ceiling);

	if (o->check) {
		int wrong = send_requests(port, "/events/1", event_body, 200) +
		            send_requests(port, "/users/?limit=100", users_body, 40) +
		            send_requests(cport, "/", event_body, 40);
		printf("%s http check: %s\n", name, wrong ? "WRONG ANSWERS" : "all answers right");
		failures += wrong > 0;
	} else {
		figures top = run_wrk(o, cport, "/");
		figures one = run_wrk(o, port, "/events/1");
		figures many = run_wrk(o, port, "/users/?limit=100");
		printf("%s http ceiling (fixed body)        rps=%9.0f p99=%7.2fms\n", name, top.rps,
		       top.p99_ms);
		printf("%s http GET /events/1               rps=%9.0f p99=%7.2fms ratio=%.2f "
		       "(target >= 0.50: %s)\n",
		       name, one.rps, one.p99_ms, one.rps / top.rps,
		       one.rps >= top.rps / 2 ? "met" : "MISSED");
		printf("%s http GET /users/?limit=100       rps=%9.0f p99=%7.2fms ratio=%.2f "
		       "(%d users, %d events nested)\n",
		       name, many.rps, many.p99_ms, many.rps / top.rps, USERS,
		       USERS * EVENTS_PER_USER);

		int wrong = send_requests(port, "/events/1", event_body, 10000); /* warm up */
		long before = rss_kb();
		wrong += send_requests(port, "/events/1", event_body, o->memory_requests);
		long after = rss_kb();
		printf("%s http memory over %d GET /events/1: %ld kB -> %ld kB, growth %.2f MB "
		       "(target < 5 MB: %s)%s\n",
		       name, o->memory_requests, before, after, (double)(after - before) / 1024,
		       after - before < 5 * 1024 ? "met" : "MISSED",
		       wrong ? ", SOME ANSWERS WRONG" : "");
		failures += wrong > 0;
	}
	http_ceiling_stop(ceiling);
	app_server_stop(server);
	app_free(api);
	free(event_body);
	free(users_body);
	return failures;
}

static int positive(const char *flag, const char *v)
{
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	if (!v || *end || n < 1 || n > 10000000) {
		fprintf(stderr, "orm_bench_http: %s needs a positive number, not '%s'\n%s", flag,
		        v ? v : "", usage);
		exit(2);
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	options o = {"both", 3, 16, 2, 100000, false};
	const char *pg = getenv("ORM_TEST_POSTGRES_URL");
	char dir[] = "/tmp/orm_bench_http_XXXXXX", url[128];
	int failures = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--db") == 0 && v &&
		    (!strcmp(v, "sqlite") || !strcmp(v, "postgres") || !strcmp(v, "both")))
			o.db = argv[++i];
		else if (strcmp(a, "--duration") == 0)
			o.duration = positive(a, v), i++;
		else if (strcmp(a, "--connections") == 0)
			o.connections = positive(a, v), i++;
		else if (strcmp(a, "--threads") == 0)
			o.threads = positive(a, v), i++;
		else if (strcmp(a, "--memory-requests") == 0)
			o.memory_requests = positive(a, v), i++;
		else if (strcmp(a, "--check") == 0)
			o.check = true;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "orm_bench_http: unknown argument '%s'\n%s", a, usage);
			return 2;
		}
	}
	if (!o.check && system("command -v wrk >/dev/null 2>&1") != 0) {
		printf("http: skipped, wrk is not installed (Debian: apt-get install wrk)\n");
		return 0;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(o.db, "postgres") != 0) {
		if (!mkdtemp(dir)) {
			perror("orm_bench_http: mkdtemp");
			return 1;
		}
		snprintf(url, sizeof url, "sqlite:///%s/http.db", dir);
		failures += run(&o, "sqlite", url);
		snprintf(url, sizeof url, "%s/http.db", dir);
		unlink(url);
		rmdir(dir);
	}
	if (strcmp(o.db, "sqlite") != 0) {
		if (pg && *pg) {
			failures += run(&o, "postgres", pg);
		} else if (o.check && strcmp(o.db, "postgres") == 0) {
			printf(
			    "ORM_TEST_POSTGRES_URL is not set: no PostgreSQL server to run on\n");
			curl_global_cleanup();
			return getenv("CI") && strcmp(getenv("CI"), "true") == 0 ? 1 : 77;
		} else {
			printf("postgres http: skipped, ORM_TEST_POSTGRES_URL is not set\n");
		}
	}
	curl_global_cleanup();
	return failures ? 1 : 0;
}
