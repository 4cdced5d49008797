/*
 * raw_sqlite.c - the benchmark's workload written by hand on sqlite3.
 *
 * Introduced with chapter 2's benchmark. This is the baseline the ORM is
 * measured against, written the way a careful hand would: each phase in one
 * transaction, each statement prepared once per phase and reused with
 * sqlite3_reset(), text bound without copies (SQLITE_STATIC), columns read
 * straight from the statement. The schema is the one the ORM's create_all
 * makes from the same models (see orm_side.c), written out as DDL.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bench.h"

static const char side[] = "raw sqlite";

/* What SQLAlchemy 2.0 (and our create_all) emits for the models: the
 * enum as a VARCHAR as long as its longest label, with a CHECK. */
static const char *const schema[] = {
    "CREATE TABLE users (\n"
    "\tid INTEGER NOT NULL, \n"
    "\temail VARCHAR, \n"
    "\tPRIMARY KEY (id)\n"
    ")",
    "CREATE UNIQUE INDEX ix_users_email ON users (email)",
    "CREATE TABLE events (\n"
    "\tid INTEGER NOT NULL, \n"
    "\ttitle VARCHAR, \n"
    "\tdate_of DATE, \n"
    "\tsocial_status VARCHAR(7), \n"
    "\torganizer_id INTEGER, \n"
    "\tPRIMARY KEY (id), \n"
    "\tCONSTRAINT socialstatus CHECK (social_status IN ('public', 'private')), \n"
    "\tFOREIGN KEY(organizer_id) REFERENCES users (id)\n"
    ")",
    "CREATE INDEX ix_events_title ON events (title)",
    "CREATE INDEX ix_events_organizer_id ON events (organizer_id)",
};

#define EVENT_COLUMNS "id, title, date_of, social_status, organizer_id"

static int db_fail(sqlite3 *db, const char *what)
{
	return bench_fail(side, "%s: %s", what, sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, sql);
	return 0;
}

static int prepare(sqlite3_stmt **out, sqlite3 *db, const char *sql)
{
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK)
		return db_fail(db, sql);
	return 0;
}

