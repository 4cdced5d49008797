/*
 * ch04_relationships/main.c - chapter 4: relationships. Read it with BOOK.md, "Chapter 4 -
 * Relationships".
 *
 * The write-up's BONUS1: User and Event are one-to-many, a relationship declared on both
 * models with back_populates. The program
 *   1. links objects in memory: setting an event's organizer puts the event in the user's
 *      collection, and appending to the collection sets the organizer; no SQL yet;
 *   2. adds only the users to a session: the events they reach are saved too (the save-update
 *      cascade), each user inserted before its events, organizer_id filled from the object;
 *   3. loads every user's events lazily, one SELECT per user: the N+1 problem, in the echo;
 *   4. loads them again with selectin (one more SELECT, with IN) and with joined (one SELECT
 *      in all), from the same loop;
 *   5. deletes a user: by default its events stay, with organizer_id set to NULL, as
 *      SQLAlchemy does; with the delete cascade they go with it;
 *   6. tries an event whose organizer does not exist: the foreign key refuses it, and nothing
 *      is written.
 *
 * The same binary runs on SQLite and PostgreSQL:
 *     ./ch04_relationships                                   sqlite:///ch04_relationships.db
 *     ./ch04_relationships postgresql://user@localhost/dbname
 */
#include <inttypes.h>
#include <stdio.h>

#include "check.h"
#include "orm/orm.h"
#include "orm/relationship.h"
#include "orm/schema.h"
#include "orm/session.h"

/* ---- the models, with the relationship on both sides --------------------------------------- */

typedef struct User User;
typedef struct Event Event;

/* book:begin models */
/*
 *     class User(Base):
 *         __tablename__ = "users"
 *         id = Column(Integer, primary_key=True)
 *         email = Column(String, unique=True, index=True)
 *         events = relationship("Event", back_populates="organizer",
 *                               order_by="Event.date_of")
 *
 * The write-up calls this collection `owner`; it holds a user's events, so it is `events`
 * here (see the book). back_populates names the relationship on the other side.
 */
struct User {
	int64_t id;
	char *email;
	orm_collection events; /* one-to-many: filled by the library, read it freely */
};

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};
static const orm_relationship user_relationships[] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer", .order_by = "date_of"),
};
static const orm_model User_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", user_columns, user_relationships);

/*
 *     class Event(Base):
 *         __tablename__ = "events"
 *         id = Column(Integer, primary_key=True)
 *         title = Column(String, index=True)
 *         date_of = Column(Date)
 *         organizer_id = Column(Integer, ForeignKey("users.id"))
 *         organizer = relationship("User", back_populates="events")
 *
 * The foreign key column is what the relationship stands on: without it there is no way from
 * an event to its user (and SQLAlchemy refuses the relationship: NoForeignKeysError).
 */
struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	int64_t organizer_id; /* the column */
	User *organizer;      /* many-to-one: the object behind it */
};

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
};
static const orm_relationship event_relationships[] = {
    ORM_RELATIONSHIP(Event, organizer, "User", .back_populates = "events"),
};
static const orm_model Event_model =
    ORM_MODEL_WITH_RELATIONSHIPS(Event, "events", event_columns, event_relationships);
/* book:end models */

/* book:begin cascade-model */
/*
 * The same User with the delete cascade:
 *     events = relationship("Event", back_populates="organizer",
 *                           cascade="save-update, delete")
 * A model of its own, so it is registered on a metadata of its own (below).
 */
static const orm_relationship user_relationships_cascade[] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer", .order_by = "date_of",
                     .cascade = ORM_CASCADE_SAVE_UPDATE | ORM_CASCADE_DELETE),
};
static const orm_model CascadingUser_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", user_columns, user_relationships_cascade);
/* book:end cascade-model */

/* Drops what a previous run (or an earlier chapter) left, and creates the tables, quietly:
 * chapter 3 showed that DDL. */
static void fresh_tables(const char *url, orm_metadata *base)
{
	orm_engine *engine = NULL;

	check(orm_create_engine(&engine, url, NULL), "create engine");
	check(orm_metadata_drop_all(base, engine, NULL), "drop_all");
	check(orm_metadata_create_all(base, engine, NULL), "create_all");
	orm_engine_free(engine);
}

