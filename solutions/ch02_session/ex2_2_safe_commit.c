/*
 * ex2_2_safe_commit.c - exercise 2.2 solved (BOOK.md, "Chapter 2 - The session").
 *
 * Every address is checked before anything is added, so a refused batch never touches the
 * session. Then the whole batch is added and committed once: the commit is the one point
 * where all of it becomes real. When it fails, the session is rolled back, so that nothing
 * of the batch is left pending for the caller's next commit.
 */
#include "ex2_2_safe_commit.h"

#include <stdio.h>
#include <string.h>

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .length = 100, .nullable = ORM_NULLABLE_NO, .unique = true),
};

const orm_model User_model = ORM_MODEL(User, "users", user_columns);

int safe_commit(orm_session *db, const char *const *emails, size_t n, char *report, size_t size)
{
	char reason[256] = "";
	int rc = ORM_OK;

	for (size_t i = 0; i < n; i++) {
		if (!strchr(emails[i], '@')) {
			snprintf(reason, sizeof reason, "'%s' is not an email address", emails[i]);
			rc = ORM_EINVAL;
			goto done;
		}
	}

	for (size_t i = 0; i < n; i++) {
		User *user = orm_object_new(&User_model);
		if (!user) {
			rc = ORM_ENOMEM;
			snprintf(reason, sizeof reason, "out of memory");
			orm_session_rollback(db); /* the users added so far */
			goto done;
		}
		if ((rc = orm_set_text(&user->email, emails[i])) < 0) {
			snprintf(reason, sizeof reason, "out of memory");
			orm_object_free(user);
			orm_session_rollback(db);
			goto done;
		}
		if ((rc = orm_session_add(db, user)) < 0) {
			snprintf(reason, sizeof reason, "%s", orm_session_errmsg(db));
			orm_object_free(user); /* a failed add() does not take the object */
			orm_session_rollback(db);
			goto done;
		}
	}

	/* A failed commit has rolled the transaction back: nothing is stored. But the users it
	 * could not store are pending again, ready for a retry; this batch is all or nothing,
	 * so they go: a rollback of the session makes them transient. */
	if ((rc = orm_session_commit(db)) < 0) {
		snprintf(reason, sizeof reason, "%s", orm_session_errmsg(db));
		orm_session_rollback(db);
	}

done:
	if (size > 0) {
		if (rc < 0)
			snprintf(report, size, "could not store %zu users: %s", n, reason);
		else
			report[0] = '\0';
	}
	return rc;
}
