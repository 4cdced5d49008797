/*
 * url_fuzz.c - fuzzes the URL parser (shared/url.c, issue 10).
 *
 * For any input: parsing never crashes, and either fails with a one-line message, or gives a
 * URL whose rendering (orm_url_render, password masked) parses back to the same fields - the
 * password as "***" - and whose rendering cut short by a small buffer is a NUL-terminated
 * prefix of the whole, as snprintf's would be.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "orm/orm.h"

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_round_trip(const char *text, const orm_url *url)
{
	size_t need = orm_url_render(url, NULL, 0);
	char *shown = malloc(need + 1), small[16];
	orm_url *again = NULL;

	if (!shown)
		abort();
	if (orm_url_render(url, shown, need + 1) != need || strlen(shown) != need)
		fuzz_fail("render of '%s' gave a length other than it announced", text);
	for (size_t size = 1; size <= sizeof small; size += 5) {
		orm_url_render(url, small, size);
		if (strlen(small) != (need < size ? need : size - 1) ||
		    strncmp(small, shown, strlen(small)) != 0)
			fuzz_fail("render of '%s' into %zu bytes is not a prefix", text, size);
	}
	if (orm_url_parse(&again, shown) != ORM_OK)
		fuzz_fail("'%s' rendered as '%s', which does not parse: %s", text, shown,
		          orm_error_last());
	if (!same(again->dialect, url->dialect) || !same(again->driver, url->driver) ||
	    !same(again->username, url->username) || !same(again->host, url->host) ||
	    again->port != url->port || !same(again->database, url->database))
		fuzz_fail("'%s' rendered as '%s' parses to other parts", text, shown);
	if (!same(again->password, url->password ? "***" : NULL))
		fuzz_fail("'%s' rendered as '%s' does not mask the password", text, shown);
	if (again->nquery != url->nquery)
		fuzz_fail("'%s' rendered as '%s' has %zu query parameters, not %zu", text, shown,
		          again->nquery, url->nquery);
	for (size_t i = 0; i < url->nquery; i++) {
		bool secret = strcmp(url->query[i].key, "password") == 0;

		if (!same(again->query[i].key, url->query[i].key) ||
		    !same(again->query[i].value, secret ? "***" : url->query[i].value))
			fuzz_fail("'%s' rendered as '%s': query parameter %zu differs", text, shown,
			          i);
	}
	orm_url_free(again);
	free(shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	orm_url *url = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (orm_url_parse(&url, text) == ORM_OK) {
		check_round_trip(text, url);
	} else {
		if (url)
			fuzz_fail("a failed parse of '%s' left a URL", text);
		if (!*orm_error_last() || strchr(orm_error_last(), '\n'))
			fuzz_fail("'%s': the message is empty or not one line: %s", text,
			          orm_error_last());
	}
	orm_url_free(url);
	free(text);
	return 0;
}
