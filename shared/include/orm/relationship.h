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
 *
 * THE RULES, in the order a learner meets them (SQLAlchemy 2.0 is the
 * reference; where C differs it says so):
 *
 * Declaring. A relationship stands on one foreign key column between the
 * two tables, referring to the other side's one-column primary key. The
 * side holding it is many-to-one (a pointer field), the other one-to-many
 * (an orm_collection field); the kind is found from the key and checked
 * against the field. Several keys between the tables: name one with
 * .foreign_key ("organizer_id" or "events.organizer_id"). A table that
 * refers to itself (a tree) has the key on both sides: there the field
 * says which end is which (SQLAlchemy asks for remote_side). order_by is
 * for collections; the delete cascades belong on the one-to-many side.
 * Mistakes are ORM_EINVAL from orm_metadata_add, or - for a target model
 * registered later - from orm_metadata_sorted (create_all, sessionmaker),
 * naming the relationship and the problem:
 *     relationship User.events: no foreign key links users and events; add
 *     a ForeignKey column or name one with .foreign_key
 *
 * Sessions. Related objects live in one session, or in none: a session
 * frees its objects at close, so nothing of a session may point at memory
 * the learner frees, nor the reverse. Relating a free object (transient
 * or detached) to a session's object adds it through the save-update
 * cascade - from either side, where SQLAlchemy 2.0 cascades only along
 * the relationship used; without that cascade it is ORM_ESTATE. Objects of
 * two sessions cannot be related (ORM_ESTATE). orm_object_free() of a
 * transient object takes it out of the free objects related to it.
 *
 * In memory. set/append/remove change both sides at once and send no SQL,
 * except that orm_collection_append/remove on a collection not loaded yet
 * loads it first (as user.events.append() does in Python);
 * orm_relationship_set leaves an unloaded collection unloaded and the
 * event shows in it when it is loaded. An object cannot be related to
 * itself (ORM_EINVAL). A one-to-many without back_populates has no
 * reference on the child to carry the parent to the flush: appending sets
 * the child's foreign key from the parent's key at once (the parent must
 * be persistent), removing sets it to NULL.
 *
 * Flush. Adding an object adds every free object it reaches through
 * relationships with the save-update cascade (the default), recursively,
 * once each. At flush, a reference written directly (event->organizer =
 * user) is found by comparing it with the reference as last loaded or
 * flushed: its target joins the session, its foreign key is filled from
 * the target's primary key - after the target is inserted: INSERTs go in
 * foreign-key order, rows of a self-referencing table parents first - and
 * the event joins the target's collection if loaded. New objects whose
 * references form a cycle cannot be inserted in any order: ORM_EINVAL
 * naming them, nothing sent. A foreign key that names no row is the
 * database's constraint error (ORM_ECONSTRAINT), nothing written.
 *
 * Deleting a parent. Without a delete cascade its collection is loaded
 * and each child's foreign key set to NULL (one UPDATE per child, sent in
 * one batch), in the database and in memory (reference NULL, key NULL),
 * as SQLAlchemy does by default - ORM_EINVAL before any SQL if that key is
 * NOT NULL. With ORM_CASCADE_DELETE the children are deleted too, before
 * the parent. With ORM_CASCADE_DELETE_ORPHAN a child taken out of its
 * parent (removed, or its reference set to NULL) is deleted at the next
 * flush; a pending one is simply not inserted.
 *
 * Loading. Lazy (the default): orm_session_load() runs one SELECT the
 * first time, the same cached statement for every parent - a loop over N
 * users sends N of them (the N+1 problem). For a many-to-one, the identity
 * map answers first, with no SQL. ORM_SELECTIN: after the query's rows, one
 * SELECT ... WHERE fk IN (?, ...) per 500 parents fills every collection
 * (empty ones are marked loaded too); for references, WHERE id IN (...)
 * for the targets the session does not hold. ORM_JOINED: a LEFT OUTER JOIN
 * in the query's own SELECT, each parent returned once; with a LIMIT or
 * OFFSET the query is wrapped in a subquery so it counts parents, not rows
 * (SQLAlchemy's way); at most one collection per query can be joined. The
 * relationship's .lazy applies when the query gives no option;
 * ORM_NOLOAD marks collections loaded and empty. A loaded collection is in
 * the order of .order_by, objects added to it since at the end.
 *
 * Expiry. After a commit (expire_on_commit), orm_session_refresh() or a
 * rollback, collections are not loaded any more (count 0, loaded false):
 * load them again. A reloaded object's references are recomputed from its
 * foreign keys through the identity map (NULL, "not loaded", when the
 * target is not in the session). orm_session_expunge() unlinks the object
 * both ways: nothing in the session points at it, its own references and
 * collections are emptied (not loaded).
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
 * below. `items` is NULL and `count` 0 until loaded. The array is the
 * object's: freed with it (at session close, or by orm_object_free). */
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
	ORM_CASCADE_SAVE_UPDATE = 1 << 0,   /* adding a parent adds what it reaches (default) */
	ORM_CASCADE_DELETE = 1 << 1,        /* deleting a parent deletes its children */
	ORM_CASCADE_DELETE_ORPHAN = 1 << 2, /* a child removed from its parent is deleted */
};

