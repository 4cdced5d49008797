/*
 * dialect_postgres_connect.c - opening a PostgreSQL connection: the URL's
 * parts as libpq's keyword/value parameters, the session settings, and a
 * message naming the server when it fails.
 *
 * Introduced in chapter 1; see dialect_postgres.c for the dialect as a
 * whole.
 */
#include "dialect_postgres_internal.h"

/* ---- Connecting ---------------------------------------------------------------------------- */

/* libpq accepts these for the URL's "+driver" part: the C library is the
 * driver; the Python names are accepted so the write-up's URLs work. */
const char *const orm_pg_drivers[] = {"libpq", "psycopg2", "psycopg", NULL};

/* The URL for a message, password masked. */
static const char *shown_url(const orm_url *url, char *buf, size_t size)
{
	orm_url_render(url, buf, size);
	return buf;
}

/*
 * Checks that every ?key of the URL is a libpq connection keyword, so a
 * typo (?sslmod=require) is reported by name rather than as libpq's
 * 'invalid connection option' at the first connect.
 */
static int check_query_keys(const orm_url *url, orm_err *err)
{
	PQconninfoOption *known = PQconndefaults();
	char shown[256];
	int rc = ORM_OK;

	if (!known)
		return orm_err_set(err, ORM_ENOMEM, "out of memory");
	for (size_t i = 0; i < url->nquery; i++) {
		const char *key = url->query[i].key;
		bool found = false;
		for (const PQconninfoOption *o = known; o->keyword && !found; o++)
			found = !strcmp(o->keyword, key);
		if (!found) {
			rc = orm_err_set(
			    err, ORM_EINVAL,
			    "invalid URL '%s': unknown PostgreSQL connection parameter '%s'",
			    shown_url(url, shown, sizeof shown), key);
			break;
		}
	}
	PQconninfoFree(known);
	return rc;
}

int orm_pg_validate_url(const orm_url *url, orm_err *err)
{
	if (!url->database || !*url->database) {
		char shown[256];
		return orm_err_set(err, ORM_EINVAL, "invalid URL '%s': no database name",
		                   shown_url(url, shown, sizeof shown));
	}
	return check_query_keys(url, err);
}

bool orm_pg_single_connection(const orm_url *url)
{
	(void)url;
	return false;
}

/* Drops NOTICE and WARNING messages instead of letting libpq print them to
 * stderr: a library must not write to the program's terminal. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/*
 * Writes where we tried to connect into dst, for the error message:
 * "at 127.0.0.1:5432" or "on socket /run/postgresql/.s.PGSQL.5432". What
 * the URL says comes first; libpq's defaults (PGHOST, the compiled-in
 * socket directory) fill the gaps.
 */
static void describe_server(char *dst, size_t size, const orm_url *url, PGconn *pg)
{
	const char *host = orm_url_query_get(url, "host");
	const char *port = orm_url_query_get(url, "port");
	char portbuf[16];

	if (!host)
		host = url->host;
	if (!host && pg)
		host = PQhost(pg);
	if (!host || !*host)
		host = "localhost";
	if (!port && url->port > 0) {
		snprintf(portbuf, sizeof portbuf, "%d", url->port);
		port = portbuf;
	}
	if (!port && pg)
		port = PQport(pg);
	if (!port || !*port)
		port = "5432";
	if (host[0] == '/')
		snprintf(dst, size, "on socket %s/.s.PGSQL.%s", host, port);
	else
		snprintf(dst, size, "at %s:%s", host, port);
}

/* libpq's keyword/value connection parameters, and the text they point
 * into. */
typedef struct pg_params {
	const char **keys, **vals;
	size_t n;
	char port[16], timeout[16];
	orm_buf options; /* -c settings, the URL's ?options=... last */
} pg_params;

/* The fixed keywords set below, besides one per query parameter. */
enum { NFIXED = 13 };

static void put_param(pg_params *p, const char *key, const char *val)
{
	p->keys[p->n] = key;
	p->vals[p->n++] = val;
}

/* The settings every connection starts with (see SESSION_OPTIONS), the
 * statement timeout, then the URL's ?options=... so that the user's win. */
static void put_options(pg_params *p, const orm_url *url, const orm_engine_options *opts)
{
	orm_buf_puts(&p->options, SESSION_OPTIONS);
	if (opts && opts->statement_timeout_ms > 0)
		orm_buf_printf(&p->options, " -c statement_timeout=%d", opts->statement_timeout_ms);
	for (size_t i = 0; i < url->nquery; i++)
		if (!strcmp(url->query[i].key, "options")) {
			orm_buf_putc(&p->options, ' ');
			orm_buf_puts(&p->options, url->query[i].value);
		}
}

/* Fills p from the URL and the engine's options. Later entries win in
 * libpq, so the URL's query parameters, added last, override the parts
 * and defaults before them. */
