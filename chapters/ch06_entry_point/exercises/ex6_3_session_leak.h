/*
 * ex6_3_session_leak.h - exercise 6.3: two handlers that open their own sessions; one of
 * them leaks its session on one path. BOOK.md, "Chapter 6 - The entry point", exercise 6.3.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex6_3_session_leak.c; `./workbook check 6` runs its test.
 */
#ifndef EX6_3_SESSION_LEAK_H
#define EX6_3_SESSION_LEAK_H

#include "main.h"

/* book:begin contract */
/*
 * Two routes declared without Depends(get_db) (uses_db false): each handler opens a session
 * from SessionLocal itself, and so must close it itself, on every path.
 *
 *   GET /users/{user_id}/event_count   200 {"user_id": N, "events": COUNT}, or 404
 *                                      {"detail": "User not found"}
 *   GET /events/{event_id}/title       200 {"title": "..."}, or 404 {"detail": "Event not found"}
 *
 * A handler returns ORM_OK with *out filled, or a library error code; it never keeps a
 * session open after it returns.
 */
int ex6_3_user_event_count(app_response *out, app_call *call);
int ex6_3_event_title(app_response *out, app_call *call);
/* book:end contract */

#endif
