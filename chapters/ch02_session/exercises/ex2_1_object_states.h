/*
 * ex2_1_object_states.h - exercise 2.1: which state is the object in?
 * BOOK.md, "Chapter 2 - The session", exercise 2.1.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex2_1_object_states.c; `./workbook check 2` runs its test on SQLite;
 * `./workbook check 2 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX2_1_OBJECT_STATES_H
#define EX2_1_OBJECT_STATES_H

#include "orm/session.h"

/* book:begin contract */
/*
 * The test runs the calls below, in order, in one session `s` on a table users(id, email),
 * and after each numbered step asks orm_object_state() of the object named in that step.
 * Predict every answer: write it into predicted_states[step - 1], in ex2_1_object_states.c.
 *
 *      object a:
 *   1  a = orm_object_new(&User_model)
 *   2  orm_session_add(s, a)
 *   3  orm_session_flush(s)
 *   4  orm_session_commit(s)
 *   5  orm_session_delete(s, a)
 *   6  orm_session_flush(s)
 *   7  orm_session_rollback(s)
 *   8  orm_session_expunge(s, a)
 *      object b:
 *   9  b = orm_object_new(&User_model); orm_session_add(s, b); orm_session_delete(s, b)
 *      (this delete is refused with ORM_ESTATE; then the test expunges b and frees it)
 *      object c:
 *  10  c = orm_object_new(&User_model); orm_session_add(s, c); orm_session_flush(s);
 *      orm_session_rollback(s)
 *      object d:
 *  11  d = orm_object_new(&User_model); orm_session_add(s, d); orm_session_commit(s);
 *      orm_session_delete(s, d); orm_session_commit(s)
 *
 * Every other call succeeds. Reason it out with the book's table of states before running
 * anything.
 */
enum { STATE_STEPS = 11 };

extern const orm_state predicted_states[STATE_STEPS];
/* book:end contract */

#endif
