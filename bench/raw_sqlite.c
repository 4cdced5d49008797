/*
 * raw_sqlite.c - the benchmark's workload written by hand on sqlite3.
 *
 * Introduced with chapter 2's benchmark. This is the baseline the ORM is
 * measured against, written the way a careful hand would: each phase in one
 * transaction, each statement prepared once per phase and reused with
 * sqlite3_reset(), text bound without copies (SQLITE_STATIC), columns read
 * straight from the statement. The load phases send what chapter 4's lazy
 * and selectin loading send, by hand. The schema is the one the ORM's
 * create_all makes from the same models (see orm_side.c), written as DDL.
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

/* One event row of `st` (EVENT_COLUMNS) for user index `user`. */
static void add_row(bench_rows_acc *acc, const bench_config *cfg, int64_t user, sqlite3_stmt *st)
{
	bench_rows_add(acc, cfg, user, sqlite3_column_int64(st, 0),
	               (const char *)sqlite3_column_text(st, 2),
	               (const char *)sqlite3_column_text(st, 3), sqlite3_column_int64(st, 4));
}

/* Runs `events` (bound) to its end, adding its rows for user index `user`. */
static int add_rows(sqlite3 *db, bench_rows_acc *acc, const bench_config *cfg, int64_t user,
                    sqlite3_stmt *events)
{
	int step;

	while ((step = sqlite3_step(events)) == SQLITE_ROW)
		add_row(acc, cfg, user, events);
	sqlite3_reset(events);
	return step == SQLITE_DONE ? 0 : db_fail(db, "SELECT FROM events");
}

