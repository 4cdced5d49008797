/*
 * ex5_2_status_filter.h - exercise 5.2: events filtered by a status given as text.
 * BOOK.md, "Chapter 5 - Enums", exercise 5.2.
 *
 * This file is the exercise's contract: do not edit it. Your work goes in
 * ex5_2_status_filter.c; `./workbook check 5` runs its test on SQLite;
 * `./workbook check 5 --postgres` on PostgreSQL (the test suite runs both).
 */
#ifndef EX5_2_STATUS_FILTER_H
#define EX5_2_STATUS_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "orm/orm.h"
#include "orm/schema.h"
#include "orm/session.h"

/* book:begin contract */
/*
 * The chapter's Event, without its relationship. The test declares the model
 * (tests/exercises/ex5_2_status_filter_test.c) the way chapter 5's program does:
 *     social_status  ORM_ENUM, labels "public" and "private", nullable (SOCIAL_NULL is NULL)
 */
typedef enum SocialStatus {
	SOCIAL_NULL = ORM_ENUM_NULL,
	SOCIAL_PUBLIC,
	SOCIAL_PRIVATE,
} SocialStatus;

typedef struct Event {
	int64_t id;
	char *title;
	orm_date date_of;
	SocialStatus social_status;
	int64_t organizer_id;
} Event;

extern const orm_model Event_model;

/*
 * The events of session `s` whose social_status is `status`, the text of a request's
 * ?status= parameter (chapter 6 will pass it on as it comes), ordered by date_of, then id.
 * A NULL `status` means no filter: every event, those without a status included.
 *
 * On success *out is an array of `Event *` you orm_free() (the events are the session's),
 * *count their number, and the return ORM_OK. When `status` is not a label of SocialStatus
 * ("Private", "all", "") the return is ORM_EINVAL, nothing is sent to the database, and
 * orm_session_errmsg(s) names the value and the allowed labels.
 */
int events_by_status(void ***out, size_t *count, orm_session *s, const char *status);
/* book:end contract */

#endif
