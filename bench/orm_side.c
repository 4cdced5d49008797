/*
 * orm_side.c - the benchmark's workload through the ORM.
 *
 * Introduced with chapter 2's benchmark. The write-up's two models, with
 * organizer_id indexed as bench/WORKLOAD.md asks, and the phases written as a
 * learner would write them after chapters 2 to 5: objects made with
 * orm_object_new() and added to a session, get by primary key, a query
 * with where and order by, fields changed in place and the session
 * committed, relationships loaded. Each phase uses a fresh session, so the
 * identity map never answers for the database.
 *
 * The models are the write-up's, finished: User.events and
 * Event.organizer are chapter 4's relationship (back_populates), so the
 * insert phase sets event->organizer, as `event.organizer = user` does in
 * Python, and the flush fills organizer_id; the load phases read each
 * user's events through it, lazily and with selectin. social_status is
 * chapter 5's Enum: a C enum in the struct, the label in the database.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/alloc.h"
#include "orm/engine.h"
#include "orm/relationship.h"
#include "orm/schema.h"
#include "orm/session.h"

#include "bench.h"

static const char side[] = "orm";

typedef struct User {
	int64_t id;
	char *email;
	orm_collection events; /* this user's events (Event.organizer's other side) */
} User;

typedef enum SocialStatus {
	SOCIAL_PUBLIC,
	SOCIAL_PRIVATE,
} SocialStatus;

static const char *const social_status_labels[] = {
    [SOCIAL_PUBLIC] = "public",
    [SOCIAL_PRIVATE] = "private",
};

static const orm_enum SocialStatus_type = {"socialstatus", social_status_labels,
                                           ORM_COUNTOF(social_status_labels)};

typedef struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	SocialStatus social_status;
	int64_t organizer_id;
	User *organizer;
} Event;

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};

static const orm_relationship user_relationships[] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer"),
};

static const orm_model User_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", user_columns, user_relationships);

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE),
    ORM_COLUMN(Event, social_status, ORM_ENUM, .enum_type = &SocialStatus_type),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id", .index = true),
};

static const orm_relationship event_relationships[] = {
    ORM_RELATIONSHIP(Event, organizer, "User", .back_populates = "events"),
};

static const orm_model Event_model =
    ORM_MODEL_WITH_RELATIONSHIPS(Event, "events", event_columns, event_relationships);

static int orm_fail(int rc, const char *what)
{
	bench_fail(side, "%s: %s (%s)", what, orm_error_last(), orm_strerror(rc));
	return -1;
}

static void format_date(char *buf, size_t size, orm_date d)
{
	snprintf(buf, size, "%04d-%02d-%02d", d.year, d.month, d.day);
}

/* The label the event's status is stored as; NULL for SQL NULL. */
static const char *status_label(const Event *e)
{
	if (orm_is_null(e, "social_status"))
		return NULL;
	return (unsigned)e->social_status < ORM_COUNTOF(social_status_labels)
	           ? social_status_labels[e->social_status]
	           : "(not a SocialStatus)";
}

/* Under --check, an event as loaded, compared with the workload. */
static int check_event(const bench_config *cfg, const Event *e, bool renamed)
{
	char date[16];
	format_date(date, sizeof date, e->date_of);
	return bench_check_event(cfg, side, e->id, e->title, date, status_label(e), e->organizer_id,
	                         renamed);
}

