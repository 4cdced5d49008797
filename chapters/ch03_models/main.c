/*
 * ch03_models/main.c - chapter 3: base and models. Read it with BOOK.md, "Chapter 3 - Base and
 * models".
 *
 * The write-up's models.py in C: a metadata object plays `Base`, and the write-up's User and
 * Event are declared once each, as a C struct and a table of columns, from which the tables
 * are created. Following the write-up's own advice ("just work with the User table, get
 * familiar with the flow"), the program
 *   1. declares User alone, registers it, and creates its table: the echo shows the DDL,
 *      which is what SQLAlchemy 2.0 emits for the same model on the same database;
 *   2. writes a user and reads it back through a session;
 *   3. adds Event (a title with an index, a date, and a foreign key to users.id) and runs
 *      create_all again: users exists and is skipped, events is created;
 *   4. writes two events for that user and reads them back, ordered by date;
 *   5. builds a third table at run time, the imperative style, and shows that a string longer
 *      than its String(n) column is refused before any SQL is sent, on every database.
 * The relationship between User and Event (User.events, Event.organizer) is chapter 4, and
 * the write-up's social_status enum is chapter 5.
 *
 * The same binary runs on SQLite and PostgreSQL:
 *     ./ch03_models                                   sqlite:///ch03_models.db here
 *     ./ch03_models postgresql://user@localhost/dbname
 */
#include <inttypes.h>
#include <stdio.h>

#include "check.h"
#include "orm/orm.h"
#include "orm/schema.h"
#include "orm/session.h"

/* ---- the models: the write-up's models.py -------------------------------------------------- */

/* book:begin user-model */
/*
 *     class User(Base):
 *         __tablename__ = "users"
 *         id = Column(Integer, primary_key=True)
 *         email = Column(String, unique=True, index=True)
 */
typedef struct User {
	int64_t id;
	char *email; /* owned by the object; set it with orm_set_text() */
} User;

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};

static const orm_model User_model = ORM_MODEL(User, "users", user_columns);
/* book:end user-model */

/* book:begin event-model */
/*
 *     class Event(Base):
 *         __tablename__ = "events"
 *         id = Column(Integer, primary_key=True)
 *         title = Column(String, index=True)
 *         date_of = Column(Date)
 *         organizer_id = Column(Integer, ForeignKey("users.id"))
 *
 * social_status (an Enum) waits for chapter 5, the relationship to User for chapter 4; the
 * foreign key column is what that relationship will stand on.
 */
typedef struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	int64_t organizer_id;
} Event;

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE, .nullable = ORM_NULLABLE_YES),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
};

static const orm_model Event_model = ORM_MODEL(Event, "events", event_columns);
/* book:end event-model */

/* A struct for the table built at run time in part 5. */
typedef struct Tag {
	int64_t id;
	char *name;
} Tag;

/*
 * Removes what a previous run left, quietly (this engine has no echo): the program leaves its
 * tables for you to look at. drop_all drops in reverse dependency order, events before users.
 */
static void start_clean(const char *url)
{
	orm_engine *engine = NULL;
	orm_metadata *all = NULL;
	orm_conn *conn = NULL;

	check(orm_create_engine(&engine, url, NULL), "create engine");
	check(orm_metadata_new(&all, NULL), "new metadata");
	check(orm_metadata_add(all, &User_model), "register User");
	check(orm_metadata_add(all, &Event_model), "register Event");
	check(orm_metadata_drop_all(all, engine, NULL), "drop_all");
	check(orm_engine_connect(&conn, engine), "connect");
	check(orm_conn_execute(NULL, conn, "DROP TABLE IF EXISTS tags", NULL, 0), "drop tags");
	orm_conn_close(conn);
	orm_metadata_free(all);
	orm_engine_free(engine);
}

static User *new_user(const char *email)
{
	User *user = orm_object_new(&User_model);
	check(user ? ORM_OK : ORM_ENOMEM, "new user");
	check(orm_set_text(&user->email, email), "set email");
	return user;
}

static Event *new_event(const char *title, orm_date date_of, int64_t organizer_id)
{
	Event *event = orm_object_new(&Event_model);
	check(event ? ORM_OK : ORM_ENOMEM, "new event");
	check(orm_set_text(&event->title, title), "set title");
	event->date_of = date_of;
	event->organizer_id = organizer_id;
	return event;
}

