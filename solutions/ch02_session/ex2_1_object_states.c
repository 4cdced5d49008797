/*
 * ex2_1_object_states.c - exercise 2.1 solved (BOOK.md, "Chapter 2 - The session").
 *
 * The reasoning for each step is beside it: whether the object is in the session, and
 * whether its row exists in the database as the session's transaction sees it.
 */
#include "ex2_1_object_states.h"

const orm_state predicted_states[STATE_STEPS] = {
    ORM_TRANSIENT,  /*  1  a new object: in no session, no row                            */
    ORM_PENDING,    /*  2  in the session, but add() sends no SQL                         */
    ORM_PERSISTENT, /*  3  the flush INSERTed its row                                     */
    ORM_PERSISTENT, /*  4  committed: still in the session (and expired)                  */
    ORM_PERSISTENT, /*  5  delete() only marks it; the row is there until a flush         */
    ORM_DELETED,    /*  6  the flush DELETEd the row; the transaction is still open       */
    ORM_PERSISTENT, /*  7  the rollback undid the DELETE: the row is back                 */
    ORM_DETACHED,   /*  8  had a row, now in no session: detached, and ours to free       */
    ORM_PENDING,    /*  9  delete() refuses a pending object (no row yet): still pending  */
    ORM_TRANSIENT,  /* 10  the INSERT was rolled back: as if it never had a row           */
    ORM_DETACHED,   /* 11  deleted and committed: the row is gone and it left the session */
};
