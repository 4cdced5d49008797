/*
 * ch05_enums/main.c - chapter 5: enums. Read it with BOOK.md, "Chapter 5 - Enums".
 *
 * The write-up's BONUS2: Event.social_status may hold only two values, public or private. In
 * Python that is `class SocialStatus(enum.Enum)` and `Column(Enum(SocialStatus))`; in C it is
 * a C enum, the labels stored for its values, and an ORM_ENUM column. The program
 *   1. declares the write-up's finished models, User and Event, with social_status;
 *   2. runs create_all with echo on: on PostgreSQL the enum is a type of its own
 *      (CREATE TYPE socialstatus AS ENUM ...), on SQLite a VARCHAR(7) with a CHECK;
 *   3. stores events with a status and reads them back, showing that the label is what is
 *      stored, and how C says NULL: a new event's status starts as ORM_ENUM_NULL (-1), so
 *      0, SOCIAL_PUBLIC, is a label like the others;
 *   4. shows a value outside the enum refused before any SQL is sent, and then the database
 *      refusing a bad label that gets to it by plain SQL;
 *   5. reads those events with an older build of the model that knows only one label: the
 *      label it does not know is a clear error, never a wrong number;
 *   6. prints the schema create_all makes for the finished models.
 *
 * The same binary runs on SQLite and PostgreSQL:
 *     ./ch05_enums                                   sqlite:///ch05_enums.db here
 *     ./ch05_enums postgresql://user@localhost/dbname
 */
#include <inttypes.h>
#include <stdio.h>

#include "check.h"
#include "orm/orm.h"
#include "orm/relationship.h"
#include "orm/schema.h"
#include "orm/session.h"

/* ---- the enum: class SocialStatus(enum.Enum) ----------------------------------------------- */

/* book:begin social-status */
/*
 *     class SocialStatus(enum.Enum):
 *         public = "public"
 *         private = "private"
 *
 * A C enum gives the members; the labels array says what is stored for each, indexed by the
 * member's value (the designated initializers keep the two in step if the enum is reordered).
 * The orm_enum's name is what PostgreSQL calls the type: SQLAlchemy's default, the class's
 * name in lower case. SOCIAL_NULL is Python's None: no label, stored as NULL.
 */
typedef enum SocialStatus {
	SOCIAL_NULL = ORM_ENUM_NULL, /* -1 */
	SOCIAL_PUBLIC,               /* 0 */
	SOCIAL_PRIVATE,              /* 1 */
} SocialStatus;

static const char *const social_status_labels[] = {
    [SOCIAL_PUBLIC] = "public",
    [SOCIAL_PRIVATE] = "private",
};

static const orm_enum SocialStatus_type = {"socialstatus", social_status_labels,
                                           ORM_COUNTOF(social_status_labels)};
/* book:end social-status */

/* ---- the write-up's models, finished ------------------------------------------------------- */

typedef struct User User;
typedef struct Event Event;

/* book:begin models */
/*
 *     class User(Base):
 *         __tablename__ = "users"
 *         id = Column(Integer, primary_key=True)
 *         email = Column(String, unique=True, index=True)
 *         events = relationship("Event", back_populates="organizer")
 */
struct User {
	int64_t id;
	char *email;
	orm_collection events; /* chapter 4 */
};

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};
static const orm_relationship user_relationships[] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer"),
};
static const orm_model User_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", user_columns, user_relationships);

/*
 *     class Event(Base):
 *         __tablename__ = "events"
 *         id = Column(Integer, primary_key=True)
 *         title = Column(String, index=True)
 *         date_of = Column(Date)
 *         social_status = Column(Enum(SocialStatus))
 *         organizer_id = Column(Integer, ForeignKey("users.id"))
 *         organizer = relationship("User", back_populates="events")
 */
struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	SocialStatus social_status;
	int64_t organizer_id;
	User *organizer; /* chapter 4 */
};

static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE),
    ORM_COLUMN(Event, social_status, ORM_ENUM, .enum_type = &SocialStatus_type),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
};
static const orm_relationship event_relationships[] = {
    ORM_RELATIONSHIP(Event, organizer, "User", .back_populates = "events"),
};
static const orm_model Event_model =
    ORM_MODEL_WITH_RELATIONSHIPS(Event, "events", event_columns, event_relationships);
