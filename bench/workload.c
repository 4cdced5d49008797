/*
 * workload.c - the benchmark's data and checks, shared by every side.
 *
 * Introduced with chapter 2's benchmark. What each user and event holds is
 * decided here once (see bench.h), so the ORM side and the raw sides write
 * and expect the same rows, and under --check every row read back is
 * compared with what was written.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

const char *bench_phase_name(bench_phase phase)
{
	static const char *const names[BENCH_NPHASES] = {"insert", "get", "query", "update"};
	return phase < BENCH_NPHASES ? names[phase] : "?";
}

void bench_user_email(char *buf, size_t size, int64_t i)
{
	snprintf(buf, size, "user%" PRId64 "@example.com", i);
}

void bench_event_title(char *buf, size_t size, int64_t j)
{
	snprintf(buf, size, "event %" PRId64, j);
}

/* Days since 1970-01-01 of a civil date, and back (Howard Hinnant's
 * algorithms, public domain). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The 365 dates events take, made once. */
static char dates[365][16];
static int date_ymd[365][3];

static void make_dates(void)
{
	if (dates[0][0])
		return;
	int64_t first = days_from_civil(2024, 6, 21);
	for (int k = 0; k < 365; k++) {
		int y, m, d;
		civil_from_days(first + k, &y, &m, &d);
		date_ymd[k][0] = y;
		date_ymd[k][1] = m;
		date_ymd[k][2] = d;
		snprintf(dates[k], sizeof dates[k], "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
	}
}

const char *bench_event_date(int64_t j)
{
	make_dates();
	return dates[j % 365];
}

void bench_event_ymd(int64_t j, int *year, int *month, int *day)
{
	make_dates();
	*year = date_ymd[j % 365][0];
	*month = date_ymd[j % 365][1];
	*day = date_ymd[j % 365][2];
}

bool bench_event_public(int64_t j)
{
	return j % 2 == 0;
}

const char *bench_event_status(int64_t j)
{
	return bench_event_public(j) ? "public" : "private";
}

int64_t bench_event_organizer(const bench_config *cfg, int64_t j)
{
	return j % cfg->users;
}

int64_t bench_user_public_events(const bench_config *cfg, int64_t i)
{
	/* Events j = i, i + users, i + 2 * users, ... below cfg->events, of
	 * which the even ones. */
	int64_t n = 0;
	if (i >= cfg->events)
		return 0;
	int64_t count = (cfg->events - 1 - i) / cfg->users + 1;
	if (cfg->users % 2 == 0)
		return i % 2 == 0 ? count : 0;
	/* Odd step: parity alternates, starting with i's. */
	n = i % 2 == 0 ? (count + 1) / 2 : count / 2;
	return n;
}

int bench_fail(const char *side, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "orm_bench: %s: ", side);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

int bench_check_event(const bench_config *cfg, const char *side, int64_t id, const char *title,
                      const char *date, const char *status, int64_t organizer_id, bool renamed)
{
	char want[64];
	int64_t j = id - 1;

	if (renamed)
		snprintf(want, sizeof want, "renamed %" PRId64, id);
	else
		bench_event_title(want, sizeof want, j);
	if (!title || strcmp(title, want) != 0)
		return bench_fail(side, "event %" PRId64 ": title is '%s', expected '%s'", id,
		                  title ? title : "NULL", want);
	if (!date || strcmp(date, bench_event_date(j)) != 0)
		return bench_fail(side, "event %" PRId64 ": date_of is '%s', expected '%s'", id,
		                  date ? date : "NULL", bench_event_date(j));
	if (!status || strcmp(status, bench_event_status(j)) != 0)
		return bench_fail(side, "event %" PRId64 ": social_status is '%s', expected '%s'",
		                  id, status ? status : "NULL", bench_event_status(j));
	/* Users were inserted first, so user i has id i + 1 (checked at insert). */
	if (organizer_id != bench_event_organizer(cfg, j) + 1)
		return bench_fail(
		    side, "event %" PRId64 ": organizer_id is %" PRId64 ", expected %" PRId64, id,
		    organizer_id, bench_event_organizer(cfg, j) + 1);
	return 0;
}

void bench_query_begin(bench_query_acc *acc, const char *side)
{
	memset(acc, 0, sizeof *acc);
	acc->side = side;
	acc->hash = 14695981039346656037u; /* FNV-1a offset basis */
}

void bench_query_user(bench_query_acc *acc, int64_t user)
{
	acc->user = user;
	acc->rows = 0;
	acc->id_sum = 0;
	acc->last_date[0] = '\0';
}

void bench_query_row(bench_query_acc *acc, const bench_config *cfg, int64_t id, const char *date,
                     const char *status, int64_t organizer_id)
{
	acc->rows++;
	acc->id_sum += (uint64_t)id;
	if (!cfg->check || acc->failed)
		return;
	int64_t j = id - 1;
	if (j < 0 || j >= cfg->events || bench_event_organizer(cfg, j) != acc->user ||
	    organizer_id != acc->user + 1 || !bench_event_public(j)) {
		acc->failed =
		    bench_fail(acc->side,
		               "query of user %" PRId64 " returned event %" PRId64
		               " (organizer_id %" PRId64 "), not one of its public events",
		               acc->user + 1, id, organizer_id);
		return;
	}
	if (!status || strcmp(status, "public") != 0) {
		acc->failed = bench_fail(acc->side,
		                         "query returned event %" PRId64 " with social_status '%s'",
		                         id, status ? status : "NULL");
		return;
	}
	if (!date || strcmp(date, acc->last_date) < 0) {
		acc->failed = bench_fail(acc->side,
		                         "query of user %" PRId64
		                         " is not ordered by date_of: '%s' after '%s'",
		                         acc->user + 1, date ? date : "NULL", acc->last_date);
		return;
	}
	snprintf(acc->last_date, sizeof acc->last_date, "%s", date);
}

int bench_query_user_end(bench_query_acc *acc, const bench_config *cfg)
{
	const uint64_t prime = 1099511628211u; /* FNV-1a */
	uint64_t words[3] = {(uint64_t)acc->user, (uint64_t)acc->rows, acc->id_sum};

	for (int w = 0; w < 3; w++)
		for (int b = 0; b < 8; b++)
			acc->hash = (acc->hash ^ ((words[w] >> (8 * b)) & 0xff)) * prime;
	acc->total_rows += acc->rows;
	if (!cfg->check)
		return 0;
	if (acc->failed)
		return -1;
	int64_t want = bench_user_public_events(cfg, acc->user);
	if (acc->rows != want)
		return acc->failed = bench_fail(acc->side,
		                                "query of user %" PRId64 " returned %" PRId64
		                                " events, expected %" PRId64,
		                                acc->user + 1, acc->rows, want);
	return 0;
}

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long bench_peak_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}
