/*
 * orm/url.h - database URLs, parsed into their parts.
 *
 * Introduced in chapter 1 (the engine). A URL names the three things the
 * write-up says an engine needs: which database, which driver, and where:
 *
 *     dialect[+driver]://user:password@host:port/database?key=value&...
 *
 *     sqlite:///:memory:                    an in-memory SQLite database
 *     sqlite:///events.db                   a file, relative to the current directory
 *     sqlite:////var/lib/events.db          a file, absolute path (four slashes)
 *     sqlite:///events.db?mode=ro           a file opened read-only (also rw, rwc)
 *     postgresql://app:s3cret@localhost:5432/eventdb
 *     postgresql:///eventdb?host=/run/postgresql   a unix socket directory
 *
 * A URL reads exactly as SQLAlchemy's make_url reads it (a test compares
 * the two on a table of URLs, tests/lib/cases/url/make_url.txt):
 *   - the password runs from the user's ':' to the first '@' after it, so
 *     it may hold '/', '?' and ':' unescaped; an '@' must be written %40;
 *   - percent-escapes (%40 for '@', %2F for '/', ...) are decoded in the
 *     user, password and query, and a '%' without two hex digits stays as
 *     written; the host and the database are kept as written;
 *   - the query is read as Python's parse_qsl: '+' is a space, and a
 *     parameter without a value (?a or ?a=) is dropped.
 * Where make_url accepts a URL that cannot work, orm_url_parse refuses it:
 * a host holding an '@' (the rest of a password with a bare '@'), a port
 * that is not plain digits in 1-65535, text after an IPv6 "[host]" (which
 * make_url drops), a driver name holding '+', and %00 (a NUL byte).
 *
 * The parsed parts are plain fields, like SQLAlchemy's URL object; treat
 * them as read-only.
 */
#ifndef ORM_URL_H
#define ORM_URL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orm_url_param {
	char *key;
	char *value;
} orm_url_param;

typedef struct orm_url {
	char *dialect;  /* "sqlite" or "postgresql"; never NULL */
	char *driver;   /* "pysqlite", "psycopg2", ... or NULL when not given */
	char *username; /* NULL when not given ("" in "pg://@host") */
	char *password; /* NULL when not given ("" in "pg://u:@host"); never printed */
	char *host;     /* NULL when not given */
	int port;       /* 0 when not given */
	char *
	    database; /* the path for SQLite (":memory:" allowed), the name for PostgreSQL; NULL when not given, "" for "pg://h/" */
	size_t nquery;
	orm_url_param *query; /* the ?key=value pairs in order */
} orm_url;

/*
 * Parses `text` into *out. The caller owns *out and frees it with
 * orm_url_free(). On error *out is NULL, the return is ORM_EINVAL (or
 * ORM_ENOMEM) and orm_error_last() names the part at fault, e.g.
 *     invalid URL 'postgresql://h:99999/db': port '99999' is out of range 1-65535
 * with any password in the quoted URL shown as ***.
 *
 * Parsing checks the form only. Whether the dialect is one the library
 * knows is decided by orm_create_engine().
 */
int orm_url_parse(orm_url **out, const char *text);

/* Frees a parsed URL. Accepts NULL. */
void orm_url_free(orm_url *url);

/*
 * The value of query parameter `key`, or NULL. Borrowed from `url`.
 */
const char *orm_url_query_get(const orm_url *url, const char *key);

/*
 * Writes the URL back as text into buf (at most `size` bytes, always
 * NUL-terminated), with the password replaced by "***" so the result is
 * safe to print or log. Returns the length the full text needs, like
 * snprintf.
 */
size_t orm_url_render(const orm_url *url, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
