/*
 * ex6_3_session_leak.c - exercise 6.3, solved (BOOK.md, "Chapter 6 - The entry point").
 */
#include "ex6_3_session_leak.h"

#include "crud.h"

int ex6_3_user_event_count(app_response *out, app_call *call)
{
	int64_t user_id = json_integer_value(json_object_get(call->params, "user_id"));
	orm_session *db = NULL;
	User *user;
	int rc;

	if ((rc = orm_session_open(&db, app_database(call->app)->session_local)) < 0)
		return rc;
	rc = crud_get_user(&user, db, user_id);
	if (rc == ORM_ENOTFOUND) {
		out->status = 404;
		out->body = json_pack("{s:s}", "detail", "User not found");
		rc = ORM_OK;
		goto done; /* was: return ORM_OK, with db still open */
	}
	if (rc < 0 || (rc = orm_session_load(db, user, "events")) < 0)
		goto done;
	out->status = 200;
	out->body = json_pack("{s:I,s:I}", "user_id", (json_int_t)user_id, "events",
	                      (json_int_t)user->events.count);
done:
	orm_session_close(db);
	return rc;
}

int ex6_3_event_title(app_response *out, app_call *call)
{
	int64_t event_id = json_integer_value(json_object_get(call->params, "event_id"));
	orm_session *db = NULL;
	Event *event;
	int rc;

	if ((rc = orm_session_open(&db, app_database(call->app)->session_local)) < 0)
		return rc;
	rc = crud_get_event(&event, db, event_id);
	if (rc == ORM_OK) {
		out->status = 200;
		out->body = json_pack("{s:s?}", "title", event->title);
	} else if (rc == ORM_ENOTFOUND) {
		out->status = 404;
		out->body = json_pack("{s:s}", "detail", "Event not found");
		rc = ORM_OK;
	}
	orm_session_close(db);
	return rc;
}
