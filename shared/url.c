/*
 * url.c - database URLs: parsing them into parts, and printing them back
 * without the password.
 *
 * Introduced in chapter 1. The grammar is SQLAlchemy's:
 *
 *     dialect[+driver]://[user[:password]@][host][:port][/database][?key=value&...]
 *
 * The authority (user, password, host, port) ends at the first '/' or '?'
 * after "://"; within it the last '@' ends the user and password, so a
 * password containing '/', '?' or '#' must be percent-encoded. Everything
 * after that first '/' up to '?' is the database: for SQLite a path, so
 * "sqlite:////abs/path.db" (four slashes) names "/abs/path.db".
 *
 * Whatever goes wrong, the message quotes the URL with its password
 * replaced by "***", so it is safe to print.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "orm/url.h"

/* ---- Masking the password in raw text, for error messages ---------- */

/* Replaces, in place, the value of every "password=" query parameter of
 * the NUL-terminated URL text `s` (libpq accepts the password there too). */
static void mask_query_password(char *s, size_t size)
{
	char *p = strchr(s, '?');

	while (p) {
		char *value, *end;

		p++;
		end = p + strcspn(p, "&");
		if (strncmp(p, "password=", 9) == 0) {
			value = p + 9;
			if ((size_t)(value - s) + 3 + strlen(end) + 1 > size) {
				*value = '\0'; /* no room: drop the rest */
				end = value;
			} else {
				memmove(value + 3, end, strlen(end) + 1);
				memcpy(value, "***", 3);
				end = value + 3;
			}
		}
		p = *end == '&' ? end : NULL;
	}
}

/* Copies `text` into `out` (at most `size` bytes, NUL-terminated) with the
 * password of its authority part, if any, replaced by "***". Works on text
 * that failed to parse, which is exactly when it is needed. */
static void mask_authority(const char *text, char *out, size_t size)
{
	const char *auth = strstr(text, "://");
	const char *end, *at = NULL, *colon;

	if (!auth) {
		snprintf(out, size, "%s", text);
		return;
	}
	auth += 3;
	end = auth + strcspn(auth, "/?");
	for (const char *p = auth; p < end; p++) {
		if (*p == '@')
			at = p;
	}
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!colon) {
		snprintf(out, size, "%s", text);
		return;
	}
	snprintf(out, size, "%.*s***%s", (int)(colon + 1 - text), text, at);
}

/* Both: the authority's password and any password= query parameter. */
static void mask_password(const char *text, char *out, size_t size)
{
	mask_authority(text, out, size);
	mask_query_password(out, size);
}

