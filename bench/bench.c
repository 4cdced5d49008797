/*
 * bench.c - orm_bench: the ORM against hand-written C, phase by phase.
 *
 * Introduced with chapter 2's benchmark (`./workbook bench` runs it). For
 * each database it runs the workload of bench/WORKLOAD.md two ways: written
 * by hand on the database's own API (raw_sqlite.c, raw_postgres.c) and
 * through the ORM (orm_side.c), each side in a child process of its own
 * on an empty schema, so each side's peak memory (VmHWM) is its own. Both
 * sides run --repeat times (3), alternating which goes first, and each
 * phase's best time is kept. The children send their timings and result
 * summaries back through a pipe; this parent compares the summaries and
 * prints, exactly:
 *
 *     <database> <phase> orm=<seconds> raw=<seconds> ratio=<orm/raw>
 *     <database> memory orm_peak_kib=<n> raw_peak_kib=<n> ratio=<orm/raw>
 *
 * PostgreSQL: ORM_TEST_POSTGRES_URL when set, otherwise a throwaway server
 * started with tests/pg_server.sh and stopped at exit, errors and Ctrl-C
 * included. SQLite: a file in a fresh temporary directory.
 *
 * The exit status is 0 when every side ran and agreed, 1 otherwise; it
 * never depends on the times (the ctest test runs small sizes with --check).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#ifndef ORM_BENCH_SOURCE_DIR
#error "ORM_BENCH_SOURCE_DIR (the repository, for tests/pg_server.sh) must be defined"
#endif

static const char usage[] =
    "usage: orm_bench [--users N] [--events N] [--gets N] [--updates N]\n"
    "                 [--db sqlite|postgres|both] [--check] [--seed S] [--repeat N]\n"
    "\n"
    "Runs the workload described in bench/WORKLOAD.md (in the repository) through\n"
    "the ORM and through hand-written sqlite3/libpq code, and prints, per database\n"
    "and phase, the time of each and their ratio.\n"
    "  --users N     users to insert (1000)\n"
    "  --events N    events to insert (100000)\n"
    "  --gets N      events looked up by primary key (10000, at most --events)\n"
    "  --updates N   events renamed (10000, at most --events)\n"
    "  --db WHICH    sqlite, postgres or both (both)\n"
    "  --check       verify every result against the workload (slower; for tests)\n"
    "  --seed S      seed of the ids the get and update phases use (42)\n"
    "PostgreSQL: ORM_TEST_POSTGRES_URL, or a throwaway server from tests/pg_server.sh.\n";

/* ---- cleanup, also from a signal handler ------------------------------
 * Everything here is async-signal-safe (fork, execv, waitpid, unlink,
 * rmdir), so Ctrl-C still stops the server and removes the files. */

static pid_t parent_pid;
static char pg_dir[64];     /* the throwaway server's directory, when started */
static char sqlite_dir[64]; /* the SQLite files' directory, when made */
static char sqlite_path[96];

static void remove_sqlite_files(void)
{
	static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
	char path[128];

	if (!sqlite_path[0])
		return;
	for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
		/* strcpy/strcat are async-signal-safe in practice; snprintf is not. */
		strcpy(path, sqlite_path);
		strcat(path, suffixes[k]);
		unlink(path);
	}
}