static int64_t count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (prepare(&st, db, sql) == 0 && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int phase_insert(sqlite3 *db, const bench_config *cfg, int64_t *user_ids)
{
	sqlite3_stmt *user = NULL, *event = NULL;
	char buf[64];
	int rc = -1;

	if (exec(db, "BEGIN") < 0)
		goto done;
	if (prepare(&user, db, "INSERT INTO users (email) VALUES (?)") < 0)
		goto done;
	for (int64_t i = 0; i < cfg->users; i++) {
		bench_user_email(buf, sizeof buf, i);
		sqlite3_bind_text(user, 1, buf, -1, SQLITE_STATIC);
		if (sqlite3_step(user) != SQLITE_DONE) {
			db_fail(db, "INSERT INTO users");
			goto done;
		}
		user_ids[i] = sqlite3_last_insert_rowid(db);
		sqlite3_reset(user);
	}
	if (prepare(&event, db,
	            "INSERT INTO events (title, date_of, social_status, organizer_id) "
	            "VALUES (?, ?, ?, ?)") < 0)
		goto done;
	for (int64_t j = 0; j < cfg->events; j++) {
		bench_event_title(buf, sizeof buf, j);
		sqlite3_bind_text(event, 1, buf, -1, SQLITE_STATIC);
		sqlite3_bind_text(event, 2, bench_event_date(j), 10, SQLITE_STATIC);
		sqlite3_bind_text(event, 3, bench_event_status(j), -1, SQLITE_STATIC);
		sqlite3_bind_int64(event, 4, user_ids[bench_event_organizer(cfg, j)]);
		if (sqlite3_step(event) != SQLITE_DONE) {
			db_fail(db, "INSERT INTO events");
			goto done;
		}
		sqlite3_reset(event);
	}
	if (exec(db, "COMMIT") < 0)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(user);
	sqlite3_finalize(event);
	return rc;
}

/* Steps `select` (bound to `id`) to its one row; under --check compares
 * it with the workload. Adds the title's length to *title_bytes. */
static int read_event(sqlite3 *db, sqlite3_stmt *select, const bench_config *cfg, int64_t id,
                      bool renamed, int64_t *title_bytes)
{
	sqlite3_bind_int64(select, 1, id);
	int step = sqlite3_step(select);
	if (step == SQLITE_DONE)
		return bench_fail(side, "event %" PRId64 " not found", id);
	if (step != SQLITE_ROW)
		return db_fail(db, "SELECT FROM events");
	const char *title = (const char *)sqlite3_column_text(select, 1);
	*title_bytes += sqlite3_column_bytes(select, 1);
	if (cfg->check && bench_check_event(cfg, side, sqlite3_column_int64(select, 0), title,
	                                    (const char *)sqlite3_column_text(select, 2),
	                                    (const char *)sqlite3_column_text(select, 3),
	                                    sqlite3_column_int64(select, 4), renamed) < 0)
		return -1;
	sqlite3_reset(select);
	return 0;
}

static int phase_get(sqlite3 *db, const bench_config *cfg, int64_t *title_bytes)
{
	sqlite3_stmt *select = NULL;
	int rc = -1;

	if (exec(db, "BEGIN") < 0)
		goto done;
	if (prepare(&select, db, "SELECT " EVENT_COLUMNS " FROM events WHERE id = ?") < 0)
		goto done;
	for (int64_t k = 0; k < cfg->gets; k++)
		if (read_event(db, select, cfg, cfg->get_ids[k], false, title_bytes) < 0)
			goto done;
	if (exec(db, "COMMIT") < 0)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(select);
	return rc;
}

static int phase_query(sqlite3 *db, const bench_config *cfg, const int64_t *user_ids,
                       bench_query_acc *acc)
{
	sqlite3_stmt *select = NULL;
	int rc = -1, step;

	if (exec(db, "BEGIN") < 0)
		goto done;
	if (prepare(&select, db,
	            "SELECT " EVENT_COLUMNS " FROM events WHERE organizer_id = ? AND "
	            "social_status = ? ORDER BY date_of") < 0)
		goto done;
	for (int64_t i = 0; i < cfg->users; i++) {
		bench_query_user(acc, i);
		sqlite3_bind_int64(select, 1, user_ids[i]);
		sqlite3_bind_text(select, 2, "public", 6, SQLITE_STATIC);
		while ((step = sqlite3_step(select)) == SQLITE_ROW)
			bench_query_row(acc, cfg, sqlite3_column_int64(select, 0),
			                (const char *)sqlite3_column_text(select, 2),
			                (const char *)sqlite3_column_text(select, 3),
			                sqlite3_column_int64(select, 4));
		if (step != SQLITE_DONE) {
			db_fail(db, "SELECT FROM events WHERE organizer_id");
			goto done;
		}
		sqlite3_reset(select);
		if (bench_query_user_end(acc, cfg) < 0)
			goto done;
	}
	if (exec(db, "COMMIT") < 0)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(select);
	return rc;
}

static int phase_update(sqlite3 *db, const bench_config *cfg)
{
	sqlite3_stmt *select = NULL, *update = NULL;
	int64_t title_bytes = 0;
	char buf[64];
	int rc = -1;

	if (exec(db, "BEGIN") < 0)
		goto done;
	if (prepare(&select, db, "SELECT " EVENT_COLUMNS " FROM events WHERE id = ?") < 0 ||
	    prepare(&update, db, "UPDATE events SET title = ? WHERE id = ?") < 0)
		goto done;
	for (int64_t k = 0; k < cfg->updates; k++) {
		int64_t id = cfg->update_ids[k];
		if (read_event(db, select, cfg, id, false, &title_bytes) < 0)
			goto done;
		snprintf(buf, sizeof buf, "renamed %" PRId64, id);
		sqlite3_bind_text(update, 1, buf, -1, SQLITE_STATIC);
		sqlite3_bind_int64(update, 2, id);
		if (sqlite3_step(update) != SQLITE_DONE) {
			db_fail(db, "UPDATE events");
			goto done;
		}
		sqlite3_reset(update);
	}
	if (exec(db, "COMMIT") < 0)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(select);
	sqlite3_finalize(update);
	return rc;
}

/* Not timed: the updated titles read back, and nothing else renamed. */
static int check_updates(sqlite3 *db, const bench_config *cfg)
{
	sqlite3_stmt *select = NULL;
	int64_t title_bytes = 0;
	int rc = -1;

	if (prepare(&select, db, "SELECT " EVENT_COLUMNS " FROM events WHERE id = ?") < 0)
		goto done;
	for (int64_t k = 0; k < cfg->updates; k++)
		if (read_event(db, select, cfg, cfg->update_ids[k], true, &title_bytes) < 0)
			goto done;
	int64_t renamed =
	    count_rows(db, "SELECT count(*) FROM events WHERE title LIKE 'renamed %'");
	if (renamed != cfg->updates) {
		bench_fail(side, "%" PRId64 " events renamed, expected %" PRId64, renamed,
		           cfg->updates);
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(select);
	return rc;
}

int bench_raw_sqlite(bench_result *out, const bench_config *cfg, const char *path)
{
	sqlite3 *db = NULL;
	int64_t *user_ids = calloc((size_t)cfg->users, sizeof *user_ids);
	bench_query_acc acc;
	double t;
	int rc = -1;

	if (!user_ids) {
		bench_fail(side, "out of memory");
		goto done;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		db_fail(db, path);
		goto done;
	}
	/* As the ORM's engine does on every SQLite connection. */
	if (exec(db, "PRAGMA foreign_keys = ON") < 0 ||
	    exec(db, "DROP TABLE IF EXISTS events") < 0 ||
	    exec(db, "DROP TABLE IF EXISTS users") < 0 || exec(db, "BEGIN") < 0)
		goto done;
	for (size_t k = 0; k < sizeof schema / sizeof schema[0]; k++)
		if (exec(db, schema[k]) < 0)
			goto done;
	if (exec(db, "COMMIT") < 0)
		goto done;

	t = bench_now();
	if (phase_insert(db, cfg, user_ids) < 0)
		goto done;
	out->seconds[BENCH_INSERT] = bench_now() - t;
	out->users_counted = count_rows(db, "SELECT count(*) FROM users");
	out->events_counted = count_rows(db, "SELECT count(*) FROM events");
	if (cfg->check)
		for (int64_t i = 0; i < cfg->users; i++)
			if (user_ids[i] != i + 1) {
				bench_fail(side, "user %" PRId64 " got id %" PRId64, i,
				           user_ids[i]);
				goto done;
			}

	t = bench_now();
	if (phase_get(db, cfg, &out->get_title_bytes) < 0)
		goto done;
	out->seconds[BENCH_GET] = bench_now() - t;

	bench_query_begin(&acc, side);
	t = bench_now();
	if (phase_query(db, cfg, user_ids, &acc) < 0)
		goto done;
	out->seconds[BENCH_QUERY] = bench_now() - t;
	out->query_rows = acc.total_rows;
	out->query_hash = acc.hash;

	t = bench_now();
	if (phase_update(db, cfg) < 0)
		goto done;
	out->seconds[BENCH_UPDATE] = bench_now() - t;
	if (cfg->check && check_updates(db, cfg) < 0)
		goto done;

	if (exec(db, "DROP TABLE events") < 0 || exec(db, "DROP TABLE users") < 0)
		goto done;
	rc = 0;
done:
	sqlite3_close(db);
	free(user_ids);
	return rc;
}
