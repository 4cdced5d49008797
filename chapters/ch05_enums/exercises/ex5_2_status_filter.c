/*
 * ex5_2_status_filter.c - exercise 5.2 (BOOK.md, "Chapter 5 - Enums").
 *
 * As shipped, the status is ignored and the events come in whatever order the database
 * likes: every event, for any ?status=.
 *
 * TODO: return the events whose status is `status` (every event when it is NULL), in the
 * contract's order, which gives each event a fixed place on both databases, even two on the
 * same day. A label that is not one of the enum's must be refused with ORM_EINVAL before
 * any SQL is sent; the column knows its enum, so you need not check the label yourself
 * (section 5.4). Free the query on every path. `./workbook hint 5.2`, then `--more`.
 */
#include "ex5_2_status_filter.h"

int events_by_status(void ***out, size_t *count, orm_session *s, const char *status)
{
	orm_query *query = NULL;
	int rc;

	(void)status;
	if ((rc = orm_query_new(&query, s, &Event_model)) < 0)
		return rc;
	rc = orm_query_all(out, count, query);
	orm_query_free(query);
	return rc;
}