static int phase_query(sqlite3 *db, const bench_config *cfg, const int64_t *user_ids,
                       bench_rows_acc *acc)
{
	sqlite3_stmt *select = NULL;
	int rc = -1;

	if (exec(db, "BEGIN") < 0)
		goto done;
	if (prepare(&select, db,
	            "SELECT " EVENT_COLUMNS " FROM events WHERE organizer_id = ? AND "
	            "social_status = ? ORDER BY date_of") < 0)
		goto done;
	for (int64_t i = 0; i < cfg->users; i++) {
		sqlite3_bind_int64(select, 1, user_ids[i]);
		sqlite3_bind_text(select, 2, "public", 6, SQLITE_STATIC);
		if (add_rows(db, acc, cfg, i, select) < 0)
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

/* Lazy loading by hand (chapter 4's N+1): the users, then one SELECT of
 * each user's events. */
static int phase_load_lazy(sqlite3 *db, const bench_config *cfg, bench_rows_acc *acc)
{
	sqlite3_stmt *users = NULL, *events = NULL;
	int rc = -1, step;

	if (exec(db, "BEGIN") < 0)
		goto done;
	if (prepare(&users, db, "SELECT id, email FROM users") < 0 ||
	    prepare(&events, db, "SELECT " EVENT_COLUMNS " FROM events WHERE organizer_id = ?") < 0)
		goto done;
	while ((step = sqlite3_step(users)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(users, 0);
		(void)sqlite3_column_text(users, 1); /* the email, read as the ORM reads it */
		sqlite3_bind_int64(events, 1, id);
		if (add_rows(db, acc, cfg, id - 1, events) < 0)
			goto done;
	}
	if (step != SQLITE_DONE) {
		db_fail(db, "SELECT FROM users");
		goto done;
	}
	if (exec(db, "COMMIT") < 0)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(users);
	sqlite3_finalize(events);
	return rc;
}

/* "SELECT ... FROM events WHERE organizer_id IN (?, ?, ...)" for n ids. */
static char *in_list_sql(size_t n)
{
	static const char head[] = "SELECT " EVENT_COLUMNS " FROM events WHERE organizer_id IN (";
	char *sql = malloc(sizeof head + 3 * n + 2), *p;

	if (!sql)
		return NULL;
	p = sql + sprintf(sql, "%s", head);
	for (size_t k = 0; k < n; k++)
		p += sprintf(p, k ? ", ?" : "?");
	strcpy(p, ")");
	return sql;
}

/* Selectin loading by hand: the users, then their events with one
 * SELECT ... IN per BENCH_IN_BATCH users. */
static int phase_load_selectin(sqlite3 *db, const bench_config *cfg, bench_rows_acc *acc)
{
	sqlite3_stmt *users = NULL, *events = NULL;
	int64_t *ids = malloc((size_t)cfg->users * sizeof *ids), n = 0;
	size_t prepared_for = 0;
	char *sql = NULL;
	int rc = -1, step;

	if (!ids) {
		bench_fail(side, "out of memory");
		goto done;
	}
	if (exec(db, "BEGIN") < 0 || prepare(&users, db, "SELECT id, email FROM users") < 0)
		goto done;
	while ((step = sqlite3_step(users)) == SQLITE_ROW && n < cfg->users) {
		ids[n++] = sqlite3_column_int64(users, 0);
		(void)sqlite3_column_text(users, 1); /* the email, read as the ORM reads it */
	}
	if (step != SQLITE_DONE) {
		db_fail(db, "SELECT FROM users");
		goto done;
	}
	for (int64_t first = 0; first < n; first += BENCH_IN_BATCH) {
		size_t k = (size_t)(n - first < BENCH_IN_BATCH ? n - first : BENCH_IN_BATCH);
		if (k != prepared_for) {
			sqlite3_finalize(events);
			events = NULL;
			free(sql);
			if (!(sql = in_list_sql(k))) {
				bench_fail(side, "out of memory");
				goto done;
			}
			if (prepare(&events, db, sql) < 0)
				goto done;
			prepared_for = k;
		}
		for (size_t i = 0; i < k; i++)
			sqlite3_bind_int64(events, (int)i + 1, ids[first + (int64_t)i]);
		while ((step = sqlite3_step(events)) == SQLITE_ROW)
			add_row(acc, cfg, sqlite3_column_int64(events, 4) - 1, events);
		sqlite3_reset(events);
		if (step != SQLITE_DONE) {
			db_fail(db, "SELECT FROM events WHERE organizer_id IN");
			goto done;
		}
	}
	if (exec(db, "COMMIT") < 0)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(users);
	sqlite3_finalize(events);
	free(sql);
	free(ids);
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

/* The phases after insert, as bench_run_after_insert() runs them. */
static int op_get(void *db, const bench_config *cfg, int64_t *title_bytes)
{
	return phase_get(db, cfg, title_bytes);
}

static int op_query(void *db, const bench_config *cfg, const int64_t *user_ids, bench_rows_acc *acc)
{
	return phase_query(db, cfg, user_ids, acc);
}

static int op_update(void *db, const bench_config *cfg)
{
	return phase_update(db, cfg);
}

static int op_check_updates(void *db, const bench_config *cfg)
{
	return check_updates(db, cfg);
}

static int op_load(void *db, const bench_config *cfg, bench_phase phase, bench_rows_acc *acc)
{
	return phase == BENCH_LOAD_LAZY ? phase_load_lazy(db, cfg, acc)
	                                : phase_load_selectin(db, cfg, acc);
}

static const bench_side_ops ops = {side, op_get, op_query, op_update, op_check_updates, op_load};

int bench_raw_sqlite(bench_result *out, const bench_config *cfg, const char *path)
{
	sqlite3 *db = NULL;
	int64_t *user_ids = calloc((size_t)cfg->users, sizeof *user_ids);
	double t;
	int rc = -1;

	if (!user_ids) {
		bench_fail(side, "out of memory");
		goto done;
	}
	/* One thread uses the connection: no mutex around every call
	 * (SQLITE_OPEN_NOMUTEX), as the ORM's engine opens its connections. */
	if (sqlite3_open_v2(path, &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
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
	bench_record(out, BENCH_INSERT, t);
	out->users_counted = count_rows(db, "SELECT count(*) FROM users");
	out->events_counted = count_rows(db, "SELECT count(*) FROM events");
	if (cfg->check)
		for (int64_t i = 0; i < cfg->users; i++)
			if (user_ids[i] != i + 1) {
				bench_fail(side, "user %" PRId64 " got id %" PRId64, i,
				           user_ids[i]);
				goto done;
			}

	if (bench_run_after_insert(&ops, db, cfg, user_ids, out) < 0)
		goto done;

	if (exec(db, "DROP TABLE events") < 0 || exec(db, "DROP TABLE users") < 0)
		goto done;
	rc = 0;
done:
	sqlite3_close(db);
	free(user_ids);
	return rc;
}