/* Records ORM_EINVAL with "invalid URL '<masked text>': <reason>". */
static int fail(const char *text, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int fail(const char *text, const char *fmt, ...)
{
	char masked[ORM_ERRMSG_MAX];
	char reason[ORM_ERRMSG_MAX];
	va_list ap;

	mask_password(text, masked, sizeof masked);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return orm_err_set(NULL, ORM_EINVAL, "invalid URL '%s': %s", masked, reason);
}

static int out_of_memory(void)
{
	return orm_err_set(NULL, ORM_ENOMEM, "out of memory while parsing a URL");
}

/* ---- Parsing ------------------------------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes the `len` bytes at `s` into a new string in *out. `part` names
 * the part for messages ("user", "database", ...). With `keep_empty` an
 * empty part gives "", otherwise NULL ("not given").
 */
static int decode(char **out, const char *text, const char *s, size_t len, const char *part,
                  bool keep_empty)
{
	bool secret = strcmp(part, "password") == 0;
	char *dst;
	size_t n = 0;

	*out = NULL;
	if (len == 0 && !keep_empty)
		return ORM_OK;
	dst = orm_malloc(len + 1);
	if (!dst)
		return out_of_memory();
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '%') {
			dst[n++] = s[i];
			continue;
		}
		hi = i + 1 < len ? hex_digit(s[i + 1]) : -1;
		lo = i + 2 < len ? hex_digit(s[i + 2]) : -1;
		if (hi < 0 || lo < 0) {
			size_t shown = len - i < 3 ? len - i : 3;

			orm_free(dst);
			if (secret)
				return fail(text, "the password has a bad percent-escape");
			return fail(text, "bad percent-escape '%.*s' in the %s", (int)shown, s + i,
			            part);
		}
		if (hi == 0 && lo == 0) {
			orm_free(dst);
			if (secret)
				return fail(text,
				            "the password has a percent-escape of a NUL byte");
			return fail(text, "percent-escape '%%00' in the %s stands for a NUL byte",
			            part);
		}
		dst[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	dst[n] = '\0';
	*out = dst;
	return ORM_OK;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* "dialect" or "dialect+driver", the `len` bytes at `s`. */
static int parse_scheme(orm_url *url, const char *text, const char *s, size_t len)
{
	const char *plus = memchr(s, '+', len);
	size_t dlen = plus ? (size_t)(plus - s) : len;

	if (dlen == 0)
		return fail(text, "no dialect before '://'");
	for (size_t i = 0; i < dlen; i++) {
		if (!is_name_char(s[i]))
			return fail(text, "dialect '%.*s' may contain only letters, digits and '_'",
			            (int)dlen, s);
	}
	if (plus) {
		const char *drv = plus + 1;
		size_t drvlen = len - dlen - 1;

		if (drvlen == 0)
			return fail(text, "driver after '+' is empty");
		for (size_t i = 0; i < drvlen; i++) {
			if (!is_name_char(drv[i]))
				return fail(
				    text, "driver '%.*s' may contain only letters, digits and '_'",
				    (int)drvlen, drv);
		}
		if (!(url->driver = orm_malloc(drvlen + 1)))
			return out_of_memory();
		memcpy(url->driver, drv, drvlen);
		url->driver[drvlen] = '\0';
	}
	if (!(url->dialect = orm_malloc(dlen + 1)))
		return out_of_memory();
	memcpy(url->dialect, s, dlen);
	url->dialect[dlen] = '\0';
	return ORM_OK;
}

/* The digits after "host:"; 1-65535. */
static int parse_port(orm_url *url, const char *text, const char *s, size_t len)
{
	long value = 0;

	if (len == 0)
		return fail(text, "port after ':' is empty");
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(text, "port '%.*s' is not a number", (int)len, s);
		if (value <= 65535)
			value = value * 10 + (s[i] - '0');
	}
	if (value < 1 || value > 65535)
		return fail(text, "port '%.*s' is out of range 1-65535", (int)len, s);
	url->port = (int)value;
	return ORM_OK;
}

/* "[user[:password]@][host][:port]", the `len` bytes at `s`. */
static int parse_authority(orm_url *url, const char *text, const char *s, size_t len)
{
	const char *end = s + len, *at = NULL, *host, *port = NULL;
	size_t hostlen;
	int rc;

	for (const char *p = s; p < end; p++) {
		if (*p == '@')
			at = p;
	}
	if (at) {
		const char *colon = memchr(s, ':', (size_t)(at - s));
		const char *user_end = colon ? colon : at;

		if ((rc = decode(&url->username, text, s, (size_t)(user_end - s), "user", false)) <
		    0)
			return rc;
		if (colon && (rc = decode(&url->password, text, colon + 1, (size_t)(at - colon - 1),
		                          "password", false)) < 0)
			return rc;
		s = at + 1;
	}

	host = s;
	if (s < end && *s == '[') {
		const char *close = memchr(s, ']', (size_t)(end - s));

		if (!close)
			return fail(text, "IPv6 host '%.*s' has no closing ']'", (int)(end - s), s);
		host = s + 1;
		hostlen = (size_t)(close - host);
		if (hostlen == 0)
			return fail(text, "IPv6 host '[]' is empty");
		if (close + 1 < end) {
			if (close[1] != ':')
				return fail(text, "unexpected '%.*s' after IPv6 host '%.*s'",
				            (int)(end - close - 1), close + 1, (int)(close + 1 - s),
				            s);
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', (size_t)(end - s));

		hostlen = colon ? (size_t)(colon - s) : (size_t)(end - s);
		if (colon)
			port = colon + 1;
	}
	if ((rc = decode(&url->host, text, host, hostlen, "host", false)) < 0)
		return rc;
	if (port && (rc = parse_port(url, text, port, (size_t)(end - port))) < 0)
		return rc;
	return ORM_OK;
}

/* "key=value&key=value", the text after '?'. */
static int parse_query(orm_url *url, const char *text, const char *s)
{
	size_t count = 1;
	int rc;

	for (const char *p = s; *p; p++) {
		if (*p == '&')
			count++;
	}
	if (!(url->query = orm_calloc(count, sizeof *url->query)))
		return out_of_memory();

	while (*s) {
		size_t len = strcspn(s, "&");
		const char *eq = memchr(s, '=', len);
		size_t keylen = eq ? (size_t)(eq - s) : len;
		orm_url_param *param = &url->query[url->nquery];

		if (len > 0) {
			if (keylen == 0)
				return fail(text, "query parameter '%.*s' has no name", (int)len,
				            s);
			if ((rc = decode(&param->key, text, s, keylen, "query", true)) < 0)
				return rc;
			url->nquery++;
			if ((rc = decode(&param->value, text, eq ? eq + 1 : s + len,
			                 eq ? len - keylen - 1 : 0, "query", true)) < 0)
				return rc;
		}
		s += len;
		if (*s == '&')
			s++;
	}
	return ORM_OK;
}

int orm_url_parse(orm_url **out, const char *text)
{
	orm_url *url = NULL;
	const char *sep, *rest, *auth_end, *query;
	int rc;

	*out = NULL;
	if (!text || !*text)
		return fail("", "empty");
	if (!(sep = strstr(text, "://")))
		return fail(text, "missing '://' after the dialect");
	if (!(url = orm_calloc(1, sizeof *url))) {
		rc = out_of_memory();
		goto done;
	}
	if ((rc = parse_scheme(url, text, text, (size_t)(sep - text))) < 0)
		goto done;

	rest = sep + 3;
	auth_end = rest + strcspn(rest, "/?");
	if ((rc = parse_authority(url, text, rest, (size_t)(auth_end - rest))) < 0)
		goto done;

	query = strchr(auth_end, '?');
	if (*auth_end == '/') {
		const char *db = auth_end + 1;
		size_t dblen = query ? (size_t)(query - db) : strlen(db);

		if ((rc = decode(&url->database, text, db, dblen, "database", false)) < 0)
			goto done;
	}
	if (query && (rc = parse_query(url, text, query + 1)) < 0)
		goto done;

	*out = url;
	url = NULL;
	rc = ORM_OK;
done:
	orm_url_free(url);
	return rc;
}

void orm_url_free(orm_url *url)
{
	if (!url)
		return;
	orm_free(url->dialect);
	orm_free(url->driver);
	orm_free(url->username);
	orm_free(url->password);
	orm_free(url->host);
	orm_free(url->database);
	for (size_t i = 0; i < url->nquery; i++) {
		orm_free(url->query[i].key);
		orm_free(url->query[i].value);
	}
	orm_free(url->query);
	orm_free(url);
}

const char *orm_url_query_get(const orm_url *url, const char *key)
{
	for (size_t i = 0; i < url->nquery; i++) {
		if (strcmp(url->query[i].key, key) == 0)
			return url->query[i].value;
	}
	return NULL;
}

/* ---- Rendering ----------------------------------------------------- */

/* Appends to a fixed buffer like snprintf: counts what does not fit. */
typedef struct writer {
	char *buf;
	size_t size;
	size_t len;
} writer;

static void put_char(writer *w, char c)
{
	if (w->len + 1 < w->size)
		w->buf[w->len] = c;
	w->len++;
}

static void put_str(writer *w, const char *s)
{
	while (*s)
		put_char(w, *s++);
}

/* Writes `s`, percent-encoding every byte that is neither a letter, a
 * digit, one of "-._~" nor in `allowed`, so the text parses back the same. */
static void put_encoded(writer *w, const char *s, const char *allowed)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c) || (c > ' ' && c < 0x7f && strchr(allowed, c))) {
			put_char(w, (char)c);
		} else {
			put_char(w, '%');
			put_char(w, hex[c >> 4]);
			put_char(w, hex[c & 15]);
		}
	}
}

