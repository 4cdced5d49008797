/*
 * ex0_2_number_placeholders_test.c - the test of exercise 0.2 (BOOK.md, chapter 0).
 *
 * The exercise only rewrites text: no database is opened, so ctest runs it once, with no
 * database label (cmake/Workbook.cmake, orm_exercise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex0_2_number_placeholders.h"

/* Asserts that `sql` becomes `want` with `want_n` placeholders. */
static void assert_numbered(const char *sql, const char *want, int want_n)
{
	int n = -1;
	char *got = number_placeholders(sql, &n);
	int same;
	if (!got)
		fail_msg("number_placeholders(\"%s\") returned NULL", sql);
	same = strcmp(got, want) == 0 && n == want_n;
	if (!same) {
		char msg[1024];
		snprintf(msg, sizeof msg,
		         "number_placeholders(\"%s\")\n  gave     \"%s\" (%d placeholders)\n"
		         "  expected \"%s\" (%d placeholders)",
		         sql, got, n, want, want_n);
		free(got);
		fail_msg("%s", msg);
	}
	free(got);
}

static void number_placeholders__numbers_each_question_mark(void **state)
{
	(void)state;
	assert_numbered("SELECT id FROM users WHERE email = ?",
	                "SELECT id FROM users WHERE email = $1", 1);
	assert_numbered("INSERT INTO users (id, email) VALUES (?, ?)",
	                "INSERT INTO users (id, email) VALUES ($1, $2)", 2);
}

static void number_placeholders__leaves_sql_without_placeholders_alone(void **state)
{
	(void)state;
	assert_numbered("SELECT count(*) FROM users", "SELECT count(*) FROM users", 0);
	assert_numbered("", "", 0);
}

static void number_placeholders__counts_past_nine(void **state)
{
	(void)state;
	assert_numbered("VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	                "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)", 12);
}

static void number_placeholders__keeps_question_marks_in_string_literals(void **state)
{
	(void)state;
	assert_numbered("SELECT '?', ? FROM t", "SELECT '?', $1 FROM t", 1);
	assert_numbered("SELECT 'it''s ?' WHERE a = ?", "SELECT 'it''s ?' WHERE a = $1", 1);
	assert_numbered("SELECT '''?''', ?", "SELECT '''?''', $1", 1);
}

static void number_placeholders__keeps_question_marks_in_quoted_names(void **state)
{
	(void)state;
	assert_numbered("SELECT \"what?\" FROM t WHERE x = ?",
	                "SELECT \"what?\" FROM t WHERE x = $1", 1);
}

static void number_placeholders__accepts_a_null_count(void **state)
{
	char *got = number_placeholders("a = ?", NULL);
	int same = got && strcmp(got, "a = $1") == 0;
	(void)state;
	free(got);
	if (!same)
		fail_msg("number_placeholders(\"a = ?\", NULL) did not give \"a = $1\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(number_placeholders__numbers_each_question_mark),
	    cmocka_unit_test(number_placeholders__leaves_sql_without_placeholders_alone),
	    cmocka_unit_test(number_placeholders__counts_past_nine),
	    cmocka_unit_test(number_placeholders__keeps_question_marks_in_string_literals),
	    cmocka_unit_test(number_placeholders__keeps_question_marks_in_quoted_names),
	    cmocka_unit_test(number_placeholders__accepts_a_null_count),
	};
	return cmocka_run_group_tests_name("exercise 0.2 number_placeholders", tests, NULL, NULL);
}
