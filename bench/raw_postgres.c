/*
 * raw_postgres.c - the benchmark's workload written by hand on libpq.
 *
 * Introduced with chapter 2's benchmark. The baseline the ORM is measured
 * against on PostgreSQL, written the way a careful hand would:
 *   - every statement prepared once, when the connection is set up;
 *   - inserts and updates pipelined (PQenterPipelineMode,
 *     PQsendQueryPrepared), a sync every BATCH statements so neither
 *     side's buffers grow without bound, inside one transaction;
 *   - gets, queries and lazy loads as one PQexecPrepared each, waiting
 *     for each answer; the selectin load's IN lists with PQexecParams. (The get phase's ids are known in advance, so a hand could
 *     pipeline those reads too; the simple loop is what most code does,
 *     and what the ORM's get does.)
 * Results are read as text, as most libpq code does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "bench.h"

static const char side[] = "raw postgres";

/* Statements sent in a pipeline before a sync collects their results. */
#define BATCH 1000

/* What SQLAlchemy 2.0 (and our create_all) emits for the models: the
 * enum a type of its own, created before the table that uses it. */
static const char *const schema[] = {
    "CREATE TYPE socialstatus AS ENUM ('public', 'private')",
    "CREATE TABLE users (\n"
    "\tid SERIAL NOT NULL, \n"
    "\temail VARCHAR, \n"
    "\tPRIMARY KEY (id)\n"
    ")",
    "CREATE UNIQUE INDEX ix_users_email ON users (email)",
    "CREATE TABLE events (\n"
    "\tid SERIAL NOT NULL, \n"
    "\ttitle VARCHAR, \n"
    "\tdate_of DATE, \n"
    "\tsocial_status socialstatus, \n"
    "\torganizer_id INTEGER, \n"
    "\tPRIMARY KEY (id), \n"
    "\tFOREIGN KEY(organizer_id) REFERENCES users (id)\n"
    ")",
    "CREATE INDEX ix_events_title ON events (title)",
    "CREATE INDEX ix_events_organizer_id ON events (organizer_id)",
};

#define EVENT_COLUMNS "id, title, date_of, social_status, organizer_id"

static const struct {
	const char *name;
	const char *sql;
	int nparams;
} statements[] = {
    {"insert_user", "INSERT INTO users (email) VALUES ($1) RETURNING id", 1},
    {"insert_event",
     "INSERT INTO events (title, date_of, social_status, organizer_id) VALUES ($1, $2, $3, $4)", 4},
    {"get_event", "SELECT " EVENT_COLUMNS " FROM events WHERE id = $1", 1},
    {"query_events",
     "SELECT " EVENT_COLUMNS " FROM events WHERE organizer_id = $1 AND social_status = $2 "
     "ORDER BY date_of",
     2},
    {"rename_event", "UPDATE events SET title = $1 WHERE id = $2", 2},
    {"all_users", "SELECT id, email FROM users", 0},
    {"events_of_user", "SELECT " EVENT_COLUMNS " FROM events WHERE organizer_id = $1", 1},
};

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* "table does not exist, skipping" and the like */
}

static int pg_fail(PGconn *conn, const char *what)
{
	const char *msg = PQerrorMessage(conn);
	int len = (int)strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		len--;
	return bench_fail(side, "%s: %.*s", what, len, msg);
}

static int exec(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	return ok ? 0 : pg_fail(conn, sql);
}

static int64_t count_rows(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	int64_t n = -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else
		pg_fail(conn, sql);
	PQclear(res);
	return n;
}

/*
 * Ends a batch of `pending` pipelined statements: sends a sync and reads
 * one result per statement, each `want`, then the sync's. When `ids` is
 * given, the first column of each statement's one row goes there.
 */