static User *new_user(const char *email)
{
	User *user = orm_object_new(&User_model);
	check(user ? ORM_OK : ORM_ENOMEM, "new user");
	check(orm_set_text(&user->email, email), "set email");
	return user;
}

static Event *new_event(const char *title, orm_date date_of)
{
	Event *event = orm_object_new(&Event_model);
	check(event ? ORM_OK : ORM_ENOMEM, "new event");
	check(orm_set_text(&event->title, title), "set title");
	event->date_of = date_of;
	return event;
}

/* "ada@example.com: SQLAlchemy meetup, Tea with Grace" */
static void print_events(const User *user)
{
	printf("%s:", user->email);
	for (size_t i = 0; i < user->events.count; i++) {
		const Event *event = user->events.items[i];
		printf("%s %s", i ? "," : "", event->title);
	}
	printf("%s\n", user->events.count ? "" : " (no events)");
}

/* Every user, ordered by email, each with its events; `loading` is how the events are loaded. */
static void show_users(orm_sessionmaker *session_local, orm_loading loading)
{
	orm_session *db = NULL;
	orm_query *query = NULL;
	void **rows = NULL;
	size_t nrows = 0;

	check(orm_session_open(&db, session_local), "open session");
	/* book:begin loop */
	check(orm_query_new(&query, db, &User_model), "query");
	orm_query_order_by(query, "email", ORM_ASC);
	if (loading != ORM_LAZY)
		orm_query_options(query, "events", loading);
	check(orm_query_all(&rows, &nrows, query), "query users");
	for (size_t i = 0; i < nrows; i++) {
		User *user = rows[i];
		check(orm_session_load(db, user, "events"), "load events"); /* user.events */
		print_events(user);
	}
	/* book:end loop */
	orm_free(rows);
	orm_query_free(query);
	orm_session_close(db);
}

/* title: organizer_id, or NULL */
static void show_events(orm_conn *conn)
{
	orm_result *res = NULL;
	int rc;

	check(orm_conn_execute(&res, conn,
	                       "SELECT title, organizer_id FROM events ORDER BY date_of, id", NULL,
	                       0),
	      "select events");
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		if (orm_result_is_null(res, 1))
			printf("  %-20s organizer_id NULL\n", orm_result_text(res, 0));
		else
			printf("  %-20s organizer_id %" PRId64 "\n", orm_result_text(res, 0),
			       orm_result_int(res, 1));
	}
	check(rc, "read events");
	orm_result_free(res);
}

