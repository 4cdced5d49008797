/*
 * ex5_1_enum_labels_test.c - the test of exercise 5.1, enum_labels (BOOK.md, chapter 5).
 *
 * Most of it is plain C: labels out, labels in, and the message. The last test checks the
 * learner's labels against a database (ORM_TEST_DATABASE): every label enum_label() gives is
 * one the column accepts, and a text enum_parse() refuses, the database refuses too.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ex5_1_enum_labels.h"
#include "orm/session.h"
#include "testdb.h"

typedef enum SocialStatus { SOCIAL_PUBLIC, SOCIAL_PRIVATE } SocialStatus;
static const char *const social_labels[] = {
    [SOCIAL_PUBLIC] = "public", [SOCIAL_PRIVATE] = "private"};
static const orm_enum SocialStatus_type = {"socialstatus", social_labels, 2};

/* One label is the start of another: only an exact comparison tells them apart. */
static const char *const stage_labels[] = {"draft", "drafted", "published"};
static const orm_enum Stage_type = {"stage", stage_labels, 3};

/* Fails unless enum_label(type, value) is `want` (NULL: no label). */
static void assert_label(const orm_enum *type, int value, const char *want)
{
	const char *got = enum_label(type, value);

	if (want == NULL && got != NULL)
		fail_msg("enum_label(%s, %d) gave '%s': %d is not a value of %s, expected NULL",
		         type->name, value, got, value, type->name);
	if (want != NULL && got == NULL)
		fail_msg("enum_label(%s, %d) gave NULL, expected '%s'", type->name, value, want);
	if (want != NULL && strcmp(got, want) != 0)
		fail_msg("enum_label(%s, %d) gave '%s', expected '%s'", type->name, value, got,
		         want);
}

/* Fails unless enum_parse() finds `text` as value `want`. */
static void assert_parses(const orm_enum *type, const char *text, int want)
{
	char msg[200] = "";
	int value = -1;
	int rc = enum_parse(&value, type, text, msg, sizeof msg);

	if (rc != ORM_OK)
		fail_msg("enum_parse(%s, '%s') returned %s (%s), expected ORM_OK", type->name, text,
		         orm_strerror(rc), msg);
	if (value != want)
		fail_msg("enum_parse(%s, '%s') gave %d, expected %d", type->name, text, value,
		         want);
}

/* Fails unless enum_parse() refuses `text` with ORM_EINVAL, leaving *out alone. */
static void assert_refused(const orm_enum *type, const char *text)
{
	char msg[200] = "";
	int value = 12345;
	int rc = enum_parse(&value, type, text, msg, sizeof msg);

	if (rc != ORM_EINVAL)
		fail_msg(
		    "enum_parse(%s, '%s') returned %s, expected ORM_EINVAL: '%s' is not a label",
		    type->name, text ? text : "NULL", orm_strerror(rc), text ? text : "NULL");
	if (value != 12345)
		fail_msg("enum_parse(%s, '%s') refused the text but changed *out to %d", type->name,
		         text ? text : "NULL", value);
}

static void enum_label__gives_the_label_of_each_value(void **state)
{
	(void)state;
	assert_label(&SocialStatus_type, SOCIAL_PUBLIC, "public");
	assert_label(&SocialStatus_type, SOCIAL_PRIVATE, "private");
	assert_label(&Stage_type, 2, "published");
}

static void enum_label__refuses_values_outside_the_enum(void **state)
{
	(void)state;
	assert_label(&SocialStatus_type, 2, NULL);
	assert_label(&SocialStatus_type, -1, NULL);
	assert_label(&SocialStatus_type, INT_MAX, NULL);
	assert_label(&SocialStatus_type, INT_MIN, NULL);
}

static void enum_parse__finds_each_label(void **state)
{
	(void)state;
	assert_parses(&SocialStatus_type, "public", SOCIAL_PUBLIC);
	assert_parses(&SocialStatus_type, "private", SOCIAL_PRIVATE);
	assert_parses(&Stage_type, "draft", 0);
	assert_parses(&Stage_type, "drafted", 1);
	assert_parses(&Stage_type, "published", 2);
}

static void enum_parse__compares_whole_labels_exactly(void **state)
{
	(void)state;
	assert_refused(&SocialStatus_type, "Private");
	assert_refused(&SocialStatus_type, "PUBLIC");
	assert_refused(&SocialStatus_type, "private ");
	assert_refused(&SocialStatus_type, " public");
	assert_refused(&SocialStatus_type, "priv");
	assert_refused(&SocialStatus_type, "publicity");
	assert_refused(&SocialStatus_type, "");
	assert_refused(&SocialStatus_type, "1");
	assert_refused(&SocialStatus_type, NULL);
	assert_refused(&Stage_type, "drafte");
}

