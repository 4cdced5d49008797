/*
 * main.c - chapter 6's routes and get_db: the FastAPI tutorial's sql_app/main.py in C.
 * Read it with BOOK.md, "Chapter 6 - The entry point".
 *
 * The write-up's main.py, repaired, is
 *
 *     models.Base.metadata.create_all(bind=engine)
 *     app = FastAPI()
 *
 *     def get_db():
 *         db = SessionLocal()
 *         try:
 *             yield db
 *         finally:
 *             db.close()
 *
 * and each route is a function that FastAPI calls with its validated parameters and a
 * session from get_db. Here app_new() is the first two lines, app_handle() does what
 * FastAPI does around each call (route, validate, get_db, answer), and the handlers below
 * are the tutorial's route functions. The server that feeds app_handle() from the network
 * is in server.c; the OpenAPI document in openapi.c.
 */
#include "main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crud.h"
#include "orm/relationship.h"

struct app {
	database db;
	const app_route **routes; /* the options' routes, then the app's own */
	size_t nroutes;
	json_t *openapi;
};

/* ---- answers ------------------------------------------------------------------------------ */

static int answer(app_response *out, unsigned status, json_t *body)
{
	out->status = status;
	out->body = body;
	return ORM_OK;
}

/* {"detail": "..."}, FastAPI's HTTPException. */
static int detail(app_response *out, unsigned status, const char *text)
{
	return answer(out, status, json_pack("{s:s}", "detail", text));
}

static json_t *dump_list(const schema *s, void **objects, size_t count)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < count; i++)
		json_array_append_new(list, schema_dump(s, objects[i]));
	return list;
}

/*
 * A user as the answer shows it, events nested. In Python, serializing user.events loads
 * them lazily, while get_db's session is still open; here that load is written out. It is
 * one SELECT per user: fine for one, the N+1 problem for a list (see read_users).
 */
static json_t *user_out(orm_session *db, User *user)
{
	if (orm_session_load(db, user, "events") < 0)
		return NULL;
	return schema_dump(&User_schema, user);
}

static int64_t param_int(const app_call *call, const char *name)
{
	return json_integer_value(json_object_get(call->params, name));
}

/* ---- the routes: sql_app/main.py ---------------------------------------------------------- */

/* book:begin create-user-route */
/*
 *     @app.post("/users/", response_model=schemas.User)
 *     def create_user(user: schemas.UserCreate, db: Session = Depends(get_db)):
 *         db_user = crud.get_user_by_email(db, email=user.email)
 *         if db_user:
 *             raise HTTPException(status_code=400, detail="Email already registered")
 *         return crud.create_user(db=db, user=user)
 */
static int create_user(app_response *out, app_call *call)
{
	const char *email = json_string_value(json_object_get(call->body, "email"));
	User *user;
	int rc;

	rc = crud_get_user_by_email(&user, call->db, email);
	if (rc == ORM_OK)
		return detail(out, 400, "Email already registered");
	if (rc != ORM_ENOTFOUND)
		return rc;
	rc = crud_create_user(&user, call->db, email);
	if (rc == ORM_ECONSTRAINT) /* another request added it since: nothing was written */
		return detail(out, 400, "Email already registered");
	if (rc < 0)
		return rc;
	return answer(out, 200, user_out(call->db, user));
}
/* book:end create-user-route */

/* book:begin read-users-route */
static int read_users(app_response *out, app_call *call)
{
	void **users = NULL;
	size_t count = 0;
	int rc = crud_get_users(&users, &count, call->db, param_int(call, "skip"),
	                        param_int(call, "limit"));
	if (rc < 0)
		return rc;
	answer(out, 200, dump_list(&User_schema, users, count));
	orm_free(users); /* the array; the users are the session's, closed by get_db */
	return ORM_OK;
}
/* book:end read-users-route */

static int read_user(app_response *out, app_call *call)
{
	User *user;
	int rc = crud_get_user(&user, call->db, param_int(call, "user_id"));
	if (rc == ORM_ENOTFOUND)
		return detail(out, 404, "User not found");
	if (rc < 0)
		return rc;
	return answer(out, 200, user_out(call->db, user));
}

