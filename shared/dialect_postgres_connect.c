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

int orm_pg_connect(orm_dbconn **out, const orm_url *url, const orm_engine_options *opts,
                   orm_err *err)
{
	/* The fixed keywords below, then one per query parameter, then NULL. */
	enum { NFIXED = 13 };
	const char **keys = NULL, **vals = NULL;
	char port[16], timeout[16], shown[256], statement_timeout[48];
	orm_buf options = ORM_BUF_INIT;
	orm_dbconn *conn = NULL;
	PGconn *pg = NULL;
	size_t n = 0;
	int rc;

	assert(out && url);
	*out = NULL;
	if ((rc = orm_pg_validate_url(url, err)) < 0)
		goto done;

	keys = orm_calloc(NFIXED + url->nquery + 1, sizeof *keys);
	vals = orm_calloc(NFIXED + url->nquery + 1, sizeof *vals);
	conn = orm_calloc(1, sizeof *conn);
	if (!keys || !vals || !conn) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}

	/* Later entries win in libpq, so the URL's query parameters, added
	 * last, override the parts and defaults above them. */
	if (url->host) {
		keys[n] = "host";
		vals[n++] = url->host;
	}
	if (url->port > 0) {
		snprintf(port, sizeof port, "%d", url->port);
		keys[n] = "port";
		vals[n++] = port;
	}
	if (url->username) {
		keys[n] = "user";
		vals[n++] = url->username;
	}
	if (url->password) {
		keys[n] = "password";
		vals[n++] = url->password;
	}
	keys[n] = "dbname";
	vals[n++] = url->database;
	if (opts && opts->connect_timeout > 0) {
		snprintf(timeout, sizeof timeout, "%d", opts->connect_timeout);
		keys[n] = "connect_timeout";
		vals[n++] = timeout;
	}
	keys[n] = "client_encoding";
	vals[n++] = "UTF8";
	keys[n] = "fallback_application_name";
	vals[n++] = "orm-workbook";
	/* TCP keepalives: a server that vanished without closing
	 * the connection (a cable, a crashed host) is noticed in about a
	 * minute instead of hours. The URL's ?keepalives... settings win. */
	keys[n] = "keepalives";
	vals[n++] = "1";
	keys[n] = "keepalives_idle";
	vals[n++] = "30";
	keys[n] = "keepalives_interval";
	vals[n++] = "10";
	keys[n] = "keepalives_count";
	vals[n++] = "3";
	orm_buf_puts(&options, SESSION_OPTIONS);
	if (opts && opts->statement_timeout_ms > 0) {
		snprintf(statement_timeout, sizeof statement_timeout, " -c statement_timeout=%d",
		         opts->statement_timeout_ms);
		orm_buf_puts(&options, statement_timeout);
	}
	for (size_t i = 0; i < url->nquery; i++) {
		if (!strcmp(url->query[i].key, "options")) {
			orm_buf_putc(&options, ' ');
			orm_buf_puts(&options, url->query[i].value);
			continue;
		}
		keys[n] = url->query[i].key;
		vals[n++] = url->query[i].value ? url->query[i].value : "";
	}
	if (options.failed) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}
	keys[n] = "options";
	vals[n++] = orm_buf_cstr(&options);
	assert(n <= NFIXED + url->nquery);

	/* expand_dbname = 0: the database name is only ever a name, never
	 * a connection string smuggled in through the URL. */
	pg = PQconnectdbParams(keys, vals, 0);
	if (!pg) {
		rc = orm_err_set(err, ORM_ENOMEM, "out of memory");
		goto done;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		char why[ORM_ERRMSG_MAX], where[256];
		size_t len = 0;
		const char *user = url->username ? url->username : PQuser(pg);

		orm_pg_put_line(why, sizeof why, &len, PQerrorMessage(pg));
		/* libpq rejects a bad option value itself ('invalid sslmode
		 * value: "x"', 'invalid integer value "x" for connection option
		 * "connect_timeout"'): that is a bad URL, not a server down. */
		const char *invalid = strstr(why, "invalid ");
		if (invalid && (invalid == why || strstr(invalid, "for connection option"))) {
			rc = orm_err_set(err, ORM_EINVAL, "invalid URL '%s': %s",
			                 shown_url(url, shown, sizeof shown), invalid);
			goto done;
		}
		describe_server(where, sizeof where, url, pg);
		rc = orm_err_set(err, ORM_ECONNECT,
		                 "cannot connect to PostgreSQL %s (database '%s', user '%s'): %s",
		                 where, url->database, user ? user : "", why);
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
	orm_buf_free(&options);
	orm_free(keys);
	orm_free(vals);
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
