/*
 * ex4_3_cascade.h - exercise 4.3: events that belong to their organizer.
 * BOOK.md, "Chapter 4 - Relationships", exercise 4.3.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in ex4_3_cascade.c;
 * `./workbook check 4` runs its test on SQLite;
 * `./workbook check 4 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX4_3_CASCADE_H
#define EX4_3_CASCADE_H

#include <stdint.h>

#include "orm/orm.h"
#include "orm/relationship.h"
#include "orm/schema.h"

/* book:begin contract */
/*
 * The chapter's models; the test declares them (tests/exercises/ex4_3_cascade_test.c),
 * except User's relationship, which is yours: declare user_relationships, User.events,
 * one-to-many, back_populates "organizer", ordered by date_of, such that an event lives
 * only as long as it belongs to its user:
 *   - adding a user to a session saves the events in its collection, as before;
 *   - deleting a user deletes its events in the same flush, instead of leaving them with
 *     organizer_id NULL;
 *   - an event taken out of its user's collection (orm_collection_remove) is deleted at the
 *     next flush.
 * In SQLAlchemy: relationship("Event", back_populates="organizer", order_by="Event.date_of",
 *                             cascade=...)  - which cascade?
 */
typedef struct Event Event;

typedef struct User {
	int64_t id;
	char *email;
	orm_collection events;
} User;

struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	int64_t organizer_id;
	User *organizer;
};

extern const orm_relationship user_relationships[1];
/* book:end contract */

#endif