int main(int argc, char **argv)
{
	const char *url = database_url(argc, argv, "sqlite:///ch03_models.db");
	orm_engine *engine = NULL;
	orm_metadata *base = NULL;
	orm_sessionmaker *session_local = NULL;
	orm_session *db = NULL;
	orm_query *query = NULL;
	orm_model *tag_model = NULL;
	void *found = NULL;
	void **rows = NULL;
	size_t nrows = 0;
	int rc;

	start_clean(url);

	orm_engine_options engine_options = ORM_ENGINE_OPTIONS_INIT;
	engine_options.echo = true;
	engine_options.echo_stream = stdout;
	check(orm_create_engine(&engine, url, &engine_options), "create engine");

	printf("== 1. Base, and the users table alone ==\n");
	/* book:begin create-users */
	check(orm_metadata_new(&base, NULL), "new metadata"); /* Base = declarative_base() */
	check(orm_metadata_add(base, &User_model), "register User");
	check(orm_metadata_create_all(base, engine, NULL), "create_all");
	/* book:end create-users */

	printf("\n== 2. A user in, a user out ==\n");
	/* book:begin use-users */
	check(orm_sessionmaker_new(&session_local, engine, base, NULL), "sessionmaker");
	check(orm_session_open(&db, session_local), "open session");
	check(orm_session_add(db, new_user("ada@example.com")), "add");
	check(orm_session_commit(db), "commit");
	orm_session_close(db);

	check(orm_session_open(&db, session_local), "open session");
	check(orm_query_new(&query, db, &User_model), "query");
	orm_query_where(query, "email", "=", orm_text("ada@example.com"));
	check(orm_query_one(&found, query), "query one");
	User *ada = found;
	printf("found user %" PRId64 ": %s\n", ada->id, ada->email);
	orm_query_free(query);
	orm_session_close(db);
	orm_sessionmaker_free(session_local);
	/* book:end use-users */

	printf("\n== 3. Then events, with a foreign key to users ==\n");
	/* book:begin create-events */
	check(orm_metadata_add(base, &Event_model), "register Event");
	check(orm_metadata_create_all(base, engine, NULL), "create_all"); /* users is skipped */
	/* book:end create-events */

	printf("\n== 4. Events in, events out ==\n");
	/* book:begin use-events */
	check(orm_sessionmaker_new(&session_local, engine, base, NULL), "sessionmaker");
	check(orm_session_open(&db, session_local), "open session");
	check(orm_session_get(&found, db, &User_model, orm_int(1)), "get user");
	ada = found;
	void *events[] = {
	    new_event("Tea with Grace", (orm_date){2024, 7, 2}, ada->id),
	    new_event("SQLAlchemy meetup", (orm_date){2024, 6, 21}, ada->id),
	};
	check(orm_session_add_all(db, events, 2), "add events");
	check(orm_session_commit(db), "commit");

	check(orm_query_new(&query, db, &Event_model), "query");
	orm_query_where(query, "organizer_id", "=", orm_int(ada->id));
	orm_query_order_by(query, "date_of", ORM_ASC);
	check(orm_query_all(&rows, &nrows, query), "query all");
	for (size_t i = 0; i < nrows; i++) {
		Event *event = rows[i];
		printf("%04d-%02d-%02d  %-18s organizer %" PRId64 "\n", event->date_of.year,
		       event->date_of.month, event->date_of.day, event->title, event->organizer_id);
	}
	orm_free(rows);
	orm_query_free(query);
	orm_session_close(db);
	orm_sessionmaker_free(session_local);
	/* book:end use-events */

	printf("\n== 5. A table built at run time, and String(n) ==\n");
	/* book:begin imperative */
	/*
	 *     tags = Table("tags", metadata,
	 *                  Column("id", Integer, primary_key=True),
	 *                  Column("name", String(20), nullable=False, unique=True))
	 *     registry.map_imperatively(Tag, tags)
	 */
	orm_column id = ORM_COLUMN(Tag, id, ORM_INTEGER, .primary_key = true);
	orm_column name =
	    ORM_COLUMN(Tag, name, ORM_STRING, .nullable = ORM_NULLABLE_NO, .unique = true);
	name.length = 20; /* a value known only at run time: it could come from a file */

	check(orm_model_new(&tag_model, "Tag", "tags", sizeof(Tag)), "new model");
	check(orm_model_add_column(tag_model, &id), "add column id");
	check(orm_model_add_column(tag_model, &name), "add column name");
	check(orm_metadata_add(base, tag_model), "register Tag");
	check(orm_metadata_create_all(base, engine, NULL), "create_all");
	/* book:end imperative */

	/* book:begin too-long */
	check(orm_sessionmaker_new(&session_local, engine, base, NULL), "sessionmaker");
	check(orm_session_open(&db, session_local), "open session");
	Tag *tag = orm_object_new(tag_model);
	check(tag ? ORM_OK : ORM_ENOMEM, "new tag");
	check(orm_set_text(&tag->name, "meetup"), "set name");
	check(orm_session_add(db, tag), "add");
	check(orm_session_commit(db), "commit");

	tag = orm_object_new(tag_model);
	check(tag ? ORM_OK : ORM_ENOMEM, "new tag");
	check(orm_set_text(&tag->name, "an-unreasonably-long-tag-name"), "set name"); /* 29 > 20 */
	check(orm_session_add(db, tag), "add");
	rc = orm_session_commit(db);
	printf("commit: %s: %s\n", orm_strerror(rc), orm_session_errmsg(db));
	orm_session_close(db);
	/* book:end too-long */

	orm_sessionmaker_free(session_local);
	orm_metadata_free(base);
	orm_model_free(tag_model); /* after every metadata using it */
	orm_engine_free(engine);
	return 0;
}
