/*
 * ex4_2_fix_n_plus_one.c - exercise 4.2 solved (BOOK.md, "Chapter 4 - Relationships").
 *
 * The whole fix is one query option: selectin loads every user's events in one
 * SELECT ... WHERE organizer_id IN (...) right after the users, so the loop's
 * orm_session_load() finds each collection loaded and sends nothing. Two queries, however
 * many users.
 */
#include <string.h>

#include "ex4_2_fix_n_plus_one.h"

/* A growing string: what the report is written into. */
typedef struct text {
	char *s;
	size_t len, cap;
	int rc;
} text;

static void put(text *t, const char *piece)
{
	size_t n = strlen(piece);

	if (t->rc < 0)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 64;
		char *grown;
		while (cap < t->len + n + 1)
			cap *= 2;
		if (!(grown = orm_realloc(t->s, cap))) {
			t->rc = ORM_ENOMEM;
			return;
		}
		t->s = grown;
		t->cap = cap;
	}
	memcpy(t->s + t->len, piece, n + 1);
	t->len += n;
}

int events_report(char **out, orm_session *s)
{
	orm_query *query = NULL;
	void **users = NULL;
	size_t nusers = 0;
	text report = {NULL, 0, 0, ORM_OK};
	int rc;

	*out = NULL;
	if ((rc = orm_query_new(&query, s, &User_model)) < 0)
		return rc;
	orm_query_order_by(query, "email", ORM_ASC);
	orm_query_options(query, "events", ORM_SELECTIN); /* the fix */
	if ((rc = orm_query_all(&users, &nusers, query)) < 0)
		goto done;

	put(&report, ""); /* an empty report is "", not NULL */
	for (size_t i = 0; i < nusers; i++) {
		User *user = users[i];
		if ((rc = orm_session_load(s, user, "events")) < 0) /* loaded: no SQL */
			goto done;
		put(&report, user->email);
		put(&report, ":");
		for (size_t k = 0; k < user->events.count; k++) {
			const Event *event = user->events.items[k];
			put(&report, k ? ", " : " ");
			put(&report, event->title);
		}
		put(&report, user->events.count ? "\n" : " (no events)\n");
	}
	if ((rc = report.rc) < 0)
		goto done;
	*out = report.s;
	report.s = NULL;

done:
	orm_free(report.s);
	orm_free(users);
	orm_query_free(query);
	return rc;
}