static int phase_insert(orm_sessionmaker *maker, const bench_config *cfg, int64_t *user_ids,
                        int64_t *event_ids)
{
	orm_session *session = NULL;
	User **users = NULL;
	Event **events = NULL;
	char buf[64];
	int rc;

	users = malloc((size_t)cfg->users * sizeof *users);
	if (cfg->check)
		events = malloc((size_t)cfg->events * sizeof *events);
	if (!users || (cfg->check && !events)) {
		rc = bench_fail(side, "out of memory");
		goto done;
	}
	if ((rc = orm_session_open(&session, maker)) < 0) {
		orm_fail(rc, "open session");
		goto done;
	}
	for (int64_t i = 0; i < cfg->users; i++) {
		User *u = orm_object_new(&User_model);
		bench_user_email(buf, sizeof buf, i);
		if (!u || (rc = orm_set_text(&u->email, buf)) < 0 ||
		    (rc = orm_session_add(session, u)) < 0) {
			orm_object_free(u);
			rc = u ? orm_fail(rc, "add user") : bench_fail(side, "out of memory");
			goto done;
		}
		users[i] = u;
	}
	for (int64_t j = 0; j < cfg->events; j++) {
		Event *e = orm_object_new(&Event_model);
		if (!e) {
			rc = bench_fail(side, "out of memory");
			goto done;
		}
		bench_event_title(buf, sizeof buf, j);
		bench_event_ymd(j, &e->date_of.year, &e->date_of.month, &e->date_of.day);
		e->social_status = bench_event_public(j) ? SOCIAL_PUBLIC : SOCIAL_PRIVATE;
		e->organizer = users[bench_event_organizer(cfg, j)];
		if ((rc = orm_set_text(&e->title, buf)) < 0 ||
		    (rc = orm_session_add(session, e)) < 0) {
			orm_object_free(e);
			orm_fail(rc, "add event");
			goto done;
		}
		if (events)
			events[j] = e;
	}
	if ((rc = orm_session_commit(session)) < 0) {
		orm_fail(rc, "commit");
		goto done;
	}
	for (int64_t i = 0; i < cfg->users; i++)
		user_ids[i] = users[i]->id;
	if (events)
		for (int64_t j = 0; j < cfg->events; j++)
			event_ids[j] = events[j]->id;
done:
	orm_session_close(session);
	free(users);
	free(events);
	return rc < 0 ? -1 : 0;
}

static int phase_get(orm_sessionmaker *maker, const bench_config *cfg, int64_t *title_bytes)
{
	orm_session *session = NULL;
	int rc;

	if ((rc = orm_session_open(&session, maker)) < 0) {
		orm_fail(rc, "open session");
		goto done;
	}
	for (int64_t k = 0; k < cfg->gets; k++) {
		Event *e;
		if ((rc = orm_session_get((void **)&e, session, &Event_model,
		                          orm_int(cfg->get_ids[k]))) < 0) {
			orm_fail(rc, "get event");
			goto done;
		}
		*title_bytes += (int64_t)strlen(e->title);
		if (cfg->check && (rc = check_event(cfg, e, false)) < 0)
			goto done;
	}
done:
	orm_session_close(session);
	return rc < 0 ? -1 : 0;
}

static int phase_query(orm_sessionmaker *maker, const bench_config *cfg, const int64_t *user_ids,
                       bench_rows_acc *acc)
{
	orm_session *session = NULL;
	orm_query *query = NULL;
	void **rows = NULL;
	size_t n;
	char date[16] = "";
	int rc;

	if ((rc = orm_session_open(&session, maker)) < 0) {
		orm_fail(rc, "open session");
		goto done;
	}
	for (int64_t i = 0; i < cfg->users; i++) {
		if ((rc = orm_query_new(&query, session, &Event_model)) < 0) {
			orm_fail(rc, "query");
			goto done;
		}
		orm_query_where(query, "organizer_id", "=", orm_int(user_ids[i]));
		orm_query_where(query, "social_status", "=", orm_int(SOCIAL_PUBLIC));
		orm_query_order_by(query, "date_of", ORM_ASC);
		if ((rc = orm_query_all(&rows, &n, query)) < 0) {
			orm_fail(rc, "query events of a user");
			goto done;
		}
		for (size_t r = 0; r < n; r++) {
			const Event *e = rows[r];
			const char *status = NULL;
			if (cfg->check) {
				format_date(date, sizeof date, e->date_of);
				status = status_label(e);
			}
			bench_rows_add(acc, cfg, i, e->id, date, status, e->organizer_id);
		}
		orm_free(rows);
		rows = NULL;
		orm_query_free(query);
		query = NULL;
	}
done:
	orm_free(rows);
	orm_query_free(query);
	orm_session_close(session);
	return rc < 0 ? -1 : 0;
}

