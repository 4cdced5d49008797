/*
 * url.c - database URLs: parsing them into parts, and printing them back
 * without the password.
 *
 * Introduced in chapter 1. The grammar is SQLAlchemy's make_url (1.4 and
 * 2.0 read URLs alike), field for field:
 *
 *     dialect[+driver]://[user[:password]@][host][:port][/database][?key=value&...]
 *
 * make_url is a regular expression, and its reading of the user and
 * password is what lets a password hold '/', '?' and ':' unescaped:
 *   - the user runs to the first ':' or '/';
 *   - if a ':' ends it and an '@' comes anywhere later, the password is
 *     everything up to the FIRST '@' after that ':';
 *   - otherwise, the user ends at the last '@' before that ':' or '/',
 *     with no password; and with no such '@' there is no user at all.
 * So a password may not hold an '@' (write it %40): make_url would end the
 * password there and read the rest into the host. That host is refused
 * here, since it would carry a piece of the password into messages.
 *
 * Then the host ("[...]" for IPv6, else up to ':', '/' or '?'), the port
 * (digits), the database (up to '?', kept as written: make_url does not
 * percent-decode it, nor the host) and the query, read as Python's
 * parse_qsl does: '+' is a space, %-escapes are decoded, and a parameter
 * without a value is dropped. The user and password are %-decoded too; a
 * '%' not followed by two hex digits stays as it is, as in Python.
 *
 * Where make_url quietly accepts a URL that cannot work, this parser
 * refuses it with a message instead (see orm/url.h for the list).
 *
 * Whatever goes wrong, the message quotes the URL with its password
 * replaced by "***", so it is safe to print.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "orm/url.h"

/* ---- Where the password is, in raw text -------------------------------- */

/*
 * The text being parsed, and the span of it that may be a password: from
 * just after the user's ':' to the LAST '@' of the text (further than
 * make_url's password when a password wrongly holds an '@', so that no
 * piece of it is ever shown). secret_lo == secret_hi when there is none.
 */
typedef struct source {
	const char *text;
	const char *secret_lo, *secret_hi;
} source;

/* After "://": where make_url's user ends, and whether a password
 * follows (a ':' ends the user and an '@' comes later). */
static const char *user_end(const char *auth, bool *has_password)
{
	const char *end = auth + strcspn(auth, ":/");

	*has_password = *end == ':' && strchr(end + 1, '@') != NULL;
	return end;
}

static void find_secret(source *src, const char *text)
{
	const char *auth = strstr(text, "://"), *end;
	bool has_password;

	src->text = text;
	src->secret_lo = src->secret_hi = text;
	if (!auth) {
		/* Not even the scheme parses: if an '@' is there, hide all from
		 * the first ':' to the last '@'. */
		end = strchr(text, ':');
		if (end && strrchr(text, '@') > end) {
			src->secret_lo = end + 1;
			src->secret_hi = strrchr(text, '@');
		}
		return;
	}
	end = user_end(auth + 3, &has_password);
	if (has_password) {
		src->secret_lo = end + 1;
		src->secret_hi = strrchr(end + 1, '@');
	}
}

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

/* The text with its secret span written as "***" and any password=
 * query parameter masked, into out (at most `size` bytes). */
static void mask_password(const source *src, char *out, size_t size)
{
	if (src->secret_hi > src->secret_lo)
		snprintf(out, size, "%.*s***%s", (int)(src->secret_lo - src->text), src->text,
		         src->secret_hi);
	else
		snprintf(out, size, "%s", src->text);
	mask_query_password(out, size);
}

/* True when the `len` bytes at `s` touch the secret span: such a piece is
 * never quoted in a message. */
static bool is_secret(const source *src, const char *s, size_t len)
{
	return src->secret_hi > src->secret_lo && s < src->secret_hi && s + len > src->secret_lo;
}