static int drain(PGconn *conn, int64_t pending, ExecStatusType want, int64_t *ids)
{
	PGresult *res;
	int rc = 0;

	if (!PQpipelineSync(conn))
		return pg_fail(conn, "PQpipelineSync");
	for (int64_t k = 0; k < pending; k++) {
		res = PQgetResult(conn);
		if (!res)
			return bench_fail(side, "pipeline: result %" PRId64 " missing", k);
		if (PQresultStatus(res) != want) {
			if (rc == 0 && PQresultStatus(res) != PGRES_PIPELINE_ABORTED)
				rc = bench_fail(side, "pipelined statement: %s",
				                PQresultErrorMessage(res));
			rc = -1;
		} else if (ids) {
			ids[k] = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		}
		PQclear(res);
		res = PQgetResult(conn); /* NULL: the end of this statement's results */
		PQclear(res);
	}
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_PIPELINE_SYNC && rc == 0)
		rc = bench_fail(side, "pipeline: expected the sync's result");
	PQclear(res);
	return rc;
}

static int phase_insert(PGconn *conn, const bench_config *cfg, int64_t *user_ids)
{
	char title[64], organizer[32];
	const char *params[4];
	int64_t pending = 0, first = 0;

	if (exec(conn, "BEGIN") < 0 || !PQenterPipelineMode(conn))
		return pg_fail(conn, "BEGIN");
	for (int64_t i = 0; i < cfg->users; i++) {
		bench_user_email(title, sizeof title, i);
		params[0] = title;
		if (!PQsendQueryPrepared(conn, "insert_user", 1, params, NULL, NULL, 0))
			return pg_fail(conn, "INSERT INTO users");
		if (++pending == BATCH || i == cfg->users - 1) {
			if (drain(conn, pending, PGRES_TUPLES_OK, user_ids + first) < 0)
				return -1;
			first += pending;
			pending = 0;
		}
	}
	for (int64_t j = 0; j < cfg->events; j++) {
		bench_event_title(title, sizeof title, j);
		snprintf(organizer, sizeof organizer, "%" PRId64,
		         user_ids[bench_event_organizer(cfg, j)]);
		params[0] = title;
		params[1] = bench_event_date(j);
		params[2] = bench_event_status(j);
		params[3] = organizer;
		if (!PQsendQueryPrepared(conn, "insert_event", 4, params, NULL, NULL, 0))
			return pg_fail(conn, "INSERT INTO events");
		if (++pending == BATCH || j == cfg->events - 1) {
			if (drain(conn, pending, PGRES_COMMAND_OK, NULL) < 0)
				return -1;
			pending = 0;
		}
	}
	if (!PQexitPipelineMode(conn))
		return pg_fail(conn, "PQexitPipelineMode");
	return exec(conn, "COMMIT");
}

/* One event by primary key; under --check compared with the workload. */
static int read_event(PGconn *conn, const bench_config *cfg, int64_t id, bool renamed,
                      int64_t *title_bytes)
{
	char text[32];
	const char *params[1] = {text};
	int rc = 0;

	snprintf(text, sizeof text, "%" PRId64, id);
	PGresult *res = PQexecPrepared(conn, "get_event", 1, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_fail(conn, "SELECT FROM events");
	} else if (PQntuples(res) != 1) {
		rc = bench_fail(side, "event %" PRId64 " not found", id);
	} else {
		*title_bytes += PQgetlength(res, 0, 1);
		if (cfg->check)
			rc = bench_check_event(cfg, side, strtoll(PQgetvalue(res, 0, 0), NULL, 10),
			                       PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
			                       PQgetvalue(res, 0, 3),
			                       strtoll(PQgetvalue(res, 0, 4), NULL, 10), renamed);
	}
	PQclear(res);
	return rc;
}

static int phase_get(PGconn *conn, const bench_config *cfg, int64_t *title_bytes)
{
	if (exec(conn, "BEGIN") < 0)
		return -1;
	for (int64_t k = 0; k < cfg->gets; k++)
		if (read_event(conn, cfg, cfg->get_ids[k], false, title_bytes) < 0)
			return -1;
	return exec(conn, "COMMIT");
}

/* The event rows of `res` (EVENT_COLUMNS), each for the user whose index
 * is `user`, or, when `user` is negative, for its organizer. */
static void add_rows(bench_rows_acc *acc, const bench_config *cfg, int64_t user,
                     const PGresult *res)
{
	int n = PQntuples(res);
	for (int r = 0; r < n; r++) {
		int64_t organizer_id = strtoll(PQgetvalue(res, r, 4), NULL, 10);
		bench_rows_add(acc, cfg, user >= 0 ? user : organizer_id - 1,
		               strtoll(PQgetvalue(res, r, 0), NULL, 10), PQgetvalue(res, r, 2),
		               PQgetvalue(res, r, 3), organizer_id);
	}
}