static int fill_params(pg_params *p, const orm_url *url, const orm_engine_options *opts,
                       orm_err *err)
{
	p->keys = orm_calloc(NFIXED + url->nquery + 1, sizeof *p->keys);
	p->vals = orm_calloc(NFIXED + url->nquery + 1, sizeof *p->vals);
	if (!p->keys || !p->vals)
		return orm_err_set(err, ORM_ENOMEM, "out of memory");
	if (url->host)
		put_param(p, "host", url->host);
	if (url->port > 0) {
		snprintf(p->port, sizeof p->port, "%d", url->port);
		put_param(p, "port", p->port);
	}
	if (url->username)
		put_param(p, "user", url->username);
	if (url->password)
		put_param(p, "password", url->password);
	put_param(p, "dbname", url->database);
	if (opts && opts->connect_timeout > 0) {
		snprintf(p->timeout, sizeof p->timeout, "%d", opts->connect_timeout);
		put_param(p, "connect_timeout", p->timeout);
	}
	put_param(p, "client_encoding", "UTF8");
	put_param(p, "fallback_application_name", "orm-workbook");
	/* TCP keepalives: a server that vanished without closing the
	 * connection (a cable, a crashed host) is noticed in about a minute
	 * instead of hours. The URL's ?keepalives... settings win. */
	put_param(p, "keepalives", "1");
	put_param(p, "keepalives_idle", "30");
	put_param(p, "keepalives_interval", "10");
	put_param(p, "keepalives_count", "3");
	put_options(p, url, opts);
	for (size_t i = 0; i < url->nquery; i++)
		if (strcmp(url->query[i].key, "options") != 0)
			put_param(p, url->query[i].key,
			          url->query[i].value ? url->query[i].value : "");
	if (p->options.failed)
		return orm_err_set(err, ORM_ENOMEM, "out of memory");
	put_param(p, "options", orm_buf_cstr(&p->options));
	assert(p->n <= NFIXED + url->nquery);
	return ORM_OK;
}

/* The message for a connection that failed: a bad option value libpq
 * rejected itself is a bad URL (ORM_EINVAL), anything else names the
 * server, the database and the user (ORM_ECONNECT). */
static int connect_failed(orm_err *err, const orm_url *url, PGconn *pg)
{
	char why[ORM_ERRMSG_MAX], where[256], shown[256];
	size_t len = 0;
	const char *user = url->username ? url->username : PQuser(pg);
	const char *invalid;

	orm_pg_put_line(why, sizeof why, &len, PQerrorMessage(pg));
	/* 'invalid sslmode value: "x"', 'invalid integer value "x" for
	 * connection option "connect_timeout"' */
	invalid = strstr(why, "invalid ");
	if (invalid && (invalid == why || strstr(invalid, "for connection option")))
		return orm_err_set(err, ORM_EINVAL, "invalid URL '%s': %s",
		                   shown_url(url, shown, sizeof shown), invalid);
	describe_server(where, sizeof where, url, pg);
	return orm_err_set(err, ORM_ECONNECT,
	                   "cannot connect to PostgreSQL %s (database '%s', user '%s'): %s", where,
	                   url->database, user ? user : "", why);
}

int orm_pg_connect(orm_dbconn **out, const orm_url *url, const orm_engine_options *opts,
                   orm_err *err)
{
	pg_params p = {.options = ORM_BUF_INIT};
	orm_dbconn *conn = NULL;
	PGconn *pg = NULL;
	int rc;

	assert(out && url);
	*out = NULL;
	if ((rc = orm_pg_validate_url(url, err)) < 0 || (rc = fill_params(&p, url, opts, err)) < 0)
		goto done;
	if (!(conn = orm_calloc(1, sizeof *conn))) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}
	/* expand_dbname = 0: the database name is only ever a name, never
	 * a connection string smuggled in through the URL. */
	pg = PQconnectdbParams(p.keys, p.vals, 0);
	if (!pg) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		rc = connect_failed(err, url, pg);
		goto done;
	}
	PQsetNoticeProcessor(pg, ignore_notice, NULL);
	conn->pg = pg;
	conn->timeout_ms = opts ? opts->statement_timeout_ms : 0;
	pg = NULL;
	*out = conn;
	conn = NULL;
	rc = ORM_OK;
done:
	if (pg)
		PQfinish(pg);
	orm_free(conn);
	orm_buf_free(&p.options);
	orm_free(p.keys);
	orm_free(p.vals);
	return rc;
}

void orm_pg_disconnect(orm_dbconn *conn)
{
	if (!conn)
		return;
	/* Statements still open keep working as far as freeing goes. */
	for (orm_dbstmt *s = conn->stmts; s; s = s->next)
		s->conn = NULL;
	PQfinish(conn->pg);
	orm_free(conn->stale);
	orm_free(conn);
}
