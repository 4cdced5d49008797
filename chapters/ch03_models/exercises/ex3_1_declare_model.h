/*
 * ex3_1_declare_model.h - exercise 3.1: declare a model from a description.
 * BOOK.md, "Chapter 3 - Base and models", exercise 3.1.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex3_1_declare_model.c; `./workbook check 3` runs its test on SQLite;
 * `./workbook check 3 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX3_1_DECLARE_MODEL_H
#define EX3_1_DECLARE_MODEL_H

#include <stdint.h>

#include "orm/schema.h"

/* book:begin contract */
/*
 * A venue where events take place. Declare Venue_model so that create_all makes this table
 * (the SQLAlchemy model it corresponds to is on the right):
 *
 *   venues                                  class Venue(Base):
 *                                               __tablename__ = "venues"
 *     id        integer, primary key            id = Column(Integer, primary_key=True)
 *     name      string of at most 100           name = Column(String(100), nullable=False,
 *               characters, never NULL, no                    unique=True)
 *               two venues with one name
 *     capacity  integer, may be NULL            capacity = Column(Integer, nullable=True)
 *     opened    a date, may be NULL             opened = Column(Date)
 *
 * The struct is given; every column's field has the C type orm/schema.h asks for.
 */
typedef struct Venue {
	int64_t id;
	char *name;
	int64_t capacity;
	orm_date opened;
} Venue;

extern const orm_model Venue_model;
/* book:end contract */

#endif
