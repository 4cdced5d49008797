/*
 * ex4_3_cascade.c - exercise 4.3 (BOOK.md, "Chapter 4 - Relationships").
 *
 * As shipped, User.events has the default cascade, save-update only: deleting a user leaves
 * its events behind with no organizer, and an event removed from the collection stays too,
 * with its organizer_id set to NULL.
 *
 * TODO: give the relationship a .cascade with the ORM_CASCADE_* bits of orm/relationship.h
 * that make an event belong to its user. Read what 0 means there before choosing.
 */
#include "ex4_3_cascade.h"

const orm_relationship user_relationships[1] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer", .order_by = "date_of"),
};
