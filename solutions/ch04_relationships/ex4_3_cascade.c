/*
 * ex4_3_cascade.c - exercise 4.3 solved (BOOK.md, "Chapter 4 - Relationships").
 *
 * An event that cannot exist without its organizer: SQLAlchemy's cascade="all, delete-orphan".
 * A non-zero .cascade is the whole list, so save-update is named along with the two delete
 * cascades; leaving it out would stop new events from being saved with their user.
 */
#include "ex4_3_cascade.h"

const orm_relationship user_relationships[1] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer", .order_by = "date_of",
                     .cascade =
                         ORM_CASCADE_SAVE_UPDATE | ORM_CASCADE_DELETE | ORM_CASCADE_DELETE_ORPHAN),
};
