/*
 * models.h - the write-up's models, User and Event, for tests and the
 * benchmark.
 *
 * Introduced with chapter 2 (the session's tests). These are the models of
 * the write-up's models.py with its bugs fixed (__tablename__, a foreign
 * key for the relationship), with chapter 4's relationship between them
 * (User.events and Event.organizer, back_populates each other; the
 * write-up calls the collection `owner`). Chapter 5's social_status enum
 * is not here.
 *
 * The models are `static`, defined in this header: a program gets one copy
 * per .c file that includes it, and the session tells models apart by
 * address, so register and use them from the same file.
 *
 *     orm_metadata_add(metadata, &User_model);
 *     orm_metadata_add(metadata, &Event_model);
 */
#ifndef ORM_TEST_MODELS_H
#define ORM_TEST_MODELS_H

#include <stdint.h>

#include "orm/relationship.h"
#include "orm/schema.h"

typedef struct Event Event;

/* users: id INTEGER primary key, email VARCHAR unique + index (ix_users_email);
 * events: the user's events (chapter 4), one-to-many, ordered by date_of. */
typedef struct User {
	int64_t id;
	char *email;
	orm_collection events;
} User;

static const orm_column User_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .unique = true, .index = true),
};

static const orm_relationship User_relationships[] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer", .order_by = "date_of"),
};

static const orm_model User_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", User_columns, User_relationships);

/* events: id, title VARCHAR + index (ix_events_title), date_of DATE,
 * organizer_id -> users.id (nullable, indexed); organizer: the User behind
 * organizer_id (chapter 4), many-to-one. */
struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	int64_t organizer_id;
	User *organizer;
};

static const orm_column Event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id", .index = true),
};

static const orm_relationship Event_relationships[] = {
    ORM_RELATIONSHIP(Event, organizer, "User", .back_populates = "events"),
};

static const orm_model Event_model =
    ORM_MODEL_WITH_RELATIONSHIPS(Event, "events", Event_columns, Event_relationships);

#endif
