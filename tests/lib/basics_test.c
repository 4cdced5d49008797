/*
 * basics_test.c - the small pieces under the engine: error codes and
 * messages, the per-thread last error, the string buffer, the allocator.
 *
 * Pure tests: nothing here opens a database. They include the library's
 * private internal.h, since orm_err and orm_buf are what every handle is
 * built from.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "orm/orm.h"

static void error__strerror_names_every_code(void **state)
{
	(void)state;
	assert_string_equal(orm_strerror(ORM_OK), "ORM_OK");
	assert_string_equal(orm_strerror(ORM_ROW), "ORM_ROW");
	assert_string_equal(orm_strerror(ORM_DONE), "ORM_DONE");
	assert_string_equal(orm_strerror(ORM_ERROR), "ORM_ERROR");
	assert_string_equal(orm_strerror(ORM_EINVAL), "ORM_EINVAL");
	assert_string_equal(orm_strerror(ORM_ENOMEM), "ORM_ENOMEM");
	assert_string_equal(orm_strerror(ORM_ENOTFOUND), "ORM_ENOTFOUND");
	assert_string_equal(orm_strerror(ORM_ECONSTRAINT), "ORM_ECONSTRAINT");
	assert_string_equal(orm_strerror(ORM_EBUSY), "ORM_EBUSY");
	assert_string_equal(orm_strerror(ORM_ECONNECT), "ORM_ECONNECT");
	assert_string_equal(orm_strerror(ORM_EMULTIPLE), "ORM_EMULTIPLE");
	assert_string_equal(orm_strerror(ORM_ESTATE), "ORM_ESTATE");
	assert_string_equal(orm_strerror(ORM_ESQL), "ORM_ESQL");
	assert_string_equal(orm_strerror(ORM_ETIMEOUT), "ORM_ETIMEOUT");
	assert_string_equal(orm_strerror(ORM_EREADONLY), "ORM_EREADONLY");
	assert_string_equal(orm_strerror(ORM_ECORRUPT), "ORM_ECORRUPT");
	assert_non_null(orm_strerror(-12345));
}

static void error__message_is_one_line(void **state)
{
	orm_err err = {0, ""};

	(void)state;
	assert_int_equal(orm_err_set(&err, ORM_ECONSTRAINT, "duplicate key %s\nDETAIL:  Key (%s)\n",
	                             "\"users_email_key\"", "email"),
	                 ORM_ECONSTRAINT);
	assert_int_equal(err.code, ORM_ECONSTRAINT);
	assert_string_equal(err.msg, "duplicate key \"users_email_key\" DETAIL:  Key (email)");
	assert_string_equal(orm_error_last(), err.msg);
}

static void error__set_may_format_its_own_message(void **state)
{
	orm_err err = {0, ""};

	(void)state;
	orm_err_set(&err, ORM_ERROR, "disk full");
	orm_err_set(&err, ORM_ERROR, "cannot commit: %s", err.msg);
	assert_string_equal(err.msg, "cannot commit: disk full");
}

static void error__long_message_is_truncated_not_overflowed(void **state)
{
	orm_err err = {0, ""};
	char *big = calloc(1, 4 * ORM_ERRMSG_MAX);

	(void)state;
	memset(big, 'x', 4 * ORM_ERRMSG_MAX - 1);
	orm_err_set(&err, ORM_ERROR, "%s", big);
	assert_int_equal(strlen(err.msg), ORM_ERRMSG_MAX - 1);
	free(big);
}

static void error__copy_and_clear(void **state)
{
	orm_err a = {0, ""}, b = {0, ""};

	(void)state;
	orm_err_set(&a, ORM_EBUSY, "locked");
	orm_err_set(NULL, ORM_ERROR, "something else");
	assert_string_equal(orm_error_last(), "something else");
	assert_int_equal(orm_err_copy(&b, &a), ORM_EBUSY);
	assert_string_equal(b.msg, "locked");
	assert_string_equal(orm_error_last(), "locked");
	orm_err_clear(&b);
	assert_int_equal(b.code, ORM_OK);
	assert_string_equal(b.msg, "");
	orm_err_clear(NULL);
}

static void *set_error_in_thread(void *arg)
{
	(void)arg;
	orm_err_set(NULL, ORM_ERROR, "from another thread");
	return NULL;
}

static void error__last_error_is_per_thread(void **state)
{
	pthread_t thread;

	(void)state;
	orm_err_set(NULL, ORM_EINVAL, "from this thread");
	assert_int_equal(pthread_create(&thread, NULL, set_error_in_thread, NULL), 0);
	pthread_join(thread, NULL);
	assert_string_equal(orm_error_last(), "from this thread");
}

static void buf__builds_text_in_pieces(void **state)
{
	orm_buf b = ORM_BUF_INIT;
	char *text;

	(void)state;
	assert_string_equal(orm_buf_cstr(&b), "");
	orm_buf_puts(&b, "SELECT ");
	orm_buf_put(&b, "id, email, age", 9);
	orm_buf_putc(&b, ' ');
	orm_buf_printf(&b, "FROM %s WHERE id = %d", "users", 42);
	assert_false(b.failed);
	assert_string_equal(orm_buf_cstr(&b), "SELECT id, email FROM users WHERE id = 42");
	assert_int_equal(b.len, strlen(orm_buf_cstr(&b)));
	orm_buf_reset(&b);
	assert_string_equal(orm_buf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		orm_buf_printf(&b, "%d,", i);
	assert_int_equal(b.len, 3890);
	text = orm_buf_detach(&b);
	assert_null(b.ptr);
	assert_memory_equal(text, "0,1,2,", 6);
	orm_free(text);
	orm_buf_free(&b);
}

/* An allocator that refuses everything, counting what it was asked. */
static int refused;

