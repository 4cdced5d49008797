/*
 * ex4_1_back_populates.h - exercise 4.1: keep both sides of a relationship in step, by hand.
 * BOOK.md, "Chapter 4 - Relationships", exercise 4.1.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex4_1_back_populates.c; `./workbook check 4` runs its test.
 */
#ifndef EX4_1_BACK_POPULATES_H
#define EX4_1_BACK_POPULATES_H

#include <stddef.h>

#include "orm/orm.h"

/* book:begin contract */
/*
 * Plain structs, no library: a user holds an array of its events, an event points to its
 * organizer. Two records of one fact, which back_populates keeps in step for you. Here you
 * do it yourself.
 */
typedef struct Event Event;

typedef struct User {
	const char *email;
	Event **events; /* grown with orm_realloc(); the test frees it with orm_free() */
	size_t nevents;
	size_t capacity;
} User;

struct Event {
	const char *title;
	User *organizer; /* NULL: no organizer */
};

/*
 * Makes `user` (NULL: nobody) the organizer of `event`, so that afterwards both sides agree:
 *   - event->organizer == user;
 *   - `event` is in user->events exactly once: appended at the end, or left in its place
 *     if it was already there;
 *   - `event` is in no other user's events: it is taken out of its previous organizer's
 *     array, whose other events keep their order.
 * Returns ORM_OK, or ORM_ENOMEM when user->events cannot grow: then nothing has changed,
 * on either side.
 */
int set_organizer(Event *event, User *user);
/* book:end contract */

#endif