static int create_event_for_user(app_response *out, app_call *call)
{
	User *user;
	Event *event;
	EventCreate in;
	int rc = crud_get_user(&user, call->db, param_int(call, "user_id"));
	if (rc == ORM_ENOTFOUND)
		return detail(out, 404, "User not found");
	if (rc < 0)
		return rc;
	schema_event_create(&in, call->body);
	if ((rc = crud_create_user_event(&event, call->db, &in, user->id)) < 0)
		return rc;
	return answer(out, 200, schema_dump(&Event_schema, event));
}

static int read_events(app_response *out, app_call *call)
{
	const char *label = json_string_value(json_object_get(call->params, "social_status"));
	SocialStatus status = SOCIAL_NULL;
	void **events = NULL;
	size_t count = 0;
	int rc;

	for (size_t i = 0; label && i < SocialStatus_type.nlabels; i++)
		if (strcmp(label, SocialStatus_type.labels[i]) == 0)
			status = (SocialStatus)i;
	rc = crud_get_events(&events, &count, call->db, param_int(call, "skip"),
	                     param_int(call, "limit"), status);
	if (rc < 0)
		return rc;
	answer(out, 200, dump_list(&Event_schema, events, count));
	orm_free(events);
	return ORM_OK;
}

static int read_event(app_response *out, app_call *call)
{
	Event *event;
	int rc = crud_get_event(&event, call->db, param_int(call, "event_id"));
	if (rc == ORM_ENOTFOUND)
		return detail(out, 404, "Event not found");
	if (rc < 0)
		return rc;
	return answer(out, 200, schema_dump(&Event_schema, event));
}

static int openapi(app_response *out, app_call *call)
{
	return answer(out, 200, json_incref(call->app->openapi));
}

/* The parameters: skip and limit are never negative (a negative LIMIT is an error on
 * PostgreSQL and "no limit" on SQLite), a check FastAPI writes Query(ge=0). */
static const app_param user_id_param[] = {
    {"path", {.name = "user_id", .type = ORM_INTEGER, .required = true}},
};
static const app_param event_id_param[] = {
    {"path", {.name = "event_id", .type = ORM_INTEGER, .required = true}},
};
static const app_param page_params[] = {
    {"query", {.name = "skip", .type = ORM_INTEGER, .ge_zero = true, .default_json = "0"}},
    {"query", {.name = "limit", .type = ORM_INTEGER, .ge_zero = true, .default_json = "100"}},
};
static const app_param event_list_params[] = {
    {"query", {.name = "skip", .type = ORM_INTEGER, .ge_zero = true, .default_json = "0"}},
    {"query", {.name = "limit", .type = ORM_INTEGER, .ge_zero = true, .default_json = "100"}},
    {"query", {.name = "social_status", .model = &Event_model}},
};

/* book:begin routes */
const app_route app_routes[] = {
    {.method = "POST",
     .path = "/users/",
     .name = "create_user",
     .handler = create_user,
     .body = &UserCreate_schema,
     .response = &User_schema,
     .uses_db = true},
    {.method = "GET",
     .path = "/users/",
     .name = "read_users",
     .handler = read_users,
     .params = page_params,
     .nparams = 2,
     .response = &User_schema,
     .response_is_list = true,
     .uses_db = true},
    {.method = "GET",
     .path = "/users/{user_id}",
     .name = "read_user",
     .handler = read_user,
     .params = user_id_param,
     .nparams = 1,
     .response = &User_schema,
     .uses_db = true},
    {.method = "POST",
     .path = "/users/{user_id}/events/",
     .name = "create_event_for_user",
     .handler = create_event_for_user,
     .params = user_id_param,
     .nparams = 1,
     .body = &EventCreate_schema,
     .response = &Event_schema,
     .uses_db = true},
    {.method = "GET",
     .path = "/events/",
     .name = "read_events",
     .handler = read_events,
     .params = event_list_params,
     .nparams = 3,
     .response = &Event_schema,
     .response_is_list = true,
     .uses_db = true},
    {.method = "GET",
     .path = "/events/{event_id}",
     .name = "read_event",
     .handler = read_event,
     .params = event_id_param,
     .nparams = 1,
     .response = &Event_schema,
     .uses_db = true},
    /* not part of the API it describes: no name */
    {.method = "GET", .path = "/openapi.json", .handler = openapi},
};
const size_t app_nroutes = sizeof app_routes / sizeof app_routes[0];
/* book:end routes */

/* ---- the app: create_all, then app = FastAPI() -------------------------------------------- */

