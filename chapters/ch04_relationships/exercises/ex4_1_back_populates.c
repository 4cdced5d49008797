/*
 * ex4_1_back_populates.c - exercise 4.1 (BOOK.md, "Chapter 4 - Relationships").
 *
 * As shipped, only one side is written: event->organizer changes, and no user's array ever
 * hears of it. That is a relationship without back_populates, read before a flush.
 *
 * TODO, in this order (the order is what makes ORM_ENOMEM leave nothing changed):
 *   1. if event->organizer is already `user`, there is nothing to do;
 *   2. if `user` is not NULL, make room in user->events first: when nevents == capacity,
 *      orm_realloc() it to twice the capacity (or 4 when it is 0); on failure return
 *      ORM_ENOMEM, having changed nothing yet;
 *   3. take `event` out of its old organizer's array (if it has one), shifting the events
 *      after it down by one (memmove) so the others keep their order;
 *   4. append `event` to user->events and set event->organizer.
 */
#include "ex4_1_back_populates.h"

int set_organizer(Event *event, User *user)
{
	event->organizer = user;
	return ORM_OK;
}
