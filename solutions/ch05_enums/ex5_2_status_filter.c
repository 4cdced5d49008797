/*
 * ex5_2_status_filter.c - exercise 5.2 solved (BOOK.md, "Chapter 5 - Enums").
 *
 * The label goes into the query as text: the column's enum turns it into a value, and a text
 * that is no label stops the query with ORM_EINVAL before any SQL is sent. The second sort
 * key makes the order total, so it is the same on every database.
 */
#include "ex5_2_status_filter.h"

int events_by_status(void ***out, size_t *count, orm_session *s, const char *status)
{
	orm_query *query = NULL;
	int rc;

	if ((rc = orm_query_new(&query, s, &Event_model)) < 0)
		return rc;
	if (status)
		orm_query_where(query, "social_status", "=", orm_text(status));
	orm_query_order_by(query, "date_of", ORM_ASC);
	orm_query_order_by(query, "id", ORM_ASC);
	rc = orm_query_all(out, count, query); /* also returns a builder's error */
	orm_query_free(query);
	return rc;
}