/* Records ORM_EINVAL with "invalid URL '<masked text>': <reason>". */
static int fail(const source *src, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int fail(const source *src, const char *fmt, ...)
{
	char masked[ORM_ERRMSG_MAX];
	char reason[ORM_ERRMSG_MAX];
	va_list ap;

	mask_password(src, masked, sizeof masked);
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

/* A copy of the `len` bytes at `s` into *out, or ORM_ENOMEM. */
static int copy(char **out, const char *s, size_t len)
{
	if (!(*out = orm_malloc(len + 1)))
		return out_of_memory();
	memcpy(*out, s, len);
	(*out)[len] = '\0';
	return ORM_OK;
}

/*
 * Decodes the `len` bytes at `s` into a new string in *out, as Python's
 * unquote does: %XX is the byte XX, and a '%' not followed by two hex
 * digits stays. With `plus`, '+' is a space (the query, as parse_qsl).
 * `part` names the part for messages ("user", "query", ...). A %00 is
 * refused: a C string cannot hold a NUL byte.
 */
static int decode(char **out, const source *src, const char *s, size_t len, const char *part,
                  bool plus)
{
	char *dst;
	size_t n = 0;

	*out = NULL;
	if (!(dst = orm_malloc(len + 1)))
		return out_of_memory();
	for (size_t i = 0; i < len; i++) {
		int hi = s[i] == '%' && i + 2 < len ? hex_digit(s[i + 1]) : -1;
		int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;

		if (hi < 0 || lo < 0) {
			dst[n++] = plus && s[i] == '+' ? ' ' : s[i];
			continue;
		}
		if (hi == 0 && lo == 0) {
			orm_free(dst);
			return fail(src,
			            "the %s holds '%%00', a NUL byte, which a C string cannot hold",
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
static int parse_scheme(orm_url *url, const source *src, const char *s, size_t len)
{
	const char *plus = memchr(s, '+', len);
	size_t dlen = plus ? (size_t)(plus - s) : len;
	int rc;

	if (dlen == 0)
		return fail(src, "no dialect before '://'");
	for (size_t i = 0; i < dlen; i++) {
		if (!is_name_char(s[i]))
			return fail(src, "dialect '%.*s' may contain only letters, digits and '_'",
			            (int)dlen, s);
	}
	if (plus) {
		const char *drv = plus + 1;
		size_t drvlen = len - dlen - 1;

		if (drvlen == 0)
			return fail(src, "driver after '+' is empty");
		for (size_t i = 0; i < drvlen; i++) {
			if (!is_name_char(drv[i]))
				return fail(
				    src, "driver '%.*s' may contain only letters, digits and '_'",
				    (int)drvlen, drv);
		}
		if ((rc = copy(&url->driver, drv, drvlen)) < 0)
			return rc;
	}
	return copy(&url->dialect, s, dlen);
}

/* The text after "host:", up to '/' or '?': digits, 1-65535. */
static int parse_port(orm_url *url, const source *src, const char *s, size_t len)
{
	long value = 0;

	if (is_secret(src, s, len))
		return fail(src, "the port is not a number (does the password hold an '@'? "
		                 "write it %%40)");
	if (len == 0)
		return fail(src, "port after ':' is empty");
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(src, "port '%.*s' is not a number", (int)len, s);
		if (value <= 65535)
			value = value * 10 + (s[i] - '0');
	}
	if (value < 1 || value > 65535)
		return fail(src, "port '%.*s' is out of range 1-65535", (int)len, s);
	url->port = (int)value;
	return ORM_OK;
}

/* The user and password, if any; returns where the host starts in *rest. */
static int parse_userinfo(orm_url *url, const source *src, const char *auth, const char **rest)
{
	bool has_password;
	const char *end = user_end(auth, &has_password), *at = NULL;
	int rc;

	*rest = auth;
	if (has_password) {
		const char *pw = end + 1;

		at = strchr(pw, '@');
		if ((rc = decode(&url->password, src, pw, (size_t)(at - pw), "password", false)) <
		    0)
			return rc;
	} else {
		for (const char *p = auth; p < end; p++) {
			if (*p == '@')
				at = p;
		}
		if (!at)
			return ORM_OK;
		end = at;
	}
	if ((rc = decode(&url->username, src, auth, (size_t)(end - auth), "user", false)) < 0)
		return rc;
	*rest = at + 1;
	return ORM_OK;
}

/* "[host]" or "host", then ":port"; returns where they end in *rest. */
static int parse_host_port(orm_url *url, const source *src, const char *s, const char **rest)
{
	const char *host = NULL, *after = s;
	size_t hostlen = 0;
	bool unclosed = false;
	int rc;

	if (*s == '[') {
		/* make_url: the longest "[...]" without '/' or '?' in it. */
		const char *end = s + 1 + strcspn(s + 1, "/?"), *close = NULL;

		for (const char *p = s + 2; p < end; p++) {
			if (*p == ']')
				close = p;
		}
		if (close) {
			host = s + 1;
			hostlen = (size_t)(close - host);
			after = close + 1;
		}
		unclosed = !memchr(s + 1, ']', (size_t)(end - s - 1));
	}
	if (!host && (hostlen = strcspn(s, "/:?")) > 0) {
		host = s;
		after = s + hostlen;
	}
	if (host) {
		if (memchr(host, '@', hostlen))
			return fail(src, "the host holds an '@': an '@' in the password must be "
			                 "written %%40");
		if ((rc = copy(&url->host, host, hostlen)) < 0)
			return rc;
	}
	if (*after == ':') {
		const char *port = after + 1;
		size_t len = strcspn(port, "/?");

		if ((rc = parse_port(url, src, port, len)) < 0 && unclosed && !is_secret(src, s, 1))
			return fail(src, "IPv6 host '%.*s' has no closing ']'",
			            (int)strcspn(s, "/?"), s);
		if (rc < 0)
			return rc;
		after = port + len;
	}
	*rest = after;
	return ORM_OK;
}

/* Appends one ?key=value (both decoded) to url->query. */
static int add_param(orm_url *url, const source *src, const char *s, size_t keylen,
                     const char *value, size_t valuelen)
{
	orm_url_param *grown, *param;
	int rc;

	grown = orm_realloc(url->query, (url->nquery + 1) * sizeof *url->query);
	if (!grown)
		return out_of_memory();
	url->query = grown;
	param = &url->query[url->nquery];
	param->key = param->value = NULL;
	url->nquery++;
	if ((rc = decode(&param->key, src, s, keylen, "query", true)) < 0)
		return rc;
	return decode(&param->value, src, value, valuelen, "query", true);
}

/* "key=value&key=value", the text after '?', as Python's parse_qsl reads
 * it: pieces without '=' or with an empty value are dropped. */
static int parse_query(orm_url *url, const source *src, const char *s)
{
	int rc;

	if (strchr(s, '\n'))
		return fail(src, "the query holds a line break");
	while (*s) {
		size_t len = strcspn(s, "&");
		const char *eq = memchr(s, '=', len);

		if (eq && eq + 1 < s + len &&
		    (rc = add_param(url, src, s, (size_t)(eq - s), eq + 1,
		                    (size_t)(s + len - eq - 1))) < 0)
			return rc;
		s += len;
		if (*s == '&')
			s++;
	}
	return ORM_OK;
}

int orm_url_parse(orm_url **out, const char *text)
{
	orm_url *url = NULL;
	const char *sep, *rest;
	source src;
	int rc;

	*out = NULL;
	if (!text || !*text) {
		find_secret(&src, "");
		return fail(&src, "empty");
	}
	find_secret(&src, text);
	if (!(sep = strstr(text, "://")))
		return fail(&src, "missing '://' after the dialect");
	if (!(url = orm_calloc(1, sizeof *url))) {
		rc = out_of_memory();
		goto done;
	}
	if ((rc = parse_scheme(url, &src, text, (size_t)(sep - text))) < 0)
		goto done;
	if ((rc = parse_userinfo(url, &src, sep + 3, &rest)) < 0)
		goto done;
	if ((rc = parse_host_port(url, &src, rest, &rest)) < 0)
		goto done;
	if (*rest == '/') {
		size_t len = strcspn(rest + 1, "?");

		if ((rc = copy(&url->database, rest + 1, len)) < 0)
			goto done;
		rest += 1 + len;
	}
	if (*rest == '?') {
		if ((rc = parse_query(url, &src, rest + 1)) < 0)
			goto done;
	} else if (*rest) {
		/* Only after an IPv6 "[host]": make_url would drop the rest. */
		rc = fail(&src, "unexpected '%c' after the host: expected ':', '/' or '?'", *rest);
		goto done;
	}

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

/* Writes `s`, percent-encoding every byte but letters, digits, "-._~"
 * and those in `allowed`, so the text decodes back the same. */
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

/*
 * The host and the database are written as they are, since the parser
 * does not decode them; what the parser can give them never changes how
 * the text parses back (checked by the fuzz target fuzz/url_fuzz.c). In
 * the query, ':' and '@' are escaped: where a URL has no database, the
 * user's scan for its ':' and '@' runs on into the query (the fuzzer's
 * first find).
 */
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
			put_encoded(&w, url->username, "!$'()*,;");
		if (url->password)
			put_str(&w, ":***");
		put_char(&w, '@');
	}
	if (url->host) {
		bool brackets = strchr(url->host, ':') || url->host[0] == '[';

		if (brackets)
			put_char(&w, '[');
		put_str(&w, url->host);
		if (brackets)
			put_char(&w, ']');
	}
	if (url->port) {
		char port[16];

		snprintf(port, sizeof port, ":%d", url->port);
		put_str(&w, port);
	}
	if (url->database) {
		put_char(&w, '/');
		put_str(&w, url->database);
	}
	for (size_t i = 0; i < url->nquery; i++) {
		put_char(&w, i == 0 ? '?' : '&');
		put_encoded(&w, url->query[i].key, "!$'()*,;/?");
		put_char(&w, '=');
		if (strcmp(url->query[i].key, "password") == 0)
			put_str(&w, "***");
		else
			put_encoded(&w, url->query[i].value, "!$'()*,;/?");
	}
	if (size > 0)
		buf[w.len < size ? w.len : size - 1] = '\0';
	return w.len;
}