/* book:end models */

/* ---- an older build of the same program ---------------------------------------------------- */

/* book:begin old-model */
/* The program as it was before `private` was added: same table, one label. */
typedef enum OldSocialStatus { OLD_PUBLIC } OldSocialStatus;

static const char *const old_labels[] = {[OLD_PUBLIC] = "public"};
static const orm_enum OldSocialStatus_type = {"socialstatus", old_labels, 1};

typedef struct OldEvent {
	int64_t id;
	char *title;
	OldSocialStatus social_status;
} OldEvent;

static const orm_column old_event_columns[] = {
    ORM_COLUMN(OldEvent, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(OldEvent, title, ORM_STRING),
    ORM_COLUMN(OldEvent, social_status, ORM_ENUM, .enum_type = &OldSocialStatus_type),
};
static const orm_model OldEvent_model = ORM_MODEL(OldEvent, "events", old_event_columns);
/* book:end old-model */

/*
 * Removes what a previous run (or the chapters before) left, quietly: this engine has no
 * echo. drop_all drops events, then users, then on PostgreSQL the socialstatus type.
 */
static void start_clean(const char *url, orm_metadata *base)
{
	orm_engine *engine = NULL;

	check(orm_create_engine(&engine, url, NULL), "create engine");
	check(orm_metadata_drop_all(base, engine, NULL), "drop_all");
	orm_engine_free(engine);
}

static Event *new_event(const char *title, orm_date date_of, User *organizer)
{
	Event *event = orm_object_new(&Event_model);
	check(event ? ORM_OK : ORM_ENOMEM, "new event");
	check(orm_set_text(&event->title, title), "set title");
	event->date_of = date_of;
	check(orm_relationship_set(event, "organizer", organizer), "set organizer");
	return event;
}

/* "public", "private", or "NULL". */
static const char *status_name(const Event *event)
{
	if (event->social_status == SOCIAL_NULL)
		return "NULL";
	return social_status_labels[event->social_status];
}

int main(int argc, char **argv)
{
	const char *url = database_url(argc, argv, "sqlite:///ch05_enums.db");
	orm_engine *engine = NULL;
	orm_metadata *base = NULL, *old_base = NULL;
	orm_sessionmaker *session_local = NULL, *old_session_local = NULL;
	orm_session *db = NULL;
	orm_query *query = NULL;
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	char *schema = NULL;
	void **rows = NULL;
	size_t nrows = 0;
	int rc;

	check(orm_metadata_new(&base, NULL), "new metadata");
	check(orm_metadata_add(base, &User_model), "register User");
	check(orm_metadata_add(base, &Event_model), "register Event");
	start_clean(url, base);

	orm_engine_options engine_options = ORM_ENGINE_OPTIONS_INIT;
	engine_options.echo = true;
	engine_options.echo_stream = stdout;
	check(orm_create_engine(&engine, url, &engine_options), "create engine");

	printf("== 1. SocialStatus, in C ==\n");
	/* book:begin show-labels */
	for (size_t i = 0; i < SocialStatus_type.nlabels; i++)
		printf("SocialStatus %zu is stored as '%s'\n", i, SocialStatus_type.labels[i]);
	/* book:end show-labels */

	printf("\n== 2. create_all on %s ==\n", orm_engine_dialect_name(engine));
	/* book:begin create-all */
	check(orm_metadata_create_all(base, engine, NULL), "create_all");
	/* book:end create-all */

	printf("\n== 3. Storing a status, reading it back ==\n");
	/* book:begin store */
	check(orm_sessionmaker_new(&session_local, engine, base, NULL), "sessionmaker");
	check(orm_session_open(&db, session_local), "open session");
	User *ada = orm_object_new(&User_model);
	check(ada ? ORM_OK : ORM_ENOMEM, "new user");
	check(orm_set_text(&ada->email, "ada@example.com"), "set email");

	Event *meetup = new_event("SQLAlchemy meetup", (orm_date){2024, 6, 21}, ada);
	printf("new event: social_status = %d (%s)\n", (int)meetup->social_status,
	       status_name(meetup));
	meetup->social_status = SOCIAL_PUBLIC; /* 0: a label like any other */
	Event *tea = new_event("Tea with Grace", (orm_date){2024, 7, 2}, ada);
	tea->social_status = SOCIAL_PRIVATE;
	new_event("Board games", (orm_date){2024, 7, 9}, ada); /* no status: stays SOCIAL_NULL */
	check(orm_session_add(db, ada), "add"); /* and the events she organizes (chapter 4) */
	check(orm_session_commit(db), "commit");
	/* book:end store */

	/* book:begin raw-read */
	check(orm_engine_connect(&conn, engine), "connect");
	check(orm_conn_execute(&res, conn, "SELECT title, social_status FROM events ORDER BY id",
	                       NULL, 0),
	      "select");
	while ((rc = orm_result_next(res)) == ORM_ROW)
		printf("stored: %-18s %s\n", orm_result_text(res, 0),
		       orm_result_is_null(res, 1) ? "NULL" : orm_result_text(res, 1));
	check(rc, "read row");
	orm_result_free(res);
	orm_conn_close(conn);
	/* book:end raw-read */

	/* book:begin query */
	check(orm_query_new(&query, db, &Event_model), "query");
	orm_query_where(query, "social_status", "=", orm_int(SOCIAL_PRIVATE));
	check(orm_query_all(&rows, &nrows, query), "query all");
	for (size_t i = 0; i < nrows; i++) {
		Event *event = rows[i];
		printf("private: %s (social_status = %d, '%s')\n", event->title,
		       (int)event->social_status, status_name(event));
	}
	orm_free(rows);
	orm_query_free(query);
	/* book:end query */

	printf("\n== 4. A value outside the enum ==\n");
	/* book:begin bad-value */
	Event *party = new_event("Launch party", (orm_date){2024, 8, 1}, ada);
	party->social_status = (SocialStatus)7; /* C lets an enum hold any int */
	check(orm_session_add(db, party), "add");
	rc = orm_session_commit(db);
	printf("commit: %s: %s\n", orm_strerror(rc), orm_session_errmsg(db));

	check(orm_query_new(&query, db, &Event_model), "query");
	rc = orm_query_where(query, "social_status", "=", orm_text("secret"));
	printf("where: %s: %s\n", orm_strerror(rc), orm_session_errmsg(db));
	orm_query_free(query);
	orm_session_close(db);
	/* book:end bad-value */

	/* book:begin database-refuses */
	orm_value bad[] = {orm_text("Secret party"), orm_text("secret")};
	check(orm_engine_connect(&conn, engine), "connect");
	rc = orm_conn_execute(NULL, conn, "INSERT INTO events (title, social_status) VALUES (?, ?)",
	                      bad, 2);
	printf("plain SQL: %s: %s\n", orm_strerror(rc), orm_conn_errmsg(conn));
	orm_conn_close(conn);
	/* book:end database-refuses */

	printf("\n== 5. A label this program does not know ==\n");
	/* book:begin old-read */
	check(orm_metadata_new(&old_base, NULL), "new metadata");
	check(orm_metadata_add(old_base, &OldEvent_model), "register OldEvent");
	check(orm_sessionmaker_new(&old_session_local, engine, old_base, NULL), "sessionmaker");
	check(orm_session_open(&db, old_session_local), "open session");
	check(orm_query_new(&query, db, &OldEvent_model), "query");
	orm_query_order_by(query, "id", ORM_ASC);
	rc = orm_query_all(&rows, &nrows, query);
	printf("old build: %s: %s\n", orm_strerror(rc), orm_session_errmsg(db));
	orm_query_free(query);
	orm_session_close(db);
	/* book:end old-read */

	printf("\n== 6. The finished schema, as create_all makes it on %s ==\n",
	       orm_engine_dialect_name(engine));
	/* book:begin schema */
	check(orm_metadata_create_sql(&schema, base, engine), "create_sql");
	fputs(schema, stdout); /* each statement ends with ";" and a newline */
	orm_free(schema);
	/* book:end schema */

	orm_sessionmaker_free(old_session_local);
	orm_metadata_free(old_base);
	orm_sessionmaker_free(session_local);
	orm_metadata_free(base);
	orm_engine_free(engine);
	return 0;
}
