/*
 * date.c - dates and datetimes as the database writes them.
 *
 * Introduced in chapter 2 (the session), for field.c: a DATE column is an
 * orm_date in the struct and "YYYY-MM-DD" text in SQL, a DATETIME an
 * orm_datetime and "YYYY-MM-DD HH:MM:SS[.ffffff]". Parsing and writing
 * that text is on the hot path (every event loaded or inserted has a
 * date), so both are done by hand rather than through sscanf/snprintf.
 */
#include <stdio.h>

#include "field.h"

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool orm_date_valid(const orm_date *d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int last;

	if (d->year < 1 || d->year > 9999 || d->month < 1 || d->month > 12 || d->day < 1)
		return false;
	last = mdays[d->month - 1] + (d->month == 2 && is_leap(d->year));
	return d->day <= last;
}

bool orm_datetime_valid(const orm_datetime *t)
{
	orm_date d = {t->year, t->month, t->day};
	return orm_date_valid(&d) && t->hour >= 0 && t->hour < 24 && t->minute >= 0 &&
	       t->minute < 60 && t->second >= 0 && t->second < 60 && t->microsecond >= 0 &&
	       t->microsecond < 1000000;
}

/* Reads exactly n digits at *s; false if they are not all there. */
static bool digits(const char **s, const char *end, int n, int *out)
{
	int v = 0;
	if (end - *s < n)
		return false;
	for (int i = 0; i < n; i++) {
		char c = (*s)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static bool expect(const char **s, const char *end, char c)
{
	if (*s >= end || **s != c)
		return false;
	(*s)++;
	return true;
}

/* Parses the date part "YYYY-MM-DD" and leaves *s after it. */
static bool parse_date_part(orm_date *d, const char **s, const char *end)
{
	return digits(s, end, 4, &d->year) && expect(s, end, '-') && digits(s, end, 2, &d->month) &&
	       expect(s, end, '-') && digits(s, end, 2, &d->day);
}

/* Two digits at s, or -1. */
static int two_digits(const char *s)
{
	unsigned a = (unsigned)(s[0] - '0'), b = (unsigned)(s[1] - '0');
	return a < 10 && b < 10 ? (int)(a * 10 + b) : -1;
}

int orm_date_parse(orm_date *out, const char *s, size_t len)
{
	const char *end = s + len;
	orm_date d;

	/* The one shape a database writes, without the general parser's
	 * calls: every loaded row with a date comes through here. */
	if (len == 10 && s[4] == '-' && s[7] == '-') {
		int hi = two_digits(s), lo = two_digits(s + 2);
		d = (orm_date){hi * 100 + lo, two_digits(s + 5), two_digits(s + 8)};
		if (hi < 0 || lo < 0 || !orm_date_valid(&d))
			return ORM_EINVAL;
		*out = d;
		return ORM_OK;
	}

	if (!parse_date_part(&d, &s, end) || s != end || !orm_date_valid(&d))
		return ORM_EINVAL;
	*out = d;
	return ORM_OK;
}

int orm_datetime_parse(orm_datetime *out, const char *s, size_t len)
{
	const char *end = s + len;
	orm_datetime t = {0, 0, 0, 0, 0, 0, 0};
	orm_date d;

	if (!parse_date_part(&d, &s, end))
		return ORM_EINVAL;
	t.year = d.year;
	t.month = d.month;
	t.day = d.day;
	if (s < end) {
		if (*s != ' ' && *s != 'T')
			return ORM_EINVAL;
		s++;
		if (!digits(&s, end, 2, &t.hour) || !expect(&s, end, ':') ||
		    !digits(&s, end, 2, &t.minute) || !expect(&s, end, ':') ||
		    !digits(&s, end, 2, &t.second))
			return ORM_EINVAL;
		if (s < end && *s == '.') {
			int scale = 100000;
			s++;
			if (s == end)
				return ORM_EINVAL;
			for (; s < end && *s >= '0' && *s <= '9'; s++) {
				t.microsecond += (*s - '0') * scale;
				scale /= 10;
			}
		}
		if (s != end)
			return ORM_EINVAL;
	}
	if (!orm_datetime_valid(&t))
		return ORM_EINVAL;
	*out = t;
	return ORM_OK;
}

/* Writes n digits of v (zero-padded) at p; returns the end. Cheaper than
 * snprintf on the insert path, where every event has a date. */
static char *put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + (v % 10));
		v /= 10;
	}
	return p + n;
}

/* "YYYY-MM-DD" into buf (11 bytes at least); out-of-range parts (only
 * possible in a field orm_field_check would refuse) go through snprintf. */
size_t orm_date_format(char *buf, int y, int m, int d)
{
	char *p = buf;
	if (y < 0 || y > 9999 || m < 0 || m > 99 || d < 0 || d > 99)
		return (size_t)snprintf(buf, ORM_FIELD_SCRATCH, "%04d-%02d-%02d", y, m, d);
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p = '\0';
	return (size_t)(p - buf);
}

size_t orm_datetime_format(char *buf, const orm_datetime *t)
{
	if (!orm_datetime_valid(t))
		return (size_t)snprintf(buf, ORM_FIELD_SCRATCH,
		                        "%04d-%02d-%02d %02d:%02d:%02d.%06d", t->year, t->month,
		                        t->day, t->hour, t->minute, t->second, t->microsecond);
	char *p = buf + orm_date_format(buf, t->year, t->month, t->day);
	*p++ = ' ';
	p = put_digits(p, t->hour, 2);
	*p++ = ':';
	p = put_digits(p, t->minute, 2);
	*p++ = ':';
	p = put_digits(p, t->second, 2);
	if (t->microsecond) {
		*p++ = '.';
		p = put_digits(p, t->microsecond, 6);
	}
	*p = '\0';
	return (size_t)(p - buf);
}