static int phase_update(orm_sessionmaker *maker, const bench_config *cfg)
{
	orm_session *session = NULL;
	char buf[64];
	int rc;

	if ((rc = orm_session_open(&session, maker)) < 0) {
		orm_fail(rc, "open session");
		goto done;
	}
	for (int64_t k = 0; k < cfg->updates; k++) {
		int64_t id = cfg->update_ids[k];
		Event *e;
		if ((rc = orm_session_get((void **)&e, session, &Event_model, orm_int(id))) < 0) {
			orm_fail(rc, "get event");
			goto done;
		}
		snprintf(buf, sizeof buf, "renamed %" PRId64, id);
		if ((rc = orm_set_text(&e->title, buf)) < 0) {
			orm_fail(rc, "set title");
			goto done;
		}
	}
	if ((rc = orm_session_commit(session)) < 0)
		orm_fail(rc, "commit");
done:
	orm_session_close(session);
	return rc < 0 ? -1 : 0;
}

/*
 * Every user's events through the relationship: the users with one query,
 * then, lazily, one orm_session_load() per user (the N+1 pattern chapter 4
 * shows), or all their events at once with the query option ORM_SELECTIN.
 */
static int phase_load(orm_sessionmaker *maker, const bench_config *cfg, orm_loading loading,
                      bench_rows_acc *acc)
{
	orm_session *session = NULL;
	orm_query *query = NULL;
	void **users = NULL;
	size_t n;
	char date[16] = "";
	int rc;

	if ((rc = orm_session_open(&session, maker)) < 0 ||
	    (rc = orm_query_new(&query, session, &User_model)) < 0 ||
	    (loading == ORM_SELECTIN &&
	     (rc = orm_query_options(query, "events", ORM_SELECTIN)) < 0) ||
	    (rc = orm_query_all(&users, &n, query)) < 0) {
		orm_fail(rc, "query users");
		goto done;
	}
	for (size_t u = 0; u < n; u++) {
		User *user = users[u];
		if (loading == ORM_LAZY && (rc = orm_session_load(session, user, "events")) < 0) {
			orm_fail(rc, "load a user's events");
			goto done;
		}
		for (size_t k = 0; k < user->events.count; k++) {
			const Event *e = user->events.items[k];
			const char *status = NULL;
			if (cfg->check) {
				format_date(date, sizeof date, e->date_of);
				status = status_label(e);
			}
			bench_rows_add(acc, cfg, user->id - 1, e->id, date, status,
			               e->organizer_id);
		}
	}
done:
	orm_free(users);
	orm_query_free(query);
	orm_session_close(session);
	return rc < 0 ? -1 : 0;
}

/* Rows of `model`, optionally only those whose title is LIKE `like`. Not timed. */
static int64_t count_rows(orm_sessionmaker *maker, const orm_model *model, const char *like)
{
	orm_session *session = NULL;
	orm_query *query = NULL;
	int64_t n = -1;
	int rc;

	if ((rc = orm_session_open(&session, maker)) < 0 ||
	    (rc = orm_query_new(&query, session, model)) < 0 ||
	    (like && (rc = orm_query_where(query, "title", "LIKE", orm_text(like))) < 0) ||
	    (rc = orm_query_count(&n, query)) < 0) {
		orm_fail(rc, "count rows");
		n = -1;
	}
	orm_query_free(query);
	orm_session_close(session);
	return n;
}

/* Not timed: the updated titles read back in a fresh session, and nothing
 * else renamed. */