int app_new(app **out, const char *url, const app_options *options)
{
	static const app_options defaults = APP_OPTIONS_INIT;
	app *a;
	int rc;

	if (!options)
		options = &defaults;
	*out = NULL;
	if (!(a = calloc(1, sizeof *a)))
		return ORM_ENOMEM;
	a->routes = calloc(options->nroutes + app_nroutes, sizeof *a->routes);
	if (!a->routes) {
		free(a);
		return ORM_ENOMEM;
	}
	for (size_t i = 0; i < options->nroutes; i++)
		a->routes[a->nroutes++] = &options->routes[i];
	for (size_t i = 0; i < app_nroutes; i++)
		a->routes[a->nroutes++] = &app_routes[i];
	/* book:begin startup */
	if ((rc = database_open(&a->db, url, &options->engine)) < 0)
		goto done;
	/* models.Base.metadata.create_all(bind=engine) */
	if ((rc = orm_metadata_create_all(a->db.base, a->db.engine, NULL)) < 0)
		goto done;
	/* book:end startup */
	a->openapi = openapi_document(a->routes, a->nroutes);
	rc = a->openapi ? ORM_OK : ORM_ENOMEM;
done:
	if (rc < 0) {
		app_free(a);
		return rc;
	}
	*out = a;
	return ORM_OK;
}

void app_free(app *a)
{
	if (!a)
		return;
	json_decref(a->openapi);
	database_close(&a->db);
	free(a->routes);
	free(a);
}

database *app_database(app *a)
{
	return &a->db;
}

/* ---- one request -------------------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes `len` bytes into `out` (as large), '+' as a space when `plus`. The result
 * may hold NULs: its length is returned. */
static size_t url_decode(char *out, const char *in, size_t len, bool plus)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '%' && i + 2 < len && hexval(in[i + 1]) >= 0 &&
		    hexval(in[i + 2]) >= 0) {
			out[n++] = (char)(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
			i += 2;
		} else {
			out[n++] = plus && in[i] == '+' ? ' ' : in[i];
		}
	}
	return n;
}

/*
 * Matches `path` (decoded, `len` bytes) against a route's pattern; on a match, each {name}'s
 * segment is stored in `segments` (start and length), in order. Returns how many.
 */
typedef struct segment {
	const char *name;
	size_t name_len;
	const char *text;
	size_t len;
} segment;

static int match(const char *pattern, const char *path, size_t len, segment *segments, int max)
{
	const char *p = pattern, *s = path, *end = path + len;
	int n = 0;

	while (*p && s < end) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			const char *stop = memchr(s, '/', (size_t)(end - s));
			if (!stop)
				stop = end;
			if (stop == s || n == max)
				return -1;
			segments[n++] =
			    (segment){p + 1, (size_t)(close - p - 1), s, (size_t)(stop - s)};
			p = close + 1;
			s = stop;
		} else if (*p++ != *s++) {
			return -1;
		}
	}
	return *p == '\0' && s == end ? n : -1;
}

/* The last value given for query argument `name`, decoded into `buf`; NULL when absent. */
static const char *query_value(const app_request *req, const char *name, char *buf, size_t *len)
{
	const char *found = NULL;
	for (size_t i = 0; i < req->nargs; i++) {
		const char *raw = req->args[i].name;
		size_t n = url_decode(buf, raw, strlen(raw), true);
		if (n == strlen(name) && memcmp(buf, name, n) == 0)
			found = req->args[i].value ? req->args[i].value : "";
	}
	if (!found)
		return NULL;
	*len = url_decode(buf, found, strlen(found), true);
	return buf;
}