/* Runs prepared `stmt` with `params` and adds its event rows for `user`. */
static int select_rows(PGconn *conn, bench_rows_acc *acc, const bench_config *cfg, int64_t user,
                       const char *stmt, int nparams, const char *const *params)
{
	PGresult *res = PQexecPrepared(conn, stmt, nparams, params, NULL, NULL, 0);
	int rc = 0;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		add_rows(acc, cfg, user, res);
	else
		rc = pg_fail(conn, "SELECT FROM events");
	PQclear(res);
	return rc;
}

static int phase_query(PGconn *conn, const bench_config *cfg, const int64_t *user_ids,
                       bench_rows_acc *acc)
{
	char text[32];
	const char *params[2] = {text, "public"};

	if (exec(conn, "BEGIN") < 0)
		return -1;
	for (int64_t i = 0; i < cfg->users; i++) {
		snprintf(text, sizeof text, "%" PRId64, user_ids[i]);
		if (select_rows(conn, acc, cfg, i, "query_events", 2, params) < 0)
			return -1;
	}
	return exec(conn, "COMMIT");
}

static int phase_update(PGconn *conn, const bench_config *cfg)
{
	char title[64], id[32];
	const char *params[2] = {title, id};
	int64_t title_bytes = 0, pending = 0;

	if (exec(conn, "BEGIN") < 0)
		return -1;
	/* Load every event first, as the ORM's session does before its flush;
	 * a connection in pipeline mode cannot run PQexecPrepared. */
	for (int64_t k = 0; k < cfg->updates; k++)
		if (read_event(conn, cfg, cfg->update_ids[k], false, &title_bytes) < 0)
			return -1;
	if (!PQenterPipelineMode(conn))
		return pg_fail(conn, "PQenterPipelineMode");
	for (int64_t k = 0; k < cfg->updates; k++) {
		snprintf(title, sizeof title, "renamed %" PRId64, cfg->update_ids[k]);
		snprintf(id, sizeof id, "%" PRId64, cfg->update_ids[k]);
		if (!PQsendQueryPrepared(conn, "rename_event", 2, params, NULL, NULL, 0))
			return pg_fail(conn, "UPDATE events");
		if (++pending == BATCH || k == cfg->updates - 1) {
			if (drain(conn, pending, PGRES_COMMAND_OK, NULL) < 0)
				return -1;
			pending = 0;
		}
	}
	if (!PQexitPipelineMode(conn))
		return pg_fail(conn, "PQexitPipelineMode");
	return exec(conn, "COMMIT");
}

