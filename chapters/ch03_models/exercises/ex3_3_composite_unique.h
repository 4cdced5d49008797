/*
 * ex3_3_composite_unique.h - exercise 3.3: a constraint over two columns.
 * BOOK.md, "Chapter 3 - Base and models", exercise 3.3.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex3_3_composite_unique.c; `./workbook check 3` runs its test on SQLite;
 * `./workbook check 3 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX3_3_COMPOSITE_UNIQUE_H
#define EX3_3_COMPOSITE_UNIQUE_H

#include <stdint.h>

#include "orm/schema.h"

/* book:begin contract */
/*
 * A seat sold for an event. Declare Ticket_model so that create_all makes this table (the
 * SQLAlchemy model it corresponds to is on the right):
 *
 *   tickets                                 class Ticket(Base):
 *                                               __tablename__ = "tickets"
 *     id        integer, primary key            id = Column(Integer, primary_key=True)
 *     event_id  the event, never NULL           event_id = Column(Integer,
 *                                                   ForeignKey("events.id"), nullable=False)
 *     seat      e.g. "A12", at most 10          seat = Column(String(10), nullable=False)
 *               characters, never NULL
 *                                               __table_args__ = (
 *   and one rule: a seat is sold once per          UniqueConstraint("event_id", "seat"),)
 *   event. Seat A12 may be sold for two
 *   events, but not twice for one.
 *
 * The struct is given. The events table (id integer primary key) is the test's.
 */
typedef struct Ticket {
	int64_t id;
	int64_t event_id;
	char *seat;
} Ticket;

extern const orm_model Ticket_model;
/* book:end contract */

#endif