/* Path and query parameters into a JSON object, errors into `errors`. */
static json_t *read_params(const app_route *route, const app_request *req, segment *segments,
                           int nsegments, json_t *errors)
{
	json_t *params = json_object();
	size_t bufsize = req->path_len + 1;
	char *buf;

	for (size_t i = 0; i < req->nargs; i++) {
		size_t n = strlen(req->args[i].name) +
		           (req->args[i].value ? strlen(req->args[i].value) : 0);
		if (n + 1 > bufsize)
			bufsize = n + 1;
	}
	buf = malloc(bufsize);
	for (size_t i = 0; buf && i < route->nparams; i++) {
		const app_param *param = &route->params[i];
		const char *text = NULL;
		size_t len = 0;
		json_t *value;

		if (strcmp(param->in, "path") == 0) {
			for (int k = 0; k < nsegments; k++)
				if (strlen(param->field.name) == segments[k].name_len &&
				    memcmp(param->field.name, segments[k].name,
				           segments[k].name_len) == 0) {
					text = segments[k].text;
					len = segments[k].len;
				}
		} else {
			text = query_value(req, param->field.name, buf, &len);
		}
		if (!text) {
			if (param->field.required)
				schema_error(errors, param->in, param->field.name, "field required",
				             "value_error.missing", NULL);
			else if (param->field.default_json)
				json_object_set_new(
				    params, param->field.name,
				    json_loads(param->field.default_json, JSON_DECODE_ANY, NULL));
			continue;
		}
		value = schema_validate_text(&param->field, text, len, param->in, errors);
		if (value && param->field.ge_zero && json_integer_value(value) < 0) {
			schema_error(errors, param->in, param->field.name,
			             "ensure this value is greater than or equal to 0",
			             "value_error.number.not_ge",
			             json_pack("{s:i}", "limit_value", 0));
			json_decref(value);
			continue;
		}
		if (value)
			json_object_set_new(params, param->field.name, value);
	}
	free(buf);
	return params;
}

/* Whether `len` bytes are well-formed UTF-8 (no overlong forms, no surrogates). */
static bool is_utf8(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		uint32_t cp, min;
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			n = 1, cp = c & 0x1Fu, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2, cp = c & 0x0Fu, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3, cp = c & 0x07u, min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

static bool is_json_type(const char *content_type)
{
	/* FastAPI reads the body as JSON when there is no Content-Type, or one of
	 * application/json and application/<something>+json. */
	size_t n;
	if (!content_type)
		return true;
	n = strcspn(content_type, ";");
	while (n > 0 && content_type[n - 1] == ' ')
		n--;
	if (n == 16 && strncasecmp(content_type, "application/json", 16) == 0)
		return true;
	return n > 17 && strncasecmp(content_type, "application/", 12) == 0 &&
	       strncasecmp(content_type + n - 5, "+json", 5) == 0;
}

/*
 * The body as FastAPI reads it: NULL for none, else parsed JSON in *out. Returns false with
 * *answer filled when the body cannot be read at all (400 not UTF-8, 422 not JSON).
 */
static bool read_body(json_t **out, app_response *resp, const app_request *req)
{
	json_error_t error;

	*out = NULL;
	if (!req->body || req->body_len == 0)
		return true;
	if (!is_json_type(req->content_type)) {
		*out = json_stringn_nocheck(req->body, req->body_len); /* not a dict */
		return true;
	}
	if (!is_utf8((const unsigned char *)req->body, req->body_len)) {
		detail(resp, 400, "There was an error parsing the body");
		return false;
	}
	*out = json_loadb(req->body, req->body_len, JSON_DECODE_ANY, &error);
	if (!*out) {
		char msg[300];
		json_t *errors = json_array();
		/* jansson's words, except where they name its own flag */
		if (strstr(error.text, "JSON_ALLOW_NUL"))
			snprintf(error.text, sizeof error.text,
			         "\\u0000 is not allowed in a string");
		snprintf(msg, sizeof msg, "%s: line %d column %d (char %d)", error.text, error.line,
		         error.column, error.position);
		json_t *loc = json_pack("[s,i]", "body", error.position);
		json_array_append_new(
		    errors, json_pack("{s:o,s:s,s:s,s:{s:s,s:s%,s:i,s:i,s:i}}", "loc", loc, "msg",
		                      msg, "type", "value_error.jsondecode", "ctx", "msg",
		                      error.text, "doc", req->body, req->body_len, "pos",
		                      error.position, "lineno", error.line, "colno", error.column));
		answer(resp, 422, json_pack("{s:o}", "detail", errors));
		return false;
	}
	return true;
}

/* Whether a failure is the pool's (ORM_EBUSY after pool_timeout_ms), not the database's. */
static bool pool_exhausted(int rc, const char *message)
{
	return rc == ORM_EBUSY && strstr(message, "connection pool") != NULL;
}

/* book:begin get-db */
/*
 * get_db and the call around it: open a session, run the handler, close the session - on
 * every path, the handler's errors included (Python's try/finally). A handler must never
 * close it itself, nor keep anything from it: what it returns is JSON, built before close.
 */
static int call_with_db(app_response *out, const app_route *route, app_call *call, char *message,
                        size_t size)
{
	app *a = call->app;
	int rc = orm_session_open(&call->db, a->db.session_local); /* db = SessionLocal() */
	if (rc < 0)
		return rc;
	rc = route->handler(out, call); /* yield db */
	if (rc < 0)
		snprintf(message, size, "%s", orm_session_errmsg(call->db));
	orm_session_close(call->db); /* finally: db.close() */
	call->db = NULL;
	return rc;
}
/* book:end get-db */

static void run_route(app_response *out, app *a, const app_route *route, app_call *call)
{
	char message[512] = "";
	struct timespec start, now;
	int rc = ORM_OK;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int attempt = 1;; attempt++) {
		out->body = NULL;
		if (!route->uses_db) {
			/* a handler with sessions of its own: the message is the thread's last */
			if ((rc = route->handler(out, call)) < 0)
				snprintf(message, sizeof message, "%s", orm_error_last());
			break;
		}
		rc = call_with_db(out, route, call, message, sizeof message);
		/* SQLite lets one writer in at a time and refuses (ORM_EBUSY) a transaction that
		 * read before another wrote: everything of it was rolled back, so run it again. */
		if (rc != ORM_EBUSY || pool_exhausted(rc, message))
			break;
		/* Give up after 10 seconds, SQLite's own busy timeout (connect_timeout). */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= 10)
			break;
		json_decref(out->body);
		out->body = NULL;
		/* wait a little longer each time (at most 20 ms), and not in step with the others */
		long ms = attempt < 10 ? attempt * 2 : 20;
		nanosleep(&(struct timespec){0, (ms * 1000000L) + (long)(now.tv_nsec % 1000000)},
		          NULL);
	}
	if (rc >= 0)
		return;
	json_decref(out->body);
	if (rc == ORM_EBUSY) { /* the pool ran dry, or the database stayed locked: try later */
		detail(out, 503, message);
		return;
	}
	fprintf(stderr, "%s %s: %s: %s\n", route->method, route->path, orm_strerror(rc), message);
	detail(out, 500, "Internal Server Error");
	(void)a;
}

