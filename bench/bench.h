/*
 * bench.h - the benchmark's shared parts: its options, the workload's data,
 * what each side reports, and the three sides that run the workload.
 *
 * Introduced with chapter 2 (the session); chapter 4 adds the load phases.
 * The benchmark runs the workload of bench/WORKLOAD.md (insert, get, query,
 * update, load) two ways on each database: through the ORM (orm_side.c)
 * and written by hand on the database's own C API (raw_sqlite.c,
 * raw_postgres.c), and prints the ratio ORM / raw of each phase. bench.c
 * is the harness: it runs each side in a child process of its own, so the
 * peak memory of each side is its own.
 *
 * The workload's data, the same on both sides (indexes from 0):
 *   user i    (0 <= i < users)   email "user<i>@example.com", id i + 1
 *   event j   (0 <= j < events)  title "event <j>", id j + 1,
 *                                date_of 2024-06-21 + (j mod 365) days,
 *                                social_status "public" for even j, "private" for odd,
 *                                organizer user (j mod users)
 * Ids are the database's (SERIAL / rowid on a fresh table): the checks
 * verify that event j really got id j + 1 and reads back as event j.
 */
#ifndef ORM_BENCH_H
#define ORM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The phases, in the order they run. The two load phases read every
 * user's events through the relationship (chapter 4), lazily (one SELECT
 * per user: the N+1 pattern) and with selectin (one SELECT ... IN for
 * many users); the raw sides send the same statements by hand. */
typedef enum bench_phase {
	BENCH_INSERT = 0,
	BENCH_GET,
	BENCH_QUERY,
	BENCH_UPDATE,
	BENCH_LOAD_LAZY,
	BENCH_LOAD_SELECTIN,
	BENCH_NPHASES,
} bench_phase;

/* "insert", "get", ..., "load_lazy", "load_selectin" */
const char *bench_phase_name(bench_phase phase);

/* Users whose events one SELECT ... IN of the selectin load asks for:
 * SQLAlchemy's batch, and the library's. */
#define BENCH_IN_BATCH 500

typedef struct bench_config {
	int64_t users;
	int64_t events;
	int64_t gets;
	int64_t updates;
	uint64_t seed;
	int64_t repeat; /* runs of each side; the best time of each phase is kept */
	bool check;     /* verify every result (--check); costs time, so not for measuring */
	/* Event ids looked up by the get phase and changed by the update
	 * phase: distinct within each list, drawn from `seed`. */
	int64_t *get_ids;
	int64_t *update_ids;
} bench_config;

/*
 * What a side sends back to the harness through its pipe. Fixed-size, so
 * it crosses the pipe as plain bytes (parent and child are one program).
 */
typedef struct bench_result {
	int ok;                        /* 1 when every phase it ran went well (and checked) */
	bool ran[BENCH_NPHASES];       /* which phases this side has */
	double seconds[BENCH_NPHASES]; /* wall-clock time of each phase */
	long peak_kib;                 /* VmHWM of the side's process */
	/* Summaries compared between the two sides (and, under --check,
	 * with what the workload says they must be). */
	int64_t users_counted, events_counted; /* rows after insert */
	int64_t get_title_bytes;               /* sum of the titles' lengths */
	int64_t rows[BENCH_NPHASES];           /* events read by query and load phases */
	uint64_t hash[BENCH_NPHASES];          /* which events, per user */
} bench_result;

/* Records that `phase` ran, from `start` (bench_now()) until now. */
void bench_record(bench_result *out, bench_phase phase, double start);

/* ---- the workload's data ------------------------------------------- */

/* "user<i>@example.com" into buf (at least 40 bytes). */
void bench_user_email(char *buf, size_t size, int64_t i);
/* "event <j>" into buf. */
void bench_event_title(char *buf, size_t size, int64_t j);
/* Event j's date, as "YYYY-MM-DD" (static, borrowed) and as numbers. */
const char *bench_event_date(int64_t j);
void bench_event_ymd(int64_t j, int *year, int *month, int *day);
/* "public" or "private". */
const char *bench_event_status(int64_t j);
bool bench_event_public(int64_t j);
/* Index (not id) of event j's organizer. */
int64_t bench_event_organizer(const bench_config *cfg, int64_t j);
/* How many events, and how many public ones, user i organizes. */
int64_t bench_user_events(const bench_config *cfg, int64_t i);
int64_t bench_user_public_events(const bench_config *cfg, int64_t i);

