/*
 * ex6_2_validate_event.h - exercise 6.2: validating an event's JSON body by hand, into 422
 * errors with the right loc. BOOK.md, "Chapter 6 - The entry point", exercise 6.2.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex6_2_validate_event.c; `./workbook check 6` runs its test.
 */
#ifndef EX6_2_VALIDATE_EVENT_H
#define EX6_2_VALIDATE_EVENT_H

#include "main.h"

/* book:begin contract */
/*
 * What pydantic does with schemas.EventCreate:
 *
 *     class EventCreate(BaseModel):
 *         title: str
 *         date_of: datetime.date
 *         social_status: SocialStatus = SocialStatus.public
 *
 * `body` is the request's parsed JSON (borrowed), NULL when there was none. Returns a new
 * object {"title", "date_of", "social_status"} with each value normalized (the text of a
 * title, "YYYY-MM-DD", a label; "public" when social_status is absent), or NULL after
 * appending to `errors` one error per field that is wrong, in the fields' order:
 *   - no body, or JSON null:  loc ["body"],           "field required"
 *   - not an object:          loc ["body"],           "value is not a valid dict"
 *   - a field missing:        loc ["body", "title"],  "field required"
 *   - a field wrong:          loc ["body", "date_of"], the field's own message
 * The messages and types are pydantic's (schemas.h has what checks one field).
 */
json_t *ex6_2_validate_event(const json_t *body, json_t *errors);
/* book:end contract */

#endif