static int check_updates(orm_sessionmaker *maker, const bench_config *cfg)
{
	orm_session *session = NULL;
	int rc;

	if ((rc = orm_session_open(&session, maker)) < 0) {
		orm_fail(rc, "open session");
		goto done;
	}
	for (int64_t k = 0; k < cfg->updates; k++) {
		Event *e;
		if ((rc = orm_session_get((void **)&e, session, &Event_model,
		                          orm_int(cfg->update_ids[k]))) < 0) {
			orm_fail(rc, "get event");
			goto done;
		}
		if ((rc = check_event(cfg, e, true)) < 0)
			goto done;
	}
	/* Closed first: on SQLite every transaction takes the write lock at
	 * BEGIN (BEGIN IMMEDIATE, see orm/engine.h), so a second session of
	 * the same thread would wait for this one to end. */
	orm_session_close(session);
	session = NULL;
	int64_t renamed = count_rows(maker, &Event_model, "renamed %");
	if (renamed != cfg->updates)
		rc = bench_fail(side, "%" PRId64 " events renamed, expected %" PRId64, renamed,
		                cfg->updates);
done:
	orm_session_close(session);
	return rc < 0 ? -1 : 0;
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
	return phase == BENCH_LOAD_LAZY ? phase_load(db, cfg, ORM_LAZY, acc)
	                                : phase_load(db, cfg, ORM_SELECTIN, acc);
}

static const bench_side_ops ops = {side, op_get, op_query, op_update, op_check_updates, op_load};

static int run(orm_sessionmaker *maker, bench_result *out, const bench_config *cfg,
               int64_t *user_ids, int64_t *event_ids)
{
	double t;

	t = bench_now();
	if (phase_insert(maker, cfg, user_ids, event_ids) < 0)
		return -1;
	bench_record(out, BENCH_INSERT, t);
	out->users_counted = count_rows(maker, &User_model, NULL);
	out->events_counted = count_rows(maker, &Event_model, NULL);
	if (cfg->check) {
		for (int64_t i = 0; i < cfg->users; i++)
			if (user_ids[i] != i + 1)
				return bench_fail(side, "user %" PRId64 " got id %" PRId64, i,
				                  user_ids[i]);
		for (int64_t j = 0; j < cfg->events; j++)
			if (event_ids[j] != j + 1)
				return bench_fail(side, "event %" PRId64 " got id %" PRId64, j,
				                  event_ids[j]);
	}

	return bench_run_after_insert(&ops, maker, cfg, user_ids, out);
}

int bench_orm(bench_result *out, const bench_config *cfg, const char *url)
{
	orm_engine *engine = NULL;
	orm_metadata *metadata = NULL;
	orm_sessionmaker *maker = NULL;
	int64_t *user_ids = calloc((size_t)cfg->users, sizeof *user_ids);
	int64_t *event_ids = cfg->check ? calloc((size_t)cfg->events, sizeof *event_ids) : NULL;
	int rc = -1, r;

	if (!user_ids || (cfg->check && !event_ids)) {
		bench_fail(side, "out of memory");
		goto done;
	}
	if ((r = orm_create_engine(&engine, url, NULL)) < 0) {
		orm_fail(r, "create engine");
		goto done;
	}
	if ((r = orm_metadata_new(&metadata, NULL)) < 0 ||
	    (r = orm_metadata_add(metadata, &User_model)) < 0 ||
	    (r = orm_metadata_add(metadata, &Event_model)) < 0) {
		orm_fail(r, "metadata");
		goto done;
	}
	/* An empty schema, as the raw side starts from. Not timed. */
	if ((r = orm_metadata_drop_all(metadata, engine, NULL)) < 0 ||
	    (r = orm_metadata_create_all(metadata, engine, NULL)) < 0) {
		orm_fail(r, "create_all");
		goto done;
	}
	if ((r = orm_sessionmaker_new(&maker, engine, metadata, NULL)) < 0) {
		orm_fail(r, "sessionmaker");
		goto done;
	}
	if (run(maker, out, cfg, user_ids, event_ids) < 0)
		goto done;
	if ((r = orm_metadata_drop_all(metadata, engine, NULL)) < 0) {
		orm_fail(r, "drop_all");
		goto done;
	}
	rc = 0;
done:
	orm_sessionmaker_free(maker);
	orm_metadata_free(metadata);
	orm_engine_free(engine);
	free(user_ids);
	free(event_ids);
	return rc;
}
