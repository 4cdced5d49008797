/*
 * ex4_1_back_populates.c - exercise 4.1 (BOOK.md, "Chapter 4 - Relationships").
 *
 * As shipped, only one side is written: event->organizer changes, and no user's array ever
 * hears of it. That is a relationship without back_populates, read before a flush.
 *
 * TODO: make `user` the event's organizer (or no one, for NULL) and keep both sides in step:
 * afterwards the event is in exactly one array, its organizer's, once, with the other events
 * of every array in their order. When memory runs out, return ORM_ENOMEM with nothing
 * changed at all: think about which step can fail, and when to take it. Section 4.2 of the
 * book; `./workbook hint 4.1`, then `--more`.
 */
#include "ex4_1_back_populates.h"

int set_organizer(Event *event, User *user)
{
	event->organizer = user;
	return ORM_OK;
}