int main(int argc, char **argv)
{
	const char *url = database_url(argc, argv, "sqlite:///ch04_relationships.db");
	orm_engine *engine = NULL;
	orm_metadata *base = NULL, *cascading = NULL;
	orm_sessionmaker *session_local = NULL, *cascading_local = NULL;
	orm_session *db = NULL;
	orm_conn *conn = NULL;
	void *found = NULL;
	int rc;

	check(orm_metadata_new(&base, NULL), "new metadata");
	check(orm_metadata_add(base, &User_model), "register User");
	check(orm_metadata_add(base, &Event_model), "register Event");
	fresh_tables(url, base);

	orm_engine_options engine_options = ORM_ENGINE_OPTIONS_INIT;
	engine_options.echo = true;
	engine_options.echo_stream = stdout;
	check(orm_create_engine(&engine, url, &engine_options), "create engine");
	check(orm_sessionmaker_new(&session_local, engine, base, NULL), "sessionmaker");

	printf("== 1. Both sides in step, in memory ==\n");
	/* book:begin in-memory */
	User *ada = new_user("ada@example.com");
	Event *meetup = new_event("SQLAlchemy meetup", (orm_date){2024, 6, 21});
	Event *tea = new_event("Tea with Grace", (orm_date){2024, 7, 2});

	check(orm_relationship_set(meetup, "organizer", ada), "set organizer"); /* one side... */
	printf("after setting meetup's organizer: ada has %zu event(s)\n", ada->events.count);

	check(orm_collection_append(ada, "events", tea), "append"); /* ...or the other */
	printf("after appending tea to ada's events: tea's organizer is %s\n",
	       tea->organizer ? tea->organizer->email : "(none)");
	/* book:end in-memory */

	/* book:begin remove */
	Event *draft = new_event("Draft", (orm_date){2024, 12, 31});
	check(orm_collection_append(ada, "events", draft), "append");
	check(orm_collection_remove(ada, "events", draft), "remove");
	printf("after removing the draft: ada has %zu events, the draft's organizer is %s\n",
	       ada->events.count, draft->organizer ? draft->organizer->email : "(none)");
	orm_object_free(draft); /* transient, never added: ours to free */
	/* book:end remove */

	printf("\n== 2. Adding a user saves the events it reaches ==\n");
	/* book:begin cascade-save */
	User *grace = new_user("grace@example.com");
	User *linus = new_user("linus@example.org");
	check(orm_relationship_set(new_event("Kernel summit", (orm_date){2024, 9, 16}), "organizer",
	                           linus),
	      "set organizer");
	check(orm_relationship_set(new_event("COBOL reunion", (orm_date){2024, 8, 5}), "organizer",
	                           grace),
	      "set organizer");

	check(orm_session_open(&db, session_local), "open session");
	void *users[] = {ada, grace, linus};
	check(orm_session_add_all(db, users, 3), "add users"); /* only the users */
	check(orm_session_commit(db), "commit");
	printf("tea is %s, organizer_id %" PRId64 "\n", orm_state_name(orm_object_state(tea)),
	       tea->organizer_id);
	orm_session_close(db);
	/* book:end cascade-save */

	printf("\n== 3. Lazy loading: one SELECT per user ==\n");
	show_users(session_local, ORM_LAZY);

	printf("\n== 4. selectin and joined loading ==\n");
	show_users(session_local, ORM_SELECTIN);
	printf("\n");
	show_users(session_local, ORM_JOINED);

	printf("\n== 5. Deleting a user ==\n");
	/* book:begin delete-default */
	check(orm_session_open(&db, session_local), "open session");
	check(orm_session_get(&found, db, &User_model, orm_int(2)), "get grace");
	check(orm_session_delete(db, found), "delete grace");
	check(orm_session_commit(db), "commit");
	orm_session_close(db);
	/* book:end delete-default */
	check(orm_engine_connect(&conn, engine), "connect");
	show_events(conn);
	orm_conn_close(conn);

	/* book:begin delete-cascade */
	check(orm_metadata_new(&cascading, NULL), "new metadata");
	check(orm_metadata_add(cascading, &CascadingUser_model), "register User");
	check(orm_metadata_add(cascading, &Event_model), "register Event");
	check(orm_sessionmaker_new(&cascading_local, engine, cascading, NULL), "sessionmaker");

	check(orm_session_open(&db, cascading_local), "open session");
	check(orm_session_get(&found, db, &CascadingUser_model, orm_int(3)), "get linus");
	check(orm_session_delete(db, found), "delete linus");
	check(orm_session_commit(db), "commit");
	orm_session_close(db);
	/* book:end delete-cascade */
	check(orm_engine_connect(&conn, engine), "connect");
	show_events(conn);
	orm_conn_close(conn);

	printf("\n== 6. An organizer that does not exist ==\n");
	/* book:begin bad-fk */
	check(orm_session_open(&db, session_local), "open session");
	Event *orphan = new_event("Ghost meetup", (orm_date){2024, 10, 1});
	orphan->organizer_id = 999; /* the column, set by hand: there is no user 999 */
	check(orm_session_add(db, orphan), "add");
	rc = orm_session_commit(db);
	printf("commit: %s: %s\n", orm_strerror(rc), orm_session_errmsg(db));
	orm_session_close(db);
	/* book:end bad-fk */
	check(orm_engine_connect(&conn, engine), "connect");
	show_events(conn);
	orm_conn_close(conn);

	orm_sessionmaker_free(cascading_local);
	orm_metadata_free(cascading);
	orm_sessionmaker_free(session_local);
	orm_metadata_free(base);
	orm_engine_free(engine);
	return 0;
}