/* ---- checks --------------------------------------------------------- */

/* Prints "orm_bench: <side>: <message>" on stderr; returns -1, so a side
 * can write `return bench_fail(...)`. */
int bench_fail(const char *side, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Checks one event row as read back against what event (id - 1) must be.
 * `title` may be an updated title when `renamed` is true. Returns 0, or
 * bench_fail()'s -1 naming the column.
 */
int bench_check_event(const bench_config *cfg, const char *side, int64_t id, const char *title,
                      const char *date, const char *status, int64_t organizer_id, bool renamed);

/*
 * The summary of a phase that reads many users' events (query, load): for
 * each user, how many events and which (the sum of their ids: not in
 * which order, since rows with equal dates, or of a collection, may come
 * in any order), folded into one number both sides must agree on. Under
 * --check, also whether each user got exactly its events: the public ones
 * in date order for the query phase, all of them for the load phases.
 */
typedef struct bench_rows_acc {
	const char *side;
	bench_phase phase;
	int64_t *rows;    /* per user index */
	uint64_t *id_sum; /* per user index */
	int64_t last_user;
	char last_date[16];
	int failed; /* a check failed (already reported) */
} bench_rows_acc;

/* 0, or -1 when out of memory. */
int bench_rows_begin(bench_rows_acc *acc, const char *side, const bench_config *cfg,
                     bench_phase phase);
/* One event row read for user `user` (an index, not an id); `date` and
 * `status` are only looked at under --check (may be NULL otherwise). */
void bench_rows_add(bench_rows_acc *acc, const bench_config *cfg, int64_t user, int64_t id,
                    const char *date, const char *status, int64_t organizer_id);
/* Stores the summary in out->rows[phase] and out->hash[phase], checks the
 * counts under --check, and frees the accumulator. Returns 0 or -1. */
int bench_rows_end(bench_rows_acc *acc, const bench_config *cfg, bench_result *out);
/* Frees the accumulator (on an error path). Accepts one never begun. */
void bench_rows_free(bench_rows_acc *acc);

/* ---- the phases after insert, run the same way by every side -------- */

/*
 * What a side does in each phase after insert, on its own handle `db` (a
 * sqlite3 *, a PGconn *, an orm_sessionmaker *). Each returns 0, or -1
 * after reporting with bench_fail().
 */
typedef struct bench_side_ops {
	const char *name; /* "raw", "orm": for messages */
	int (*get)(void *db, const bench_config *cfg, int64_t *title_bytes);
	int (*query)(void *db, const bench_config *cfg, const int64_t *user_ids,
	             bench_rows_acc *acc);
	int (*update)(void *db, const bench_config *cfg);
	/* Under --check, after update: the renamed titles read back. */
	int (*check_updates)(void *db, const bench_config *cfg);
	/* BENCH_LOAD_LAZY or BENCH_LOAD_SELECTIN. */
	int (*load)(void *db, const bench_config *cfg, bench_phase phase, bench_rows_acc *acc);
} bench_side_ops;

/* Times get, query, update, load_lazy and load_selectin in that order into
 * `out`, checking and summing the rows the reading phases return. 0 or -1. */
int bench_run_after_insert(const bench_side_ops *ops, void *db, const bench_config *cfg,
                           const int64_t *user_ids, bench_result *out);

/* ---- time and memory ------------------------------------------------ */

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);
/* This process's peak resident set (VmHWM) in KiB, or -1. */
long bench_peak_kib(void);

/* ---- the sides --------------------------------------------------------
 * Each runs in its own child process on an empty database: it creates the
 * schema (not timed), runs the phases (timed), fills *out, and
 * returns 0, or -1 after printing why. `target` is a file path for raw
 * SQLite, a libpq connection string for raw PostgreSQL, and a library URL
 * for the ORM.
 */
int bench_raw_sqlite(bench_result *out, const bench_config *cfg, const char *path);
int bench_raw_postgres(bench_result *out, const bench_config *cfg, const char *conninfo);
int bench_orm(bench_result *out, const bench_config *cfg, const char *url);

#endif
