/*
 * ex6_1_read_event.c - exercise 6.1 (BOOK.md, "Chapter 6 - The entry point").
 *
 * The test plugs this handler in place of the app's own GET /events/{event_id} and asks for
 * an event that is there and for one that is not.
 *
 * TODO: answer 200 with the event whose id is the "event_id" parameter, as the Event schema
 * shows it, and 404 with FastAPI's detail when there is no such event. Any other failure is
 * not yours to answer: return its code.
 */
#include "ex6_1_read_event.h"

#include "crud.h"

int ex6_1_read_event(app_response *out, app_call *call)
{
	(void)call;
	out->status = 501;
	out->body = json_pack("{s:s}", "detail", "Not Implemented");
	return ORM_OK;
}
