/*
 * crud.h - chapter 6's queries: the FastAPI tutorial's sql_app/crud.py.
 *
 * Each function takes the request's session (`db`, from get_db) and returns objects that
 * session holds: they live until get_db closes it, after the answer is written. Arrays are
 * the caller's (orm_free the array, not the objects). Errors are the library's codes, the
 * message on the session.
 */
#ifndef CH06_CRUD_H
#define CH06_CRUD_H

#include <stddef.h>
#include <stdint.h>

#include "models.h"
#include "schemas.h"

/* The user with this id, or ORM_ENOTFOUND. Its events are not loaded. */
int crud_get_user(User **out, orm_session *db, int64_t user_id);
/* The user with this email, or ORM_ENOTFOUND. */
int crud_get_user_by_email(User **out, orm_session *db, const char *email);
/* Users by id, skip and limit as given, each with its events (selectin: one more SELECT). */
int crud_get_users(void ***out, size_t *count, orm_session *db, int64_t skip, int64_t limit);
/* Adds and commits a user, then refreshes it as the tutorial does (db.refresh). */
int crud_create_user(User **out, orm_session *db, const char *email);
/* Events by id; `status` SOCIAL_NULL for any. */
int crud_get_events(void ***out, size_t *count, orm_session *db, int64_t skip, int64_t limit,
                    SocialStatus status);
/* The event with this id, or ORM_ENOTFOUND. */
int crud_get_event(Event **out, orm_session *db, int64_t event_id);
/* Adds and commits an event organized by `user_id` (the caller checked it exists). */
int crud_create_user_event(Event **out, orm_session *db, const EventCreate *event, int64_t user_id);

#endif
