/*
 * crud.c - the queries of chapter 6 (sql_app/crud.py), one function each, on the session
 * get_db gave the request.
 */
#include "crud.h"

#include "orm/relationship.h"

/* book:begin get-user */
int crud_get_user(User **out, orm_session *db, int64_t user_id)
{
	/* The identity map first: no SQL for a user this session already holds. */
	return orm_session_get((void **)out, db, &User_model, orm_int(user_id));
}
/* book:end get-user */

int crud_get_user_by_email(User **out, orm_session *db, const char *email)
{
	orm_query *query = NULL;
	int rc;

	if ((rc = orm_query_new(&query, db, &User_model)) < 0)
		return rc;
	orm_query_where(query, "email", "=", orm_text(email));
	rc = orm_query_first((void **)out, query);
	orm_query_free(query);
	return rc;
}

/* book:begin get-users */
int crud_get_users(void ***out, size_t *count, orm_session *db, int64_t skip, int64_t limit)
{
	orm_query *query = NULL;
	int rc;

	if ((rc = orm_query_new(&query, db, &User_model)) < 0)
		return rc;
	orm_query_order_by(query, "id", ORM_ASC);
	orm_query_offset(query, skip);
	orm_query_limit(query, limit);
	/* One more SELECT for every listed user's events, not one per user (BOOK.md 6.5). */
	orm_query_options(query, "events", ORM_SELECTIN);
	rc = orm_query_all(out, count, query);
	orm_query_free(query);
	return rc;
}
/* book:end get-users */

/* book:begin create-user */
int crud_create_user(User **out, orm_session *db, const char *email)
{
	User *user = orm_object_new(&User_model);
	int rc;

	if (!user)
		return ORM_ENOMEM;
	if ((rc = orm_set_text(&user->email, email)) < 0) {
		orm_object_free(user);
		return rc;
	}
	if ((rc = orm_session_add(db, user)) < 0) { /* the session owns it from here */
		orm_object_free(user);
		return rc;
	}
	if ((rc = orm_session_commit(db)) < 0)
		return rc;
	/* expire_on_commit marked it stale: db.refresh(db_user) reads it back */
	if ((rc = orm_session_refresh(db, user)) < 0)
		return rc;
	*out = user;
	return ORM_OK;
}
/* book:end create-user */

int crud_get_events(void ***out, size_t *count, orm_session *db, int64_t skip, int64_t limit,
                    SocialStatus status)
{
	orm_query *query = NULL;
	int rc;

	if ((rc = orm_query_new(&query, db, &Event_model)) < 0)
		return rc;
	if (status != SOCIAL_NULL)
		orm_query_where(query, "social_status", "=", orm_int(status));
	orm_query_order_by(query, "id", ORM_ASC);
	orm_query_offset(query, skip);
	orm_query_limit(query, limit);
	rc = orm_query_all(out, count, query);
	orm_query_free(query);
	return rc;
}

int crud_get_event(Event **out, orm_session *db, int64_t event_id)
{
	return orm_session_get((void **)out, db, &Event_model, orm_int(event_id));
}

int crud_create_user_event(Event **out, orm_session *db, const EventCreate *in, int64_t user_id)
{
	Event *event = orm_object_new(&Event_model);
	int rc;

	if (!event)
		return ORM_ENOMEM;
	if ((rc = orm_set_text(&event->title, in->title)) < 0) {
		orm_object_free(event);
		return rc;
	}
	event->date_of = in->date_of;
	event->social_status = in->social_status;
	event->organizer_id = user_id;
	if ((rc = orm_session_add(db, event)) < 0) {
		orm_object_free(event);
		return rc;
	}
	if ((rc = orm_session_commit(db)) < 0 || (rc = orm_session_refresh(db, event)) < 0)
		return rc;
	*out = event;
	return ORM_OK;
}
