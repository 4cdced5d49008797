/*
 * url_dump.c - prints each URL read from stdin as orm_url_parse sees it,
 * for url_parity.py, which compares the fields with SQLAlchemy's make_url.
 *
 * One output line per input line, fields separated by tabs, every text
 * field hex-encoded (so any byte survives) and "-" for NULL:
 *     ok DRIVERNAME USER PASSWORD HOST PORT DATABASE KEY=VALUE,KEY=VALUE...
 *     error MESSAGE-HEX
 */
#include <stdio.h>
#include <string.h>

#include "orm/orm.h"

static void put_hex(const char *s)
{
	if (!s) {
		fputs("-", stdout);
		return;
	}
	if (!*s)
		fputs("=", stdout); /* the empty string, told apart from NULL */
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
}

int main(void)
{
	char line[4096];

	while (fgets(line, sizeof line, stdin)) {
		orm_url *url = NULL;
		char drivername[256];

		line[strcspn(line, "\n")] = '\0';
		if (orm_url_parse(&url, line) < 0) {
			fputs("error\t", stdout);
			put_hex(orm_error_last());
			putchar('\n');
			continue;
		}
		snprintf(drivername, sizeof drivername, "%s%s%s", url->dialect,
		         url->driver ? "+" : "", url->driver ? url->driver : "");
		fputs("ok\t", stdout);
		put_hex(drivername);
		putchar('\t');
		put_hex(url->username);
		putchar('\t');
		put_hex(url->password);
		putchar('\t');
		put_hex(url->host);
		printf("\t%d\t", url->port);
		put_hex(url->database);
		putchar('\t');
		for (size_t i = 0; i < url->nquery; i++) {
			if (i > 0)
				putchar(',');
			put_hex(url->query[i].key);
			putchar('=');
			put_hex(url->query[i].value);
		}
		putchar('\n');
		orm_url_free(url);
	}
	return 0;
}
