/*
 * ex2_2_safe_commit.c - exercise 2.2 (BOOK.md, "Chapter 2 - The session").
 *
 * As shipped, every user is committed on its own: when the third address is taken, the
 * first two are already stored for good, and nobody is told why the batch stopped. An
 * address without an '@' is stored like any other.
 *
 * TODO: make the batch all or nothing, as the contract in ex2_2_safe_commit.h says: an
 * address without an '@' is refused with ORM_EINVAL; on any failure no user of the batch is
 * stored, now or by a later commit on the same session, and `report` says why in one line.
 * Sections 2.3 and 2.5 of the book; `./workbook hint 2.2`, then `--more`.
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
	int rc;

	if (size > 0)
		report[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		User *user = orm_object_new(&User_model);
		if (!user)
			return ORM_ENOMEM;
		if ((rc = orm_set_text(&user->email, emails[i])) < 0) {
			orm_object_free(user);
			return rc;
		}
		if ((rc = orm_session_add(db, user)) < 0) {
			orm_object_free(user);
			return rc;
		}
		if ((rc = orm_session_commit(db)) < 0)
			return rc;
	}
	return ORM_OK;
}
