/*
 * checker_cases.c - programs that end the ways an exercise's test can end, for the test of
 * fails_as_shipped.sh (checker_test.sh). CHECKER_CASE picks one:
 *   assertion   one test fails its assertion, one passes: what an unsolved exercise does
 *   passes      every test passes
 *   crash       a test fails an assertion, another dereferences NULL
 *   setup       a test fails an assertion, another's setup fails
 *   database    a test fails an assertion, another cannot reach its database
 *               (orm_test_engine on ORM_TEST_POSTGRES_URL, which exits the program)
 * Only "assertion" may count as failing as shipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "testdb.h"

static const char *which(void)
{
	const char *c = getenv("CHECKER_CASE");
	return c ? c : "assertion";
}

static void fails_an_assertion(void **state)
{
	(void)state;
	assert_int_equal(1 + 1, 3);
}

static void passes(void **state)
{
	(void)state;
	assert_int_equal(1 + 1, 2);
}

static void does_the_case(void **state)
{
	(void)state;
	if (strcmp(which(), "crash") == 0) {
		volatile int *nowhere = NULL;
		*nowhere = 1;
	} else if (strcmp(which(), "database") == 0) {
		orm_engine_free(orm_test_engine(NULL));
	}
}

static int setup(void **state)
{
	(void)state;
	return strcmp(which(), "setup") == 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(passes),
	    cmocka_unit_test_setup(does_the_case, setup),
	};
	const struct CMUnitTest failing[] = {
	    cmocka_unit_test(fails_an_assertion),
	    cmocka_unit_test(passes),
	    cmocka_unit_test_setup(does_the_case, setup),
	};
	if (strcmp(which(), "passes") == 0)
		return cmocka_run_group_tests_name("checker cases", tests, NULL, NULL);
	return cmocka_run_group_tests_name("checker cases", failing, NULL, NULL);
}
