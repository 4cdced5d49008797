/*
 * ex6_1_read_event.h - exercise 6.1: the handler of GET /events/{event_id}, with its 404.
 * BOOK.md, "Chapter 6 - The entry point", exercise 6.1.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in ex6_1_read_event.c;
 * `./workbook check 6` runs its test on SQLite (the test suite also on PostgreSQL).
 */
#ifndef EX6_1_READ_EVENT_H
#define EX6_1_READ_EVENT_H

#include "main.h"

/* book:begin contract */
/*
 *     @app.get("/events/{event_id}", response_model=schemas.Event)
 *     def read_event(event_id: int, db: Session = Depends(get_db)):
 *
 * The app calls it with call->db, get_db's session (open; the app closes it), and
 * call->params holding "event_id", already validated as an integer. It must fill *out:
 *   - 200 and the event as the Event schema shows it, when there is one with that id;
 *   - 404 and {"detail": "Event not found"} when there is none;
 * or return the library's error code for any other failure (the app answers 500 or 503).
 */
int ex6_1_read_event(app_response *out, app_call *call);
/* book:end contract */

#endif
