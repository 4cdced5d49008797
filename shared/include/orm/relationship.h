/*
 * orm/relationship.h - relationships between models: many-to-one and
 * one-to-many, kept in step with back_populates.
 *
 * Introduced in chapter 4. A relationship is a field of the struct that
 * holds related objects instead of a column value:
 *
 *     typedef struct User {
 *             int64_t id;
 *             char *email;
 *             orm_collection events;   // one-to-many: this user's events
 *     } User;
 *
 *     typedef struct Event {
 *             int64_t id;
 *             ...
 *             int64_t organizer_id;    // the foreign key column
 *             User *organizer;         // many-to-one: the object behind it
 *     } Event;
 *
 *     static const orm_relationship user_relationships[] = {
 *             ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer"),
 *     };
 *     static const orm_relationship event_relationships[] = {
 *             ORM_RELATIONSHIP(Event, organizer, "User", .back_populates = "events"),
 *     };
 *
 * The direction is found from the foreign key, as SQLAlchemy does: the
 * side whose table holds the foreign key to the other is many-to-one.
 *
 * C has no attribute hooks, so what Python does on attribute access is a
 * call here:
 *   - orm_relationship_set(event, "organizer", user) sets the pointer and
 *     puts the event in user->events; orm_collection_append(user, "events",
 *     event) does the same from the other side; orm_collection_remove()
 *     undoes it. Assigning event->organizer directly also works: the flush
 *     notices the new pointer, fills organizer_id and the collection.
 *   - orm_session_load(session, user, "events") loads a lazy relationship
 *     (one SELECT, the first time only). Query options load many at once:
 *     ORM_SELECTIN (one SELECT ... IN for all parents) or ORM_JOINED.
 *
 * Objects in a collection, and the collection's array, belong to the
 * session like every other loaded object (see orm/session.h).
 */
#ifndef ORM_RELATIONSHIP_H
#define ORM_RELATIONSHIP_H

#include <stdbool.h>
#include <stddef.h>

#include "orm/schema.h"
#include "orm/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A one-to-many collection. Read it; change it only through the calls
 * below. `items` is NULL and `count` 0 until loaded. */
typedef struct orm_collection {
	void **items;
	size_t count;
	size_t capacity;
	bool loaded;
} orm_collection;

typedef enum orm_loading {
	ORM_LAZY = 0, /* a SELECT on first orm_session_load(): the default */
	ORM_SELECTIN, /* one SELECT ... WHERE fk IN (...) for every parent loaded */
	ORM_JOINED,   /* a LEFT OUTER JOIN in the parents' own SELECT */
	ORM_NOLOAD,   /* never loaded (write-only) */
} orm_loading;

enum {
	ORM_CASCADE_SAVE_UPDATE = 1 << 0,  /* adding a parent adds what it reaches (default) */
	ORM_CASCADE_DELETE = 1 << 1,       /* deleting a parent deletes its children */
	ORM_CASCADE_DELETE_ORPHAN = 1 << 2, /* a child removed from its parent is deleted */
};

typedef enum orm_relationship_kind {
	ORM_REL_AUTO = 0, /* found from the foreign key */
	ORM_MANY_TO_ONE,
	ORM_ONE_TO_MANY,
} orm_relationship_kind;

typedef struct orm_relationship {
	const char *name;         /* the field's name */
	size_t offset;            /* of the field (a pointer, or an orm_collection) */
	size_t field_size;        /* checked against the kind */
	const char *target;       /* the related model's name, e.g. "Event" */
	const char *back_populates; /* the relationship on the other side, or NULL */
	const char *foreign_key;  /* the column to join on, when ambiguous; else NULL */
	orm_relationship_kind kind;
	orm_loading lazy;         /* default loading strategy */
	int cascade;              /* ORM_CASCADE_* bits; 0 means save-update */
	const char *order_by;     /* column of the target to sort a collection by, or NULL */
} orm_relationship;

#define ORM_RELATIONSHIP(T, F, TARGET, ...)                                                        \
	{                                                                                          \
		.name = #F, .offset = offsetof(T, F), .field_size = sizeof(((T *)0)->F),           \
		.target = (TARGET), __VA_ARGS__                                                    \
	}

/* A model with relationships (and no composite constraints). */
#define ORM_MODEL_WITH_RELATIONSHIPS(T, TABLENAME, COLUMNS, RELATIONSHIPS)                         \
	{                                                                                          \
		.name = #T, .tablename = (TABLENAME), .size = sizeof(T), .columns = (COLUMNS),     \
		.ncolumns = ORM_COUNTOF(COLUMNS), .relationships = (RELATIONSHIPS),                \
		.nrelationships = ORM_COUNTOF(RELATIONSHIPS)                                       \
	}

/* Sets a many-to-one relationship (NULL clears it) and keeps the other
 * side's collection in step. Both objects must be in the same session,
 * or transient: ORM_ESTATE otherwise. */
int orm_relationship_set(void *object, const char *relationship, void *target);

/* Appends to / removes from a one-to-many collection, setting / clearing
 * the child's many-to-one side. */
int orm_collection_append(void *object, const char *relationship, void *child);
int orm_collection_remove(void *object, const char *relationship, void *child);

/* Loads a relationship now if it is not loaded yet (lazy loading). */
int orm_session_load(orm_session *session, void *object, const char *relationship);

/* Query option: how `relationship` of the queried model is loaded. */
int orm_query_options(orm_query *query, const char *relationship, orm_loading loading);

#ifdef __cplusplus
}
#endif

#endif