static void stop_server(void)
{
	static const char script[] = ORM_BENCH_SOURCE_DIR "/tests/pg_server.sh";
	pid_t pid;

	if (!pg_dir[0])
		return;
	pid = fork();
	if (pid == 0) {
		char *argv[] = {"bash", (char *)script, "stop", pg_dir, NULL};
		execvp("bash", argv);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	rmdir(pg_dir); /* in case the server never got far enough to be stopped */
	pg_dir[0] = '\0';
}

static void cleanup(void)
{
	if (getpid() != parent_pid)
		return; /* a side's child exiting: the parent cleans up */
	stop_server();
	remove_sqlite_files();
	if (sqlite_dir[0])
		rmdir(sqlite_dir);
	sqlite_dir[0] = '\0';
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- options and ids ------------------------------------------------- */

static int parse_count(int64_t *out, const char *opt, const char *text, int64_t min)
{
	char *end;
	errno = 0;
	long long v = strtoll(text ? text : "", &end, 10);
	if (!text || errno || *end || end == text || v < min) {
		fprintf(stderr, "orm_bench: %s wants a number of at least %" PRId64 ", got '%s'\n",
		        opt, min, text ? text : "");
		return -1;
	}
	*out = v;
	return 0;
}

/* splitmix64 (Sebastiano Vigna's, public domain): small, fast, and the
 * same sequence everywhere for a seed. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/*
 * `count` distinct event ids in 1..events, drawn from *state. Distinct, so
 * every look-up goes to the database on both sides: a repeated id would be
 * answered by the ORM's identity map without any SQL, and flatter it.
 * Duplicates are rejected with a small open-addressing set.
 */
static int64_t *draw_ids(uint64_t *state, int64_t count, int64_t events)
{
	size_t cap = 16;
	while (cap < (size_t)count * 2)
		cap *= 2;
	int64_t *ids = malloc(((size_t)count + 1) * sizeof *ids);
	int64_t *set = calloc(cap, sizeof *set);

	if (!ids || !set) {
		free(ids);
		free(set);
		return NULL;
	}
	for (int64_t k = 0; k < count;) {
		int64_t id = (int64_t)(splitmix64(state) % (uint64_t)events) + 1;
		size_t h = (size_t)(id * 0x9e3779b97f4a7c15u) & (cap - 1);
		while (set[h] && set[h] != id)
			h = (h + 1) & (cap - 1);
		if (set[h])
			continue;
		set[h] = id;
		ids[k++] = id;
	}
	free(set);
	return ids;
}

/* ---- running a side in a child --------------------------------------- */

typedef int (*side_fn)(bench_result *out, const bench_config *cfg, const char *target);

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static size_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Runs `side` in a child process; its result in *out. 0 or -1. */
static int run_side(bench_result *out, side_fn side, const char *name, const bench_config *cfg,
                    const char *target)
{
	int fds[2], status = 0;
	pid_t pid;

	memset(out, 0, sizeof *out);
	if (pipe(fds) < 0) {
		perror("orm_bench: pipe");
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("orm_bench: fork");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		bench_result r;
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(fds[0]);
		memset(&r, 0, sizeof r);
		r.ok = side(&r, cfg, target) == 0;
		r.peak_kib = bench_peak_kib();
		if (write_all(fds[1], &r, sizeof r) < 0)
			r.ok = 0;
		close(fds[1]);
		/* exit(), not _exit(): stdio is flushed and, in a sanitizer
		 * build, the leak check runs on the side's own process. */
		exit(r.ok ? 0 : 1);
	}
	close(fds[1]);
	size_t got = read_all(fds[0], out, sizeof *out);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof *out || !out->ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			fprintf(stderr, "orm_bench: %s: killed by signal %d\n", name,
			        WTERMSIG(status));
		else
			fprintf(stderr, "orm_bench: %s side failed\n", name);
		return -1;
	}
	return 0;
}

/* The two sides' summaries must agree with each other and the workload. */
static int compare(const char *db, const bench_config *cfg, const bench_result *orm,
                   const bench_result *raw)
{
	int rc = 0;
	const bench_result *both[2] = {raw, orm};
	const char *names[2] = {"raw", "orm"};

	for (int s = 0; s < 2; s++) {
		if (both[s]->users_counted != cfg->users ||
		    both[s]->events_counted != cfg->events) {
			fprintf(stderr,
			        "orm_bench: %s %s: %" PRId64 " users and %" PRId64
			        " events after insert, expected %" PRId64 " and %" PRId64 "\n",
			        db, names[s], both[s]->users_counted, both[s]->events_counted,
			        cfg->users, cfg->events);
			rc = -1;
		}
	}
	for (int p = 0; p < BENCH_NPHASES; p++) {
		if (!orm->ran[p] || !raw->ran[p])
			continue;
		if (orm->rows[p] != raw->rows[p] || orm->hash[p] != raw->hash[p]) {
			fprintf(stderr,
			        "orm_bench: %s: the %s phase differs: orm read %" PRId64
			        " events, raw %" PRId64 " (or other events)\n",
			        db, bench_phase_name(p), orm->rows[p], raw->rows[p]);
			rc = -1;
		}
	}
	if (orm->get_title_bytes != raw->get_title_bytes) {
		fprintf(stderr,
		        "orm_bench: %s: the get phase differs: orm read %" PRId64
		        " bytes of titles, raw %" PRId64 "\n",
		        db, orm->get_title_bytes, raw->get_title_bytes);
		rc = -1;
	}
	return rc;
}

static double ratio(double orm, double raw)
{
	return raw > 0 ? orm / raw : 0.0;
}

static void print_results(const char *db, const bench_result *orm, const bench_result *raw)
{
	/* A phase only one side has (the ORM's, before its chapter) is left out. */
	for (int p = 0; p < BENCH_NPHASES; p++)
		if (orm->ran[p] && raw->ran[p])
			printf("%s %s orm=%.4f raw=%.4f ratio=%.2f\n", db, bench_phase_name(p),
			       orm->seconds[p], raw->seconds[p],
			       ratio(orm->seconds[p], raw->seconds[p]));
	printf("%s memory orm_peak_kib=%ld raw_peak_kib=%ld ratio=%.2f\n", db, orm->peak_kib,
	       raw->peak_kib, ratio((double)orm->peak_kib, (double)raw->peak_kib));
	fflush(stdout);
}

/* Keeps, phase by phase, the best time of `run` in *best, and the
 * highest peak memory. */
static void keep_best(bench_result *best, const bench_result *run, bool first)
{
	if (first) {
		*best = *run;
		return;
	}
	for (int p = 0; p < BENCH_NPHASES; p++)
		if (run->seconds[p] < best->seconds[p])
			best->seconds[p] = run->seconds[p];
	if (run->peak_kib > best->peak_kib)
		best->peak_kib = run->peak_kib;
}

/*
 * Runs both sides cfg->repeat times, alternating which goes first, and
 * prints the best time of each phase: on a shared machine other work only
 * ever adds time, and a round trip to a local server costs 20 or 90 us
 * depending on where the scheduler puts the two processes, so the best of
 * a few runs is the figure that repeats.
 */
static int run_database(const char *db, const bench_config *cfg, side_fn raw_side,
                        const char *raw_target, const char *orm_url)
{
	const char *raw_name = raw_side == bench_raw_sqlite ? "raw sqlite" : "raw postgres";
	bench_result raw, orm, best_raw, best_orm;

	memset(&best_raw, 0, sizeof best_raw);
	memset(&best_orm, 0, sizeof best_orm);

	for (int64_t r = 0; r < cfg->repeat; r++) {
		for (int k = 0; k < 2; k++) {
			bool orm_turn = (k == 1) == (r % 2 == 0);
			if (raw_side == bench_raw_sqlite)
				remove_sqlite_files();
			if (orm_turn ? run_side(&orm, bench_orm, "orm", cfg, orm_url) < 0
			             : run_side(&raw, raw_side, raw_name, cfg, raw_target) < 0)
				return -1;
		}
		if (compare(db, cfg, &orm, &raw) < 0)
			return -1;
		keep_best(&best_raw, &raw, r == 0);
		keep_best(&best_orm, &orm, r == 0);
	}
	print_results(db, &best_orm, &best_raw);
	return 0;
}

/* ---- the databases ---------------------------------------------------- */

static int run_sqlite(const bench_config *cfg)
{
	char url[128];

	strcpy(sqlite_dir, "/tmp/orm-bench-XXXXXX");
	if (!mkdtemp(sqlite_dir)) {
		perror("orm_bench: mkdtemp");
		sqlite_dir[0] = '\0';
		return -1;
	}
	snprintf(sqlite_path, sizeof sqlite_path, "%s/bench.db", sqlite_dir);
	snprintf(url, sizeof url, "sqlite:///%s", sqlite_path);
	int rc = run_database("sqlite", cfg, bench_raw_sqlite, sqlite_path, url);
	remove_sqlite_files();
	return rc;
}

/* Starts the throwaway server; its URL in buf. */
static int start_server(char *buf, size_t size)
{
	char command[512];
	FILE *p;

	strcpy(pg_dir, "/tmp/orm-bench-pg-XXXXXX");
	if (!mkdtemp(pg_dir)) {
		perror("orm_bench: mkdtemp");
		pg_dir[0] = '\0';
		return -1;
	}
	snprintf(command, sizeof command, "bash '%s/tests/pg_server.sh' start '%s'",
	         ORM_BENCH_SOURCE_DIR, pg_dir);
	fflush(stdout);
	if (!(p = popen(command, "r"))) {
		perror("orm_bench: popen");
		return -1;
	}
	buf[0] = '\0';
	while (fgets(buf, (int)size, p))
		; /* the URL is the last line */
	int status = pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
	if (status != 0 || strncmp(buf, "postgresql://", 13) != 0) {
		fprintf(stderr, "orm_bench: could not start a PostgreSQL server in %s\n", pg_dir);
		return -1;
	}
	return 0;
}

static int run_postgres(const bench_config *cfg)
{
	const char *env = getenv("ORM_TEST_POSTGRES_URL");
	char url[512], conninfo[512];

	if (env && env[0]) {
		snprintf(url, sizeof url, "%s", env);
	} else {
		fprintf(stderr, "orm_bench: ORM_TEST_POSTGRES_URL is not set: starting a "
		                "throwaway PostgreSQL server\n");
		if (start_server(url, sizeof url) < 0)
			return -1;
	}
	/* libpq does not know SQLAlchemy's "+driver" part of a URL. */
	const char *plus = strchr(url, '+'), *scheme_end = strstr(url, "://");
	if (plus && scheme_end && plus < scheme_end)
		snprintf(conninfo, sizeof conninfo, "%.*s%s", (int)(plus - url), url, scheme_end);
	else
		snprintf(conninfo, sizeof conninfo, "%s", url);
	int rc = run_database("postgres", cfg, bench_raw_postgres, conninfo, url);
	stop_server();
	return rc;
}

int main(int argc, char **argv)
{
	bench_config cfg = {.users = 1000,
	                    .events = 100000,
	                    .gets = 10000,
	                    .updates = 10000,
	                    .seed = 42,
	                    .repeat = 3};
	const char *db = "both";
	int64_t seed = 42;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r = 0;
		if (strcmp(a, "--users") == 0)
			r = parse_count(&cfg.users, a, v, 1), i++;
		else if (strcmp(a, "--events") == 0)
			r = parse_count(&cfg.events, a, v, 1), i++;
		else if (strcmp(a, "--gets") == 0)
			r = parse_count(&cfg.gets, a, v, 0), i++;
		else if (strcmp(a, "--updates") == 0)
			r = parse_count(&cfg.updates, a, v, 0), i++;
		else if (strcmp(a, "--repeat") == 0)
			r = parse_count(&cfg.repeat, a, v, 1), i++;
		else if (strcmp(a, "--seed") == 0)
			r = parse_count(&seed, a, v, 0), i++;
		else if (strcmp(a, "--db") == 0 && v &&
		         (!strcmp(v, "sqlite") || !strcmp(v, "postgres") || !strcmp(v, "both")))
			db = v, i++;
		else if (strcmp(a, "--check") == 0)
			cfg.check = true;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "orm_bench: unknown or incomplete option '%s'\n%s", a,
			        usage);
			return 2;
		}
		if (r < 0)
			return 2;
	}
	if (cfg.gets > cfg.events || cfg.updates > cfg.events) {
		fprintf(stderr,
		        "orm_bench: --gets and --updates must be at most --events (%" PRId64 ")\n",
		        cfg.events);
		return 2;
	}
	cfg.seed = (uint64_t)seed;
	uint64_t state = cfg.seed;
	cfg.get_ids = draw_ids(&state, cfg.gets, cfg.events);
	cfg.update_ids = draw_ids(&state, cfg.updates, cfg.events);
	if (!cfg.get_ids || !cfg.update_ids) {
		fprintf(stderr, "orm_bench: out of memory\n");
		return 1;
	}

	parent_pid = getpid();
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	if (strcmp(db, "postgres") != 0 && run_sqlite(&cfg) < 0)
		rc = 1;
	if (strcmp(db, "sqlite") != 0 && run_postgres(&cfg) < 0)
		rc = 1;
	free(cfg.get_ids);
	free(cfg.update_ids);
	return rc;
}