/* book:begin handle */
void app_handle(app_response *out, app *a, const app_request *req)
{
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	const app_route *route = NULL;
	bool path_known = false;
	segment segments[4];
	int nsegments = 0;
	json_t *errors = NULL, *params = NULL, *body = NULL;
	char *path;
	size_t len;

	out->status = 500;
	out->body = NULL;
	if (req->body_too_large || req->body_len > APP_MAX_BODY) {
		detail(out, 413, "Request body too large: the limit is 1048576 bytes");
		return;
	}
	/* 1. Routing: the first route whose path matches and whose method is the request's. */
	if (!(path = malloc(req->path_len + 1)))
		return;
	len = url_decode(path, req->path, req->path_len, false);
	for (size_t i = 0; i < a->nroutes && !route; i++) {
		int n = match(a->routes[i]->path, path, len, segments, 4);
		if (n < 0)
			continue;
		path_known = true;
		if (strcmp(a->routes[i]->method, method) == 0) {
			route = a->routes[i];
			nsegments = n;
		}
	}
	if (!route) {
		detail(out, path_known ? 405 : 404,
		       path_known ? "Method Not Allowed" : "Not Found");
		goto done;
	}
	/* 2. The body, as JSON (a body that is no JSON at all is the only error then). */
	if (route->body && !read_body(&body, out, req))
		goto done;
	/* 3. Validation: path and query parameters, then the body; every error is listed. */
	errors = json_array();
	params = read_params(route, req, segments, nsegments, errors);
	json_t *valid = NULL;
	if (route->validate)
		valid = route->validate(body, errors);
	else if (route->body)
		valid = schema_validate(route->body, body, errors);
	if (json_array_size(errors) > 0) {
		answer(out, 422, json_pack("{s:O}", "detail", errors));
		json_decref(valid);
		goto done;
	}
	/* 4. The handler, with get_db's session. */
	app_call call = {a, NULL, params, valid};
	run_route(out, a, route, &call);
	json_decref(valid);
done:
	json_decref(body);
	json_decref(params);
	json_decref(errors);
	free(path);
}
/* book:end handle */
