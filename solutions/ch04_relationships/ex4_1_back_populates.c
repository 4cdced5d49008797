/*
 * ex4_1_back_populates.c - exercise 4.1 solved (BOOK.md, "Chapter 4 - Relationships").
 *
 * Two records of one fact - the organizer pointer and the membership of the array - changed
 * together. The only step that can fail, growing the array, runs before anything changes,
 * so a failure leaves both sides as they were.
 */
#include <string.h>

#include "ex4_1_back_populates.h"

/* Takes `event` out of user->events, keeping the order of the others. */
static void remove_event(User *user, const Event *event)
{
	for (size_t i = 0; i < user->nevents; i++) {
		if (user->events[i] == event) {
			memmove(&user->events[i], &user->events[i + 1],
			        (user->nevents - i - 1) * sizeof *user->events);
			user->nevents--;
			return;
		}
	}
}

int set_organizer(Event *event, User *user)
{
	User *old = event->organizer;

	if (old == user)
		return ORM_OK;
	if (user && user->nevents == user->capacity) {
		size_t capacity = user->capacity ? 2 * user->capacity : 4;
		Event **grown = orm_realloc(user->events, capacity * sizeof *grown);
		if (!grown)
			return ORM_ENOMEM;
		user->events = grown;
		user->capacity = capacity;
	}
	if (old)
		remove_event(old, event);
	if (user)
		user->events[user->nevents++] = event;
	event->organizer = user;
	return ORM_OK;
}