/* The users' rows, read as the ORM reads them. NULL after printing why. */
static PGresult *select_users(PGconn *conn)
{
	PGresult *res = PQexecPrepared(conn, "all_users", 0, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	pg_fail(conn, "SELECT FROM users");
	PQclear(res);
	return NULL;
}

/* Lazy loading by hand (chapter 4's N+1): the users, then one SELECT of
 * each user's events. */
static int phase_load_lazy(PGconn *conn, const bench_config *cfg, bench_rows_acc *acc)
{
	PGresult *users;
	int rc = 0;

	if (exec(conn, "BEGIN") < 0 || !(users = select_users(conn)))
		return -1;
	for (int r = 0; r < PQntuples(users) && rc == 0; r++) {
		const char *id = PQgetvalue(users, r, 0);
		rc = select_rows(conn, acc, cfg, strtoll(id, NULL, 10) - 1, "events_of_user", 1,
		                 &id);
	}
	PQclear(users);
	return rc < 0 ? -1 : exec(conn, "COMMIT");
}

/* Selectin loading by hand: the users, then their events with one
 * SELECT ... IN per BENCH_IN_BATCH users, sent with PQexecParams (a list
 * shorter than the batch is another statement). */
static int phase_load_selectin(PGconn *conn, const bench_config *cfg, bench_rows_acc *acc)
{
	static const char head[] = "SELECT " EVENT_COLUMNS " FROM events WHERE organizer_id IN (";
	const char *params[BENCH_IN_BATCH];
	char sql[sizeof head + 8 * BENCH_IN_BATCH + 2];
	PGresult *users, *res;
	int n, rc = 0;

	if (exec(conn, "BEGIN") < 0 || !(users = select_users(conn)))
		return -1;
	n = PQntuples(users);
	for (int first = 0; first < n && rc == 0; first += BENCH_IN_BATCH) {
		int k = n - first < BENCH_IN_BATCH ? n - first : BENCH_IN_BATCH;
		char *p = sql + sprintf(sql, "%s", head);
		for (int i = 0; i < k; i++) {
			params[i] = PQgetvalue(users, first + i, 0);
			p += sprintf(p, i ? ", $%d" : "$%d", i + 1);
		}
		strcpy(p, ")");
		res = PQexecParams(conn, sql, k, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			add_rows(acc, cfg, -1, res);
		else
			rc = pg_fail(conn, "SELECT FROM events WHERE organizer_id IN");
		PQclear(res);
	}
	PQclear(users);
	return rc < 0 ? -1 : exec(conn, "COMMIT");
}

/* Not timed: the updated titles read back, and nothing else renamed. */
static int check_updates(PGconn *conn, const bench_config *cfg)
{
	int64_t title_bytes = 0;

	for (int64_t k = 0; k < cfg->updates; k++)
		if (read_event(conn, cfg, cfg->update_ids[k], true, &title_bytes) < 0)
			return -1;
	int64_t renamed =
	    count_rows(conn, "SELECT count(*) FROM events WHERE title LIKE 'renamed %'");
	if (renamed != cfg->updates)
		return bench_fail(side, "%" PRId64 " events renamed, expected %" PRId64, renamed,
		                  cfg->updates);
	return 0;
}

static int drop_tables(PGconn *conn)
{
	if (exec(conn, "DROP TABLE IF EXISTS events") < 0 ||
	    exec(conn, "DROP TABLE IF EXISTS users") < 0 ||
	    exec(conn, "DROP TYPE IF EXISTS socialstatus") < 0)
		return -1;
	return 0;
}

static int setup(PGconn *conn)
{
	PQsetNoticeProcessor(conn, quiet, NULL);
	if (drop_tables(conn) < 0 || exec(conn, "BEGIN") < 0)
		return -1;
	for (size_t k = 0; k < sizeof schema / sizeof schema[0]; k++)
		if (exec(conn, schema[k]) < 0)
			return -1;
	if (exec(conn, "COMMIT") < 0)
		return -1;
	for (size_t k = 0; k < sizeof statements / sizeof statements[0]; k++) {
		PGresult *res = PQprepare(conn, statements[k].name, statements[k].sql,
		                          statements[k].nparams, NULL);
		int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (!ok)
			return pg_fail(conn, statements[k].sql);
	}
	return 0;
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

static int run(PGconn *conn, bench_result *out, const bench_config *cfg, int64_t *user_ids)
{
	double t;

	if (setup(conn) < 0)
		return -1;

	t = bench_now();
	if (phase_insert(conn, cfg, user_ids) < 0)
		return -1;
	bench_record(out, BENCH_INSERT, t);
	out->users_counted = count_rows(conn, "SELECT count(*) FROM users");
	out->events_counted = count_rows(conn, "SELECT count(*) FROM events");
	if (cfg->check)
		for (int64_t i = 0; i < cfg->users; i++)
			if (user_ids[i] != i + 1)
				return bench_fail(side, "user %" PRId64 " got id %" PRId64, i,
				                  user_ids[i]);

	if (bench_run_after_insert(&ops, conn, cfg, user_ids, out) < 0)
		return -1;
	return drop_tables(conn);
}

int bench_raw_postgres(bench_result *out, const bench_config *cfg, const char *conninfo)
{
	int64_t *user_ids = calloc((size_t)cfg->users, sizeof *user_ids);
	PGconn *conn = PQconnectdb(conninfo);
	int rc = -1;

	if (!user_ids)
		bench_fail(side, "out of memory");
	else if (PQstatus(conn) != CONNECTION_OK)
		pg_fail(conn, "connect");
	else
		rc = run(conn, out, cfg, user_ids);
	PQfinish(conn);
	free(user_ids);
	return rc;
}
