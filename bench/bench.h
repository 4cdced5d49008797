/*
 * bench.h - the benchmark's shared parts: its options, the workload's data,
 * what each side reports, and the three sides that run the workload.
 *
 * Introduced with chapter 2 (the session). The benchmark runs the workload
 * of WORKLOAD.md (insert, get, query, update) twice on each database: once
 * through the ORM (orm_side.c) and once written by hand on the database's
 * own C API (raw_sqlite.c, raw_postgres.c), and prints the ratio ORM / raw
 * of each phase. bench.c is the harness: it runs each side in a child
 * process of its own, so the peak memory of each side is its own.
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

/* The phases, in the order they run. */
typedef enum bench_phase {
	BENCH_INSERT = 0,
	BENCH_GET,
	BENCH_QUERY,
	BENCH_UPDATE,
	BENCH_NPHASES,
} bench_phase;

/* "insert", "get", ... */
const char *bench_phase_name(bench_phase phase);

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
	int ok;                        /* 1 when every phase ran (and checked) */
	double seconds[BENCH_NPHASES]; /* wall-clock time of each phase */
	long peak_kib;                 /* VmHWM of the side's process */
	/* Summaries compared between the two sides (and, under --check,
	 * with what the workload says they must be). */
	int64_t users_counted, events_counted; /* rows after insert */
	int64_t query_rows;                    /* rows of the query phase */
	uint64_t query_hash;                   /* which events, per user */
	int64_t get_title_bytes;               /* sum of the titles' lengths */
} bench_result;

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
/* How many public events user i organizes. */
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
 * The query phase's summary: the events of each user (which ones, not in
 * which order: rows with equal dates may come in any order), folded into
 * one number both sides must agree on. Under --check, also whether each
 * user got exactly its public events in date order.
 */
typedef struct bench_query_acc {
	const char *side;
	int64_t user;    /* index of the user being read */
	int64_t rows;    /* of this user */
	uint64_t id_sum; /* of this user */
	char last_date[11];
	int failed; /* a check failed (already reported) */
	int64_t total_rows;
	uint64_t hash;
} bench_query_acc;

void bench_query_begin(bench_query_acc *acc, const char *side);
void bench_query_user(bench_query_acc *acc, int64_t user);
/* One row; `date` is only looked at under --check (may be NULL otherwise). */
void bench_query_row(bench_query_acc *acc, const bench_config *cfg, int64_t id, const char *date,
                     const char *status, int64_t organizer_id);
/* Ends the current user; under --check compares its count with the
 * workload's. Returns 0 or -1. */
int bench_query_user_end(bench_query_acc *acc, const bench_config *cfg);

/* ---- time and memory ------------------------------------------------ */

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);
/* This process's peak resident set (VmHWM) in KiB, or -1. */
long bench_peak_kib(void);

/* ---- the sides --------------------------------------------------------
 * Each runs in its own child process on an empty database: it creates the
 * schema (not timed), runs the four phases (timed), fills *out, and
 * returns 0, or -1 after printing why. `target` is a file path for raw
 * SQLite, a libpq connection string for raw PostgreSQL, and a library URL
 * for the ORM.
 */
int bench_raw_sqlite(bench_result *out, const bench_config *cfg, const char *path);
int bench_raw_postgres(bench_result *out, const bench_config *cfg, const char *conninfo);
int bench_orm(bench_result *out, const bench_config *cfg, const char *url);

#endif