static void *refuse(void *ptr, size_t size, void *ctx)
{
	(void)ptr;
	(void)size;
	(void)ctx;
	refused++;
	return NULL;
}

static void release(void *ptr, void *ctx)
{
	(void)ctx;
	free(ptr);
}

static void buf__out_of_memory_is_remembered(void **state)
{
	orm_buf b = ORM_BUF_INIT;

	(void)state;
	orm_set_allocator(refuse, release, NULL);
	orm_buf_puts(&b, "a");
	orm_buf_printf(&b, "%d", 1);
	orm_set_allocator(NULL, NULL, NULL);
	assert_true(b.failed);
	assert_string_equal(orm_buf_cstr(&b), "");
	orm_buf_free(&b);
}

static void alloc__set_allocator_routes_every_call(void **state)
{
	void *p;

	(void)state;
	refused = 0;
	orm_set_allocator(refuse, release, NULL);
	assert_null(orm_malloc(10));
	assert_null(orm_calloc(2, 10));
	assert_null(orm_strdup("x"));
	assert_null(orm_realloc(NULL, 0));
	orm_set_allocator(NULL, NULL, NULL);
	assert_int_equal(refused, 4);

	p = orm_calloc(4, 8);
	assert_non_null(p);
	assert_memory_equal(p, "\0\0\0\0\0\0\0\0", 8);
	orm_free(p);
	orm_free(NULL);
	assert_null(orm_strdup(NULL));
	assert_null(orm_calloc(SIZE_MAX / 2, 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(error__strerror_names_every_code),
	    cmocka_unit_test(error__message_is_one_line),
	    cmocka_unit_test(error__set_may_format_its_own_message),
	    cmocka_unit_test(error__long_message_is_truncated_not_overflowed),
	    cmocka_unit_test(error__copy_and_clear),
	    cmocka_unit_test(error__last_error_is_per_thread),
	    cmocka_unit_test(buf__builds_text_in_pieces),
	    cmocka_unit_test(buf__out_of_memory_is_remembered),
	    cmocka_unit_test(alloc__set_allocator_routes_every_call),
	};

	return cmocka_run_group_tests_name("basics", tests, NULL, NULL);
}