size_t orm_url_render(const orm_url *url, char *buf, size_t size)
{
	writer w = {buf, size, 0};

	put_str(&w, url->dialect);
	if (url->driver) {
		put_char(&w, '+');
		put_str(&w, url->driver);
	}
	put_str(&w, "://");
	if (url->username || url->password) {
		if (url->username)
			put_encoded(&w, url->username, "!$&'()*+,;=");
		if (url->password)
			put_str(&w, ":***");
		put_char(&w, '@');
	}
	if (url->host) {
		if (strchr(url->host, ':')) {
			put_char(&w, '[');
			put_encoded(&w, url->host, ":");
			put_char(&w, ']');
		} else {
			put_encoded(&w, url->host, "!$&'()*+,;=");
		}
	}
	if (url->port) {
		char port[16];

		snprintf(port, sizeof port, ":%d", url->port);
		put_str(&w, port);
	}
	if (url->database) {
		put_char(&w, '/');
		put_encoded(&w, url->database, "!$&'()*+,;=:@/");
	}
	for (size_t i = 0; i < url->nquery; i++) {
		put_char(&w, i == 0 ? '?' : '&');
		put_encoded(&w, url->query[i].key, "!$'()*,;:@/?");
		put_char(&w, '=');
		if (strcmp(url->query[i].key, "password") == 0)
			put_str(&w, "***");
		else
			put_encoded(&w, url->query[i].value, "!$'()*,;:@/?");
	}
	if (size > 0)
		buf[w.len < size ? w.len : size - 1] = '\0';
	return w.len;
}
