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
	static const char *const names[BENCH_NPHASES] = {"insert", "get",       "query",
	                                                 "update", "load_lazy", "load_selectin"};
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

int64_t bench_user_events(const bench_config *cfg, int64_t i)
{
	/* Events j = i, i + users, i + 2 * users, ... below cfg->events. */
	return i < cfg->events ? (cfg->events - 1 - i) / cfg->users + 1 : 0;
}

int64_t bench_user_public_events(const bench_config *cfg, int64_t i)
{
	/* The even ones of user i's events. With an even number of users
	 * they all have i's parity; with an odd one, parity alternates. */
	int64_t count = bench_user_events(cfg, i);
	if (cfg->users % 2 == 0)
		return i % 2 == 0 ? count : 0;
	return i % 2 == 0 ? (count + 1) / 2 : count / 2;
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

void bench_record(bench_result *out, bench_phase phase, double start)
{
	out->seconds[phase] = bench_now() - start;
	out->ran[phase] = true;
}

int bench_rows_begin(bench_rows_acc *acc, const char *side, const bench_config *cfg,
                     bench_phase phase)
{
	memset(acc, 0, sizeof *acc);
	acc->side = side;
	acc->phase = phase;
	acc->last_user = -1;
	acc->rows = calloc((size_t)cfg->users, sizeof *acc->rows);
	acc->id_sum = calloc((size_t)cfg->users, sizeof *acc->id_sum);
	if (!acc->rows || !acc->id_sum) {
		bench_rows_free(acc);
		return bench_fail(side, "out of memory");
	}
	return 0;
}

void bench_rows_free(bench_rows_acc *acc)
{
	free(acc->rows);
	free(acc->id_sum);
	acc->rows = NULL;
	acc->id_sum = NULL;
}

void bench_rows_add(bench_rows_acc *acc, const bench_config *cfg, int64_t user, int64_t id,
                    const char *date, const char *status, int64_t organizer_id)
{
	int64_t j = id - 1;
	bool query = acc->phase == BENCH_QUERY;

	if (user < 0 || user >= cfg->users) {
		if (!acc->failed)
			acc->failed = bench_fail(
			    acc->side, "rows for user %" PRId64 ", who does not exist", user + 1);
		return;
	}
	acc->rows[user]++;
	acc->id_sum[user] += (uint64_t)id;
	if (!cfg->check || acc->failed)
		return;
	if (j < 0 || j >= cfg->events || bench_event_organizer(cfg, j) != user ||
	    organizer_id != user + 1 || (query && !bench_event_public(j))) {
		acc->failed = bench_fail(acc->side,
		                         "%s of user %" PRId64 " returned event %" PRId64
		                         " (organizer_id %" PRId64 "), not one of its%s events",
		                         bench_phase_name(acc->phase), user + 1, id, organizer_id,
		                         query ? " public" : "");
		return;
	}
	if (!status || strcmp(status, bench_event_status(j)) != 0) {
		acc->failed =
		    bench_fail(acc->side, "%s returned event %" PRId64 " with social_status '%s'",
		               bench_phase_name(acc->phase), id, status ? status : "NULL");
		return;
	}
	if (!date || strcmp(date, bench_event_date(j)) != 0) {
		acc->failed = bench_fail(acc->side, "%s returned event %" PRId64 " dated '%s'",
		                         bench_phase_name(acc->phase), id, date ? date : "NULL");
		return;
	}
	/* The query phase reads one user at a time, ordered by date_of. */
	if (query && user == acc->last_user && strcmp(date, acc->last_date) < 0) {
		acc->failed = bench_fail(acc->side,
		                         "query of user %" PRId64
		                         " is not ordered by date_of: '%s' after '%s'",
		                         user + 1, date, acc->last_date);
		return;
	}
	acc->last_user = user;
	snprintf(acc->last_date, sizeof acc->last_date, "%s", date);
}

int bench_rows_end(bench_rows_acc *acc, const bench_config *cfg, bench_result *out)
{
	const uint64_t prime = 1099511628211u; /* FNV-1a */
	uint64_t hash = 14695981039346656037u;
	int64_t total = 0;
	int rc = acc->failed;

	for (int64_t i = 0; i < cfg->users; i++) {
		uint64_t words[3] = {(uint64_t)i, (uint64_t)acc->rows[i], acc->id_sum[i]};
		for (int w = 0; w < 3; w++)
			for (int b = 0; b < 8; b++)
				hash = (hash ^ ((words[w] >> (8 * b)) & 0xff)) * prime;
		total += acc->rows[i];
		if (cfg->check && rc == 0) {
			int64_t want = acc->phase == BENCH_QUERY ? bench_user_public_events(cfg, i)
			                                         : bench_user_events(cfg, i);
			if (acc->rows[i] != want)
				rc = bench_fail(acc->side,
				                "%s of user %" PRId64 " returned %" PRId64
				                " events, expected %" PRId64,
				                bench_phase_name(acc->phase), i + 1, acc->rows[i],
				                want);
		}
	}
	out->rows[acc->phase] = total;
	out->hash[acc->phase] = hash;
	bench_rows_free(acc);
	return rc;
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

/* ---- the phases after insert ---------------------------------------- */

/* A reading phase: its rows are summed (and checked) around the timing. */
static int rows_phase(const bench_side_ops *ops, void *db, const bench_config *cfg,
                      const int64_t *user_ids, bench_phase phase, bench_result *out)
{
	bench_rows_acc acc = {0};
	double t;
	int rc = -1;

	if (bench_rows_begin(&acc, ops->name, cfg, phase) < 0)
		goto done;
	t = bench_now();
	if ((phase == BENCH_QUERY ? ops->query(db, cfg, user_ids, &acc)
	                          : ops->load(db, cfg, phase, &acc)) < 0)
		goto done;
	bench_record(out, phase, t);
	rc = bench_rows_end(&acc, cfg, out);
done:
	bench_rows_free(&acc);
	return rc;
}

int bench_run_after_insert(const bench_side_ops *ops, void *db, const bench_config *cfg,
                           const int64_t *user_ids, bench_result *out)
{
	double t = bench_now();

	if (ops->get(db, cfg, &out->get_title_bytes) < 0)
		return -1;
	bench_record(out, BENCH_GET, t);
	if (rows_phase(ops, db, cfg, user_ids, BENCH_QUERY, out) < 0)
		return -1;
	t = bench_now();
	if (ops->update(db, cfg) < 0)
		return -1;
	bench_record(out, BENCH_UPDATE, t);
	if (cfg->check && ops->check_updates(db, cfg) < 0)
		return -1;
	if (rows_phase(ops, db, cfg, user_ids, BENCH_LOAD_LAZY, out) < 0 ||
	    rows_phase(ops, db, cfg, user_ids, BENCH_LOAD_SELECTIN, out) < 0)
		return -1;
	return 0;
}
