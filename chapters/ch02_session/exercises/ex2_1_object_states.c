/*
 * ex2_1_object_states.c - exercise 2.1 (BOOK.md, "Chapter 2 - The session").
 *
 * One prediction per step of the sequence in ex2_1_object_states.h: the state the object
 * named in that step is in right after it. The five states are ORM_TRANSIENT, ORM_PENDING,
 * ORM_PERSISTENT, ORM_DELETED and ORM_DETACHED (orm/session.h).
 *
 * TODO: replace every guess below with your prediction. Step 1 is done for you.
 */
#include "ex2_1_object_states.h"

const orm_state predicted_states[STATE_STEPS] = {
    ORM_TRANSIENT, /*  1  orm_object_new                                  */
    ORM_TRANSIENT, /*  2  orm_session_add                         TODO    */
    ORM_TRANSIENT, /*  3  orm_session_flush                       TODO    */
    ORM_TRANSIENT, /*  4  orm_session_commit                      TODO    */
    ORM_TRANSIENT, /*  5  orm_session_delete                      TODO    */
    ORM_TRANSIENT, /*  6  orm_session_flush                       TODO    */
    ORM_TRANSIENT, /*  7  orm_session_rollback                    TODO    */
    ORM_TRANSIENT, /*  8  orm_session_expunge                     TODO    */
    ORM_TRANSIENT, /*  9  add, then delete before any flush       TODO    */
    ORM_TRANSIENT, /* 10  add, flush, rollback                    TODO    */
    ORM_TRANSIENT, /* 11  add, commit, delete, commit             TODO    */
};