typedef enum orm_relationship_kind {
	ORM_REL_AUTO = 0, /* found from the foreign key */
	ORM_MANY_TO_ONE,
	ORM_ONE_TO_MANY,
} orm_relationship_kind;

typedef struct orm_relationship {
	const char *name;           /* the field's name */
	size_t offset;              /* of the field (a pointer, or an orm_collection) */
	size_t field_size;          /* checked against the kind */
	const char *target;         /* the related model's name, e.g. "Event" */
	const char *back_populates; /* the relationship on the other side, or NULL */
	const char *foreign_key;    /* the column to join on, when ambiguous; else NULL */
	orm_relationship_kind kind;
	orm_loading lazy;     /* default loading strategy */
	int cascade;          /* ORM_CASCADE_* bits; 0 means save-update */
	const char *order_by; /* column of the target to sort a collection by, or NULL */
	/* The library's relationship code, which the session calls through
	 * this table (set by ORM_RELATIONSHIP; leave it alone). */
	const struct orm_rel_hooks *hooks;
} orm_relationship;

/* The table ORM_RELATIONSHIP puts in every relationship: declaring one is
 * what brings the relationship code into a program. */
extern const struct orm_rel_hooks orm_relationship_hooks;

#define ORM_RELATIONSHIP(T, F, TARGET, ...)                                              \
	{                                                                                \
		.name = #F, .offset = offsetof(T, F), .field_size = sizeof(((T *)0)->F), \
		.target = (TARGET), .hooks = &orm_relationship_hooks, __VA_ARGS__        \
	}

/* A model with relationships (and no composite constraints). */
#define ORM_MODEL_WITH_RELATIONSHIPS(T, TABLENAME, COLUMNS, RELATIONSHIPS)                     \
	{                                                                                      \
		.name = #T, .tablename = (TABLENAME), .size = sizeof(T), .columns = (COLUMNS), \
		.ncolumns = ORM_COUNTOF(COLUMNS), .relationships = (RELATIONSHIPS),            \
		.nrelationships = ORM_COUNTOF(RELATIONSHIPS)                                   \
	}

/* Sets a many-to-one relationship (NULL clears it) and keeps the other
 * side's collection in step. Both objects must be in the same session,
 * or one of them free (it is then added): ORM_ESTATE otherwise. ORM_EINVAL
 * for an unknown relationship, a collection, a target of another model or
 * the object itself. The message is on the session, or orm_error_last(). */
int orm_relationship_set(void *object, const char *relationship, void *target);

/* Appends to / removes from a one-to-many collection, setting / clearing
 * the child's many-to-one side. Appending twice keeps one; removing a
 * child that is not there is ORM_EINVAL. */
int orm_collection_append(void *object, const char *relationship, void *child);
int orm_collection_remove(void *object, const char *relationship, void *child);

/* Loads a relationship now if it is not loaded yet (lazy loading): no SQL
 * when it is loaded, for a new object, or for a reference whose target
 * the identity map holds. ORM_ESTATE for an object not in `session`. */
int orm_session_load(orm_session *session, void *object, const char *relationship);

/* Query option: how `relationship` of the queried model is loaded
 * (ORM_EINVAL naming it when the model has no such relationship). */
int orm_query_options(orm_query *query, const char *relationship, orm_loading loading);

#ifdef __cplusplus
}
#endif

#endif
