/*
 * ex4_2_fix_n_plus_one.h - exercise 4.2: a report that sends one query per user, fixed.
 * BOOK.md, "Chapter 4 - Relationships", exercise 4.2.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex4_2_fix_n_plus_one.c; `./workbook check 4` runs its test on SQLite;
 * `./workbook check 4 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX4_2_FIX_N_PLUS_ONE_H
#define EX4_2_FIX_N_PLUS_ONE_H

#include <stdint.h>

#include "orm/orm.h"
#include "orm/relationship.h"
#include "orm/schema.h"
#include "orm/session.h"

/* book:begin contract */
/*
 * The chapter's models. The test declares them (tests/exercises/ex4_2_fix_n_plus_one_test.c)
 * as chapter 4's program does: User.events is one-to-many, back_populates "organizer",
 * ordered by date_of, loaded lazily unless a query says otherwise.
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

extern const orm_model User_model;
extern const orm_model Event_model;

/*
 * Writes every user of session `s` and their events, one line per user, ordered by email,
 * each user's events in the relationship's order (by date):
 *     ada@example.com: SQLAlchemy meetup, Tea with Grace
 *     bob@example.com: (no events)
 * *out is a string you orm_free(). However many users there are, the report sends at most
 * two SELECTs. Returns ORM_OK, or the code of the call that failed (its message is on the
 * session).
 */
int events_report(char **out, orm_session *s);
/* book:end contract */

#endif
