/*
 * ex6_1_read_event.c - exercise 6.1, solved (BOOK.md, "Chapter 6 - The entry point").
 */
#include "ex6_1_read_event.h"

#include "crud.h"

int ex6_1_read_event(app_response *out, app_call *call)
{
	int64_t event_id = json_integer_value(json_object_get(call->params, "event_id"));
	Event *event;
	int rc = crud_get_event(&event, call->db, event_id);

	if (rc == ORM_ENOTFOUND) {
		out->status = 404;
		out->body = json_pack("{s:s}", "detail", "Event not found");
		return ORM_OK;
	}
	if (rc < 0)
		return rc; /* the app answers 503 (pool) or 500, and get_db still closes db */
	out->status = 200;
	out->body = schema_dump(&Event_schema, event);
	return ORM_OK;
}
