/*
 * ex1_3_transfer_test.c - the test of exercise 1.3, transfer (BOOK.md, chapter 1).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). Every test starts from two accounts,
 * 1 (ada, 100) and 2 (grace, 50), and after every failed transfer checks that both balances
 * are untouched and no transaction was left open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ex1_3_transfer.h"
#include "testdb.h"

typedef struct fixture {
	orm_engine *engine;
	orm_conn *conn;
} fixture;

static int setup(void **state)
{
	static fixture f;
	f.engine = orm_test_engine(NULL);
	orm_test_exec(f.engine, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner VARCHAR(50),"
	                        " balance INTEGER NOT NULL CHECK (balance >= 0))");
	orm_test_exec(f.engine, "INSERT INTO accounts (id, owner, balance) VALUES"
	                        " (1, 'ada', 100), (2, 'grace', 50)");
	if (orm_engine_connect(&f.conn, f.engine) != ORM_OK)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	/* A transaction left open by a failing transfer is rolled back by close. */
	orm_conn_close(f->conn);
	orm_engine_free(f->engine);
	return 0;
}

static int64_t balance(fixture *f, int64_t id)
{
	orm_result *res = NULL;
	orm_value param = orm_int(id);
	int64_t b = -1;
	assert_int_equal(
	    orm_conn_execute(&res, f->conn, "SELECT balance FROM accounts WHERE id = ?", &param, 1),
	    ORM_OK);
	if (orm_result_next(res) == ORM_ROW)
		b = orm_result_int(res, 0);
	orm_result_free(res);
	return b;
}

/* After a failed transfer: nothing open, nothing changed. */
static void assert_untouched(fixture *f)
{
	int64_t b1, b2;
	if (orm_conn_in_transaction(f->conn))
		fail_msg("transfer() failed but left its transaction open: roll it back");
	b1 = balance(f, 1);
	b2 = balance(f, 2);
	if (b1 != 100 || b2 != 50)
		fail_msg(
		    "after a failed transfer the balances are %lld and %lld, expected 100 and 50: "
		    "part of the transfer stayed",
		    (long long)b1, (long long)b2);
}

/* Asserts that transfer() returned `want`, naming both codes when it did not. */
static void assert_rc(int rc, int want, fixture *f)
{
	const char *msg = orm_conn_errmsg(f->conn);
	if (rc != want)
		fail_msg("transfer() returned %s, expected %s%s%s", orm_strerror(rc),
		         orm_strerror(want), msg[0] ? ": " : "", msg);
}

static void transfer__moves_the_money(void **state)
{
	fixture *f = *state;
	assert_rc(transfer(f->conn, 1, 2, 30), ORM_OK, f);
	assert_false(orm_conn_in_transaction(f->conn));
	assert_int_equal(balance(f, 1), 70);
	assert_int_equal(balance(f, 2), 80);
}

static void transfer__to_a_missing_account_changes_nothing(void **state)
{
	fixture *f = *state;
	assert_rc(transfer(f->conn, 1, 99, 30), ORM_ENOTFOUND, f);
	assert_untouched(f);
}

static void transfer__from_a_missing_account_changes_nothing(void **state)
{
	fixture *f = *state;
	assert_rc(transfer(f->conn, 99, 2, 30), ORM_ENOTFOUND, f);
	assert_untouched(f);
}

static void transfer__beyond_the_balance_changes_nothing(void **state)
{
	fixture *f = *state;
	assert_rc(transfer(f->conn, 2, 1, 60), ORM_ECONSTRAINT, f);
	assert_untouched(f);
}

static void transfer__refuses_an_amount_that_is_not_positive(void **state)
{
	fixture *f = *state;
	assert_rc(transfer(f->conn, 1, 2, -30), ORM_EINVAL, f);
	assert_rc(transfer(f->conn, 1, 2, 0), ORM_EINVAL, f);
	assert_untouched(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(transfer__moves_the_money, setup, teardown),
	    cmocka_unit_test_setup_teardown(transfer__to_a_missing_account_changes_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(transfer__from_a_missing_account_changes_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(transfer__beyond_the_balance_changes_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(transfer__refuses_an_amount_that_is_not_positive, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests_name("exercise 1.3 transfer", tests, NULL, NULL);
}