static void enum_parse__message_names_the_value_and_the_labels(void **state)
{
	char msg[200] = "";
	int value = 0;

	(void)state;
	enum_parse(&value, &SocialStatus_type, "Private", msg, sizeof msg);
	assert_string_equal(msg,
	                    "invalid socialstatus label 'Private': allowed labels are 'public', "
	                    "'private'");
	enum_parse(&value, &Stage_type, "", msg, sizeof msg);
	assert_string_equal(msg, "invalid stage label '': allowed labels are 'draft', 'drafted', "
	                         "'published'");
	enum_parse(&value, &SocialStatus_type, NULL, msg, sizeof msg);
	assert_string_equal(
	    msg, "invalid socialstatus label NULL: allowed labels are 'public', 'private'");
}

static void enum_parse__cuts_the_message_to_the_buffer(void **state)
{
	/* The buffer is followed by bytes that must stay as they are. */
	char area[32];
	int value = 0;
	int rc;

	(void)state;
	memset(area, '#', sizeof area);
	rc = enum_parse(&value, &SocialStatus_type, "Private", area, 10);
	assert_int_equal(rc, ORM_EINVAL);
	if (memchr(area, '\0', 10) == NULL)
		fail_msg("with msgsize 10 the message is not NUL-terminated within its 10 bytes");
	assert_string_equal(area, "invalid s");
	for (size_t i = 10; i < sizeof area; i++)
		if (area[i] != '#')
			fail_msg("with msgsize 10, byte %zu past the buffer was overwritten", i);

	memset(area, '#', sizeof area);
	rc = enum_parse(&value, &SocialStatus_type, "Private", area, 0);
	assert_int_equal(rc, ORM_EINVAL);
	for (size_t i = 0; i < sizeof area; i++)
		if (area[i] != '#')
			fail_msg(
			    "with msgsize 0, byte %zu was written: a 0-byte buffer has no room", i);
}

/* ---- the database agrees ------------------------------------------------------------------ */

typedef struct Post {
	int64_t id;
	SocialStatus status;
} Post;

static const orm_column post_columns[] = {
    ORM_COLUMN(Post, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Post, status, ORM_ENUM, .enum_type = &SocialStatus_type),
};
static const orm_model Post_model = ORM_MODEL(Post, "posts", post_columns);

static void enum_labels__agree_with_the_database(void **state)
{
	orm_engine *engine = orm_test_engine(NULL);
	orm_metadata *md = NULL;
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	int rc;

	(void)state;
	assert_int_equal(orm_metadata_new(&md, NULL), ORM_OK);
	assert_int_equal(orm_metadata_add(md, &Post_model), ORM_OK);
	if ((rc = orm_metadata_create_all(md, engine, NULL)) != ORM_OK)
		fail_msg("create_all: %s", orm_metadata_errmsg(md));
	assert_int_equal(orm_engine_connect(&conn, engine), ORM_OK);

	/* Every label the learner gives is accepted by the column's type or CHECK... */
	for (int v = SOCIAL_PUBLIC; v <= SOCIAL_PRIVATE; v++) {
		const char *label = enum_label(&SocialStatus_type, v);
		orm_value params[] = {orm_int(v + 1), orm_text(label)};
		if (!label)
			fail_msg("enum_label(socialstatus, %d) gave NULL", v);
		rc = orm_conn_execute(NULL, conn, "INSERT INTO posts (id, status) VALUES (?, ?)",
		                      params, 2);
		if (rc != ORM_OK)
			fail_msg("the database refused the label '%s': %s", label,
			         orm_conn_errmsg(conn));
	}
	/* ...and what it stored parses back to the same value. */
	assert_int_equal(
	    orm_conn_execute(&res, conn, "SELECT id, status FROM posts ORDER BY id", NULL, 0),
	    ORM_OK);
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		char msg[200] = "";
		int value = -1;
		const char *stored = orm_result_text(res, 1);
		if (enum_parse(&value, &SocialStatus_type, stored, msg, sizeof msg) != ORM_OK)
			fail_msg("enum_parse refused '%s', read back from the database: %s", stored,
			         msg);
		assert_int_equal(value, orm_result_int(res, 0) - 1);
	}
	assert_int_equal(rc, ORM_DONE);
	orm_result_free(res);

	/* A text enum_parse refuses, the database refuses too. */
	orm_value wrong[] = {orm_int(3), orm_text("Private")};
	rc = orm_conn_execute(NULL, conn, "INSERT INTO posts (id, status) VALUES (?, ?)", wrong, 2);
	assert_true(rc < 0);
	assert_refused(&SocialStatus_type, "Private");

	orm_conn_close(conn);
	orm_metadata_free(md);
	orm_engine_free(engine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(enum_label__gives_the_label_of_each_value),
	    cmocka_unit_test(enum_label__refuses_values_outside_the_enum),
	    cmocka_unit_test(enum_parse__finds_each_label),
	    cmocka_unit_test(enum_parse__compares_whole_labels_exactly),
	    cmocka_unit_test(enum_parse__message_names_the_value_and_the_labels),
	    cmocka_unit_test(enum_parse__cuts_the_message_to_the_buffer),
	    cmocka_unit_test(enum_labels__agree_with_the_database),
	};
	return cmocka_run_group_tests_name("exercise 5.1 enum_labels", tests, NULL, NULL);
}
