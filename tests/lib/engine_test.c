/*
 * engine_test.c - running SQL through the engine, on SQLite and on
 * PostgreSQL from this one source: values of every type in and out,
 * transactions, errors mapped onto the library's codes, echo, and the
 * prepared-statement cache.
 *
 * Each test gets an empty database (orm_test_engine) and one connection.
 * Where the databases differ - the autoincrement column's DDL, the
 * placeholder shown by echo, the wording of an error - the difference is
 * spelled out here, next to the assertion.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testdb.h"

static orm_engine *engine;
static orm_conn *conn;

static int setup(void **state)
{
	(void)state;
	engine = orm_test_engine(NULL);
	if (orm_engine_connect(&conn, engine) < 0) {
		fprintf(stderr, "connecting: %s\n", orm_errmsg(engine));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	orm_conn_close(conn);
	orm_engine_free(engine);
	conn = NULL;
	engine = NULL;
	return 0;
}

/* Fails the test with the connection's message unless rc is ORM_OK. */
static void ok(orm_conn *c, int rc, const char *what)
{
	if (rc < 0)
		fail_msg("%s: %s (%s)", what, c ? orm_conn_errmsg(c) : orm_error_last(),
		         orm_strerror(rc));
}

static void run(orm_conn *c, const char *sql, const orm_value *params, size_t n)
{
	ok(c, orm_conn_execute(NULL, c, sql, params, n), sql);
}

/* The one integer a query returns. */
static int64_t query_int(orm_conn *c, const char *sql, const orm_value *params, size_t n)
{
	orm_result *res;
	int64_t value;

	ok(c, orm_conn_execute(&res, c, sql, params, n), sql);
	assert_int_equal(orm_result_next(res), ORM_ROW);
	value = orm_result_int(res, 0);
	assert_int_equal(orm_result_next(res), ORM_DONE);
	orm_result_free(res);
	return value;
}

/* An auto-numbered primary key, in each database's words. */
static const char *id_column(void)
{
	return orm_test_is_postgres() ? "id SERIAL PRIMARY KEY" : "id INTEGER PRIMARY KEY";
}

static void create_users(orm_conn *c)
{
	char sql[200];

	snprintf(sql, sizeof sql,
	         "CREATE TABLE users (%s, email VARCHAR(100) NOT NULL UNIQUE, age INTEGER)",
	         id_column());
	run(c, sql, NULL, 0);
}

static void add_user(orm_conn *c, const char *email)
{
	orm_value params[] = {orm_text(email)};

	run(c, "INSERT INTO users (email) VALUES (?)", params, 1);
}

/* ---- Values in and out -------------------------------------------- */

static void execute__creates_inserts_and_selects_rows(void **state)
{
	orm_value params[] = {orm_text("ada@example.com"), orm_int(36)};
	orm_result *res;

	(void)state;
	create_users(conn);
	run(conn, "INSERT INTO users (email, age) VALUES (?, ?)", params, 2);
	ok(conn, orm_conn_execute(&res, conn, "SELECT id, email, age FROM users", NULL, 0),
	   "select");
	assert_int_equal(orm_result_ncols(res), 3);
	assert_int_equal(orm_result_next(res), ORM_ROW);
	assert_int_equal(orm_result_int(res, 0), 1);
	assert_string_equal(orm_result_text(res, 1), "ada@example.com");
	assert_int_equal(orm_result_int(res, 2), 36);
	assert_int_equal(orm_result_next(res), ORM_DONE);
	orm_result_free(res);
}

static void execute__round_trips_every_value_type(void **state)
{
	orm_value params[] = {
	    orm_int(42),
	    orm_float(2.5),
	    orm_text("hello"),
	    orm_bool(true),
	    orm_date_text("2024-06-21"),
	    orm_datetime_text("2024-06-21 18:30:00"),
	};
	orm_value v;
	orm_result *res;

	(void)state;
	run(conn,
	    "CREATE TABLE kinds (i BIGINT, f DOUBLE PRECISION, s TEXT, b BOOLEAN, d DATE, "
	    "dt TIMESTAMP)",
	    NULL, 0);
	run(conn, "INSERT INTO kinds (i, f, s, b, d, dt) VALUES (?, ?, ?, ?, ?, ?)", params, 6);
	ok(conn, orm_conn_execute(&res, conn, "SELECT i, f, s, b, d, dt FROM kinds", NULL, 0),
	   "select");
	assert_int_equal(orm_result_next(res), ORM_ROW);

	v = orm_result_value(res, 0);
	assert_int_equal(v.type, ORM_TYPE_INT);
	assert_int_equal(v.u.i, 42);
	v = orm_result_value(res, 1);
	assert_int_equal(v.type, ORM_TYPE_FLOAT);
	assert_true(v.u.f == 2.5);
	v = orm_result_value(res, 2);
	assert_int_equal(v.type, ORM_TYPE_TEXT);
	assert_int_equal(v.u.s.len, 5);
	assert_memory_equal(v.u.s.ptr, "hello", 5);
	/* SQLite stores 1; a column declared BOOLEAN reads back as a bool. */
	v = orm_result_value(res, 3);
	assert_int_equal(v.type, ORM_TYPE_BOOL);
	assert_true(v.u.b);
	v = orm_result_value(res, 4);
	assert_int_equal(v.type, ORM_TYPE_DATE);
	v = orm_result_value(res, 5);
	assert_int_equal(v.type, ORM_TYPE_DATETIME);

	assert_int_equal(orm_result_int(res, 0), 42);
	assert_true(orm_result_float(res, 1) == 2.5);
	assert_string_equal(orm_result_text(res, 2), "hello");
	assert_true(orm_result_bool(res, 3));
	assert_string_equal(orm_result_text(res, 4), "2024-06-21");
	assert_string_equal(orm_result_text(res, 5), "2024-06-21 18:30:00");
	assert_int_equal(orm_result_next(res), ORM_DONE);
	orm_result_free(res);
}

static void execute__reads_null_as_zero_and_tells_it_apart(void **state)
{
	orm_value params[] = {orm_null(), orm_null(), orm_text(NULL), orm_null(), orm_text("")};
	orm_result *res;

	(void)state;
	run(conn, "CREATE TABLE kinds (i BIGINT, f DOUBLE PRECISION, s TEXT, b BOOLEAN, e TEXT)",
	    NULL, 0);
	run(conn, "INSERT INTO kinds (i, f, s, b, e) VALUES (?, ?, ?, ?, ?)", params, 5);
	ok(conn, orm_conn_execute(&res, conn, "SELECT i, f, s, b, e FROM kinds", NULL, 0),
	   "select");
	assert_int_equal(orm_result_next(res), ORM_ROW);
	for (int col = 0; col < 4; col++) {
		assert_true(orm_result_is_null(res, col));
		assert_int_equal(orm_result_value(res, col).type, ORM_TYPE_NULL);
	}
	assert_int_equal(orm_result_int(res, 0), 0);
	assert_true(orm_result_float(res, 1) == 0.0);
	assert_null(orm_result_text(res, 2));
	assert_false(orm_result_bool(res, 3));
	/* The empty string is not NULL. */
	assert_false(orm_result_is_null(res, 4));
	assert_string_equal(orm_result_text(res, 4), "");
	orm_result_free(res);
}

static void execute__round_trips_int64_limits(void **state)
{
	orm_value params[] = {orm_int(INT64_MAX), orm_int(INT64_MIN)};
	orm_result *res;

	(void)state;
	run(conn, "CREATE TABLE limits (hi BIGINT, lo BIGINT)", NULL, 0);
	run(conn, "INSERT INTO limits (hi, lo) VALUES (?, ?)", params, 2);
	ok(conn, orm_conn_execute(&res, conn, "SELECT hi, lo FROM limits", NULL, 0), "select");
	assert_int_equal(orm_result_next(res), ORM_ROW);
	assert_true(orm_result_int(res, 0) == INT64_MAX);
	assert_true(orm_result_int(res, 1) == INT64_MIN);
	assert_string_equal(orm_result_text(res, 0), "9223372036854775807");
	assert_string_equal(orm_result_text(res, 1), "-9223372036854775808");
	orm_result_free(res);
}

static void execute__round_trips_quotes_and_utf8_text(void **state)
{
	const char *name = "O'Brien \xe2\x80\x93 na\xc3\xafve \xe2\x98\x83 \"quoted\" ?";
	orm_value params[] = {orm_text(name)};
	orm_result *res;

	(void)state;
	create_users(conn);
	run(conn, "INSERT INTO users (email) VALUES (?)", params, 1);
	/* A '?' inside a literal is not a parameter. */
	ok(conn,
	   orm_conn_execute(&res, conn, "SELECT email, 'what?' FROM users WHERE email = ?", params,
	                    1),
	   "select");
	assert_int_equal(orm_result_next(res), ORM_ROW);
	assert_string_equal(orm_result_text(res, 0), name);
	assert_string_equal(orm_result_text(res, 1), "what?");
	orm_result_free(res);
}

static void result__getters_convert_between_types(void **state)
{
	orm_result *res;

	(void)state;
	ok(conn,
	   orm_conn_execute(&res, conn,
	                    "SELECT 42, CAST(3.75 AS DOUBLE PRECISION), '17', '2.5', 't', 0, "
	                    "'not a number'",
	                    NULL, 0),
	   "select");
	assert_int_equal(orm_result_next(res), ORM_ROW);
	assert_int_equal(orm_result_value(res, 0).type, ORM_TYPE_INT);
	assert_true(orm_result_float(res, 0) == 42.0);
	assert_string_equal(orm_result_text(res, 0), "42");
	assert_true(orm_result_bool(res, 0));

	assert_int_equal(orm_result_value(res, 1).type, ORM_TYPE_FLOAT);
	assert_int_equal(orm_result_int(res, 1), 3);
	assert_string_equal(orm_result_text(res, 1), "3.75");
	/* Both texts stay valid together: each column has its own. */
	assert_string_equal(orm_result_text(res, 0), "42");

	assert_int_equal(orm_result_value(res, 2).type, ORM_TYPE_TEXT);
	assert_int_equal(orm_result_int(res, 2), 17);
	assert_true(orm_result_float(res, 2) == 17.0);
	assert_true(orm_result_float(res, 3) == 2.5);
	assert_int_equal(orm_result_int(res, 3), 2);
	assert_true(orm_result_bool(res, 4));
	assert_false(orm_result_bool(res, 5));
	assert_string_equal(orm_result_text(res, 5), "0");
	assert_int_equal(orm_result_int(res, 6), 0);
	assert_false(orm_result_bool(res, 6));
	orm_result_free(res);
}

static void result__reports_column_names(void **state)
{
	orm_result *res;

	(void)state;
	create_users(conn);
	ok(conn, orm_conn_execute(&res, conn, "SELECT email, age AS years FROM users", NULL, 0),
	   "select");
	assert_int_equal(orm_result_ncols(res), 2);
	assert_string_equal(orm_result_colname(res, 0), "email");
	assert_string_equal(orm_result_colname(res, 1), "years");
	assert_int_equal(orm_result_next(res), ORM_DONE);
	orm_result_free(res);
}

static void result__stays_done_after_the_last_row(void **state)
{
	orm_result *res;

	(void)state;
	create_users(conn);
	add_user(conn, "ada@example.com");
	ok(conn, orm_conn_execute(&res, conn, "SELECT email FROM users", NULL, 0), "select");
	assert_int_equal(orm_result_next(res), ORM_ROW);
	assert_int_equal(orm_result_next(res), ORM_DONE);
	/* SQLite would run the statement again if stepped now. */
	assert_int_equal(orm_result_next(res), ORM_DONE);
	assert_int_equal(orm_result_next(res), ORM_DONE);
	orm_result_free(res);
}

static void execute__returning_gives_the_new_id(void **state)
{
	orm_value ada[] = {orm_text("ada@example.com")};
	orm_value bob[] = {orm_text("bob@example.com")};
	const char *sql = "INSERT INTO users (email) VALUES (?) RETURNING id";

	(void)state;
	create_users(conn);
	assert_int_equal(query_int(conn, sql, ada, 1), 1);
	assert_int_equal(query_int(conn, sql, bob, 1), 2);
	assert_int_equal(orm_conn_changes(conn), 1);
}

static void execute__counts_changed_rows(void **state)
{
	(void)state;
	create_users(conn);
	add_user(conn, "a@example.com");
	assert_int_equal(orm_conn_changes(conn), 1);
	add_user(conn, "b@example.com");
	add_user(conn, "c@example.com");
	run(conn, "UPDATE users SET age = 30 WHERE id <= 2", NULL, 0);
	assert_int_equal(orm_conn_changes(conn), 2);
	run(conn, "UPDATE users SET age = 31 WHERE id > 100", NULL, 0);
	assert_int_equal(orm_conn_changes(conn), 0);
	run(conn, "DELETE FROM users", NULL, 0);
	assert_int_equal(orm_conn_changes(conn), 3);
}

/* ---- Errors ------------------------------------------------------- */

static void execute__wrong_parameter_count_is_invalid(void **state)
{
	orm_value params[] = {orm_text("a"), orm_int(1), orm_int(2)};
	orm_result *res = (orm_result *)1;

	(void)state;
	create_users(conn);
	assert_int_equal(orm_conn_execute(&res, conn,
	                                  "SELECT id FROM users WHERE email = ? AND "
	                                  "age = ?",
	                                  params, 3),
	                 ORM_EINVAL);
	assert_null(res);
	assert_string_equal(
	    orm_conn_errmsg(conn),
	    "the statement has 2 parameters but 3 values were given: SELECT id FROM "
	    "users WHERE email = ? AND age = ?");
	assert_int_equal(
	    orm_conn_execute(NULL, conn, "SELECT id FROM users WHERE email = ?", NULL, 0),
	    ORM_EINVAL);
}

static void assert_sql_error(const char *sql, const char *word)
{
	orm_result *res = (orm_result *)1;

	assert_int_equal(orm_conn_execute(&res, conn, sql, NULL, 0), ORM_ESQL);
	assert_null(res);
	if (!strstr(orm_conn_errmsg(conn), word))
		fail_msg("'%s': the message does not name '%s': %s", sql, word,
		         orm_conn_errmsg(conn));
	assert_string_equal(orm_error_last(), orm_conn_errmsg(conn));
}

static void execute__unknown_column_is_sql_error(void **state)
{
	(void)state;
	create_users(conn);
	/* SQLite: "no such column: nosuch"; PostgreSQL: column "nosuch" does not exist. */
	assert_sql_error("SELECT nosuch FROM users", "nosuch");
}

static void execute__unknown_table_is_sql_error(void **state)
{
	(void)state;
	/* SQLite: "no such table: nowhere"; PostgreSQL: relation "nowhere" does not exist. */
	assert_sql_error("SELECT id FROM nowhere", "nowhere");
}

static void execute__syntax_error_is_sql_error(void **state)
{
	(void)state;
	assert_sql_error("SELEKT 1", "syntax error");
}

static void execute__more_than_one_statement_is_refused(void **state)
{
	(void)state;
	create_users(conn);
	assert_true(orm_conn_execute(NULL, conn, "DELETE FROM users; DROP TABLE users", NULL, 0) <
	            0);
	/* Nothing of it ran. */
	assert_int_equal(query_int(conn, "SELECT count(*) FROM users", NULL, 0), 0);
}

static void engine__unique_violation_is_constraint_error(void **state)
{
	(void)state;
	create_users(conn);
	add_user(conn, "ada@example.com");
	assert_int_equal(orm_conn_execute(NULL, conn, "INSERT INTO users (email) VALUES (?)",
	                                  (orm_value[]){orm_text("ada@example.com")}, 1),
	                 ORM_ECONSTRAINT);
	/* The database's own words, naming the constraint. */
	if (orm_test_is_postgres())
		assert_non_null(strstr(orm_conn_errmsg(conn), "duplicate key value violates unique "
		                                              "constraint \"users_email_key\""));
	else
		assert_string_equal(orm_conn_errmsg(conn), "UNIQUE constraint failed: users.email");
	assert_int_equal(query_int(conn, "SELECT count(*) FROM users", NULL, 0), 1);
}

static void engine__not_null_violation_is_constraint_error(void **state)
{
	(void)state;
	create_users(conn);
	assert_int_equal(orm_conn_execute(NULL, conn, "INSERT INTO users (email) VALUES (?)",
	                                  (orm_value[]){orm_null()}, 1),
	                 ORM_ECONSTRAINT);
	if (orm_test_is_postgres())
		assert_non_null(strstr(orm_conn_errmsg(conn), "null value in column \"email\""));
	else
		assert_string_equal(orm_conn_errmsg(conn),
		                    "NOT NULL constraint failed: users.email");
}

static void engine__foreign_key_violation_is_constraint_error(void **state)
{
	(void)state;
	create_users(conn);
	run(conn,
	    "CREATE TABLE events (id INTEGER PRIMARY KEY, organizer_id INTEGER REFERENCES "
	    "users(id))",
	    NULL, 0);
	/* SQLite enforces it because the engine switched foreign keys on. */
	assert_int_equal(orm_conn_execute(NULL, conn,
	                                  "INSERT INTO events (id, organizer_id) VALUES (1, 99)",
	                                  NULL, 0),
	                 ORM_ECONSTRAINT);
	if (orm_test_is_postgres())
		assert_non_null(strstr(orm_conn_errmsg(conn), "events_organizer_id_fkey"));
	else
		assert_string_equal(orm_conn_errmsg(conn), "FOREIGN KEY constraint failed");
}

/* ---- Transactions ------------------------------------------------- */

static void transaction__commit_persists(void **state)
{
	orm_conn *other;

	(void)state;
	create_users(conn);
	ok(conn, orm_engine_connect(&other, engine), "second connection");
	ok(conn, orm_conn_begin(conn), "begin");
	assert_true(orm_conn_in_transaction(conn));
	add_user(conn, "ada@example.com");
	/* Not visible to another connection before the commit... */
	assert_int_equal(query_int(other, "SELECT count(*) FROM users", NULL, 0), 0);
	ok(conn, orm_conn_commit(conn), "commit");
	assert_false(orm_conn_in_transaction(conn));
	/* ...and visible after. */
	assert_int_equal(query_int(other, "SELECT count(*) FROM users", NULL, 0), 1);
	orm_conn_close(other);
}

static void transaction__rollback_discards(void **state)
{
	(void)state;
	create_users(conn);
	add_user(conn, "kept@example.com");
	ok(conn, orm_conn_begin(conn), "begin");
	add_user(conn, "gone@example.com");
	run(conn, "DELETE FROM users WHERE email = 'kept@example.com'", NULL, 0);
	ok(conn, orm_conn_rollback(conn), "rollback");
	assert_false(orm_conn_in_transaction(conn));
	assert_int_equal(
	    query_int(conn, "SELECT count(*) FROM users WHERE email = 'kept@example.com'", NULL, 0),
	    1);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM users", NULL, 0), 1);
}

static void transaction__misuse_is_state_error(void **state)
{
	(void)state;
	assert_int_equal(orm_conn_commit(conn), ORM_ESTATE);
	assert_string_equal(orm_conn_errmsg(conn),
	                    "no transaction is open on this connection to commit");
	assert_int_equal(orm_conn_rollback(conn), ORM_ESTATE);
	assert_string_equal(orm_conn_errmsg(conn),
	                    "no transaction is open on this connection to roll back");
	ok(conn, orm_conn_begin(conn), "begin");
	assert_int_equal(orm_conn_begin(conn), ORM_ESTATE);
	assert_string_equal(orm_conn_errmsg(conn), "a transaction is already open on this "
	                                           "connection");
	/* The misuse did not disturb the open transaction. */
	assert_true(orm_conn_in_transaction(conn));
	ok(conn, orm_conn_commit(conn), "commit");
}

static void transaction__failed_commit_rolls_back(void **state)
{
	(void)state;
	run(conn, "CREATE TABLE parents (id INTEGER PRIMARY KEY)", NULL, 0);
	run(conn,
	    "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES "
	    "parents(id) DEFERRABLE INITIALLY DEFERRED)",
	    NULL, 0);
	ok(conn, orm_conn_begin(conn), "begin");
	run(conn, "INSERT INTO parents (id) VALUES (1)", NULL, 0);
	/* A deferred foreign key is checked only at COMMIT. */
	run(conn, "INSERT INTO children (id, parent_id) VALUES (1, 99)", NULL, 0);
	assert_int_equal(orm_conn_commit(conn), ORM_ECONSTRAINT);
	assert_false(orm_conn_in_transaction(conn));
	/* Nothing of the transaction stayed, and the connection works. */
	assert_int_equal(query_int(conn, "SELECT count(*) FROM parents", NULL, 0), 0);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM children", NULL, 0), 0);
	ok(conn, orm_conn_begin(conn), "begin again");
	ok(conn, orm_conn_commit(conn), "commit again");
}

static void transaction__close_rolls_back_open_transaction(void **state)
{
	(void)state;
	create_users(conn);
	ok(conn, orm_conn_begin(conn), "begin");
	add_user(conn, "ada@example.com");
	orm_conn_close(conn);
	ok(NULL, orm_engine_connect(&conn, engine), "connect again");
	assert_false(orm_conn_in_transaction(conn));
	assert_int_equal(query_int(conn, "SELECT count(*) FROM users", NULL, 0), 0);
}

static void transaction__connection_recovers_after_failed_statement(void **state)
{
	(void)state;
	create_users(conn);
	add_user(conn, "ada@example.com");
	ok(conn, orm_conn_begin(conn), "begin");
	add_user(conn, "bob@example.com");
	assert_int_equal(orm_conn_execute(NULL, conn, "INSERT INTO users (email) VALUES (?)",
	                                  (orm_value[]){orm_text("ada@example.com")}, 1),
	                 ORM_ECONSTRAINT);
	ok(conn, orm_conn_rollback(conn), "rollback");
	add_user(conn, "cyd@example.com");
	assert_int_equal(query_int(conn, "SELECT count(*) FROM users", NULL, 0), 2);
}

/*
 * After a failed statement PostgreSQL aborts the whole transaction and
 * answers a later COMMIT with ROLLBACK: the commit must say so rather than
 * report success. SQLite keeps the transaction going and commits the
 * statements that worked; the test states both behaviours.
 */
static void transaction__commit_after_failed_statement_says_what_happened(void **state)
{
	int rc;

	(void)state;
	create_users(conn);
	add_user(conn, "ada@example.com");
	ok(conn, orm_conn_begin(conn), "begin");
	add_user(conn, "bob@example.com");
	assert_int_equal(orm_conn_execute(NULL, conn, "INSERT INTO users (email) VALUES (?)",
	                                  (orm_value[]){orm_text("ada@example.com")}, 1),
	                 ORM_ECONSTRAINT);
	rc = orm_conn_commit(conn);
	if (orm_test_is_postgres()) {
		assert_int_equal(rc, ORM_ESTATE);
		assert_non_null(strstr(orm_conn_errmsg(conn), "rolled back"));
		assert_false(orm_conn_in_transaction(conn));
		assert_int_equal(query_int(conn, "SELECT count(*) FROM users", NULL, 0), 1);
	} else {
		assert_int_equal(rc, ORM_OK);
		assert_int_equal(query_int(conn, "SELECT count(*) FROM users", NULL, 0), 2);
	}
}

/* ---- Echo and the statement cache ---------------------------------- */

/* An engine on the test database that echoes into a memory buffer. */
static orm_engine *echo_engine(FILE **stream, char **text, size_t *len)
{
	orm_engine_options options = ORM_ENGINE_OPTIONS_INIT;
	orm_engine *e;

	*stream = open_memstream(text, len);
	assert_non_null(*stream);
	options.echo = true;
	options.echo_stream = *stream;
	assert_int_equal(orm_create_engine(&e, orm_test_url(), &options), ORM_OK);
	return e;
}

static void echo__shows_statements_parameters_and_transactions(void **state)
{
	static const char *const expected_sqlite =
	    "[orm] BEGIN (implicit)\n"
	    "[orm] INSERT INTO users (email, age) VALUES (?, ?)\n"
	    "[orm] [generated] ('ada@example.com', 36)\n"
	    "[orm] INSERT INTO users (email, age) VALUES (?, ?)\n"
	    "[orm] [cached] ('bob@example.com', NULL)\n"
	    "[orm] SELECT email FROM users WHERE age IS NULL AND email = ?\n"
	    "[orm] [generated] ('bob@example.com',)\n"
	    "[orm] COMMIT\n"
	    "[orm] SELECT count(*) FROM users\n"
	    "[orm] [generated] ()\n"
	    "[orm] BEGIN (implicit)\n"
	    "[orm] ROLLBACK\n";
	/* PostgreSQL is sent $1, $2, and echo shows what was sent. */
	static const char *const expected_postgres =
	    "[orm] BEGIN (implicit)\n"
	    "[orm] INSERT INTO users (email, age) VALUES ($1, $2)\n"
	    "[orm] [generated] ('ada@example.com', 36)\n"
	    "[orm] INSERT INTO users (email, age) VALUES ($1, $2)\n"
	    "[orm] [cached] ('bob@example.com', NULL)\n"
	    "[orm] SELECT email FROM users WHERE age IS NULL AND email = $1\n"
	    "[orm] [generated] ('bob@example.com',)\n"
	    "[orm] COMMIT\n"
	    "[orm] SELECT count(*) FROM users\n"
	    "[orm] [generated] ()\n"
	    "[orm] BEGIN (implicit)\n"
	    "[orm] ROLLBACK\n";
	const char *insert = "INSERT INTO users (email, age) VALUES (?, ?)";
	orm_engine *e;
	orm_conn *c;
	orm_result *res;
	FILE *stream;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	create_users(conn); /* on the test's own engine: not echoed */
	e = echo_engine(&stream, &text, &len);
	ok(NULL, orm_engine_connect(&c, e), "connect");
	ok(c, orm_conn_begin(c), "begin");
	run(c, insert, (orm_value[]){orm_text("ada@example.com"), orm_int(36)}, 2);
	run(c, insert, (orm_value[]){orm_text("bob@example.com"), orm_null()}, 2);
	ok(c,
	   orm_conn_execute(&res, c, "SELECT email FROM users WHERE age IS NULL AND email = ?",
	                    (orm_value[]){orm_text("bob@example.com")}, 1),
	   "select");
	assert_int_equal(orm_result_next(res), ORM_ROW);
	orm_result_free(res);
	ok(c, orm_conn_commit(c), "commit");
	assert_int_equal(query_int(c, "SELECT count(*) FROM users", NULL, 0), 2);
	ok(c, orm_conn_begin(c), "begin");
	ok(c, orm_conn_rollback(c), "rollback");
	orm_conn_close(c);
	orm_engine_free(e);
	fclose(stream);
	assert_string_equal(text, orm_test_is_postgres() ? expected_postgres : expected_sqlite);
	free(text);
}

static void echo__renders_every_parameter_type(void **state)
{
	orm_value params[] = {
	    orm_text("O'Brien"),
	    orm_int(-42),
	    orm_float(2.5),
	    orm_bool(true),
	    orm_bool(false),
	    orm_null(),
	    orm_date_text("2024-06-21"),
	    orm_datetime_text("2024-06-21 18:30:00"),
	};
	orm_engine *e;
	orm_conn *c;
	FILE *stream;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	run(conn,
	    "CREATE TABLE kinds (s TEXT, i BIGINT, f DOUBLE PRECISION, b BOOLEAN, c BOOLEAN, "
	    "n TEXT, d DATE, dt TIMESTAMP)",
	    NULL, 0);
	e = echo_engine(&stream, &text, &len);
	ok(NULL, orm_engine_connect(&c, e), "connect");
	run(c, "INSERT INTO kinds VALUES (?, ?, ?, ?, ?, ?, ?, ?)", params, 8);
	orm_conn_close(c);
	orm_engine_free(e);
	fclose(stream);
	assert_non_null(strstr(text, "\n[orm] [generated] ('O''Brien', -42, 2.5, true, false, "
	                             "NULL, '2024-06-21', '2024-06-21 18:30:00')\n"));
	free(text);
}

static void cache__statement_in_use_is_not_shared(void **state)
{
	const char *sql = "SELECT email FROM users ORDER BY id";
	orm_result *first, *second;
	orm_engine *e;
	orm_conn *c;
	FILE *stream;
	char *text = NULL, *line;
	size_t len = 0;

	(void)state;
	create_users(conn);
	add_user(conn, "ada@example.com");
	add_user(conn, "bob@example.com");
	e = echo_engine(&stream, &text, &len);
	ok(NULL, orm_engine_connect(&c, e), "connect");

	/* Two open results of the same SQL read independently. */
	ok(c, orm_conn_execute(&first, c, sql, NULL, 0), "first");
	assert_int_equal(orm_result_next(first), ORM_ROW);
	assert_string_equal(orm_result_text(first, 0), "ada@example.com");
	ok(c, orm_conn_execute(&second, c, sql, NULL, 0), "second");
	assert_int_equal(orm_result_next(second), ORM_ROW);
	assert_string_equal(orm_result_text(second, 0), "ada@example.com");
	assert_int_equal(orm_result_next(second), ORM_ROW);
	assert_string_equal(orm_result_text(second, 0), "bob@example.com");
	assert_int_equal(orm_result_next(first), ORM_ROW);
	assert_string_equal(orm_result_text(first, 0), "bob@example.com");
	orm_result_free(second);
	orm_result_free(first);
	/* Once free, the cached statement serves again. */
	ok(c, orm_conn_execute(&first, c, sql, NULL, 0), "third");
	orm_result_free(first);

	orm_conn_close(c);
	orm_engine_free(e);
	fclose(stream);
	/* Every second line is the [generated]/[cached] one. */
	line = strchr(text, '\n') + 1;
	assert_memory_equal(line, "[orm] [generated] ()\n", 21);
	line = strchr(strchr(line, '\n') + 1, '\n') + 1;
	assert_memory_equal(line, "[orm] [generated] ()\n", 21);
	line = strchr(strchr(line, '\n') + 1, '\n') + 1;
	assert_string_equal(line, "[orm] [cached] ()\n");
	free(text);
}

/*
 * A table dropped and made again with other columns: a statement cached
 * before must not run with its old plan. (PostgreSQL would refuse it,
 * "cached plan must not change result type"; SQLite re-prepares.) Any
 * schema change through the engine makes every connection's cache stale.
 */
static void cache__schema_change_makes_cached_statements_stale(void **state)
{
	orm_conn *other;
	orm_result *res;

	(void)state;
	run(conn, "CREATE TABLE t (a INTEGER)", NULL, 0);
	run(conn, "INSERT INTO t (a) VALUES (1)", NULL, 0);
	ok(NULL, orm_engine_connect(&other, engine), "connect");
	for (int round = 0; round < 2; round++) {
		orm_conn *c = round == 0 ? conn : other;
		ok(c, orm_conn_execute(&res, c, "SELECT * FROM t", NULL, 0), "select");
		assert_int_equal(orm_result_ncols(res), 1);
		orm_result_free(res);
	}
	run(conn, "DROP TABLE t", NULL, 0);
	run(conn, "CREATE TABLE t (a INTEGER, b INTEGER)", NULL, 0);
	run(conn, "INSERT INTO t (a, b) VALUES (1, 2)", NULL, 0);
	for (int round = 0; round < 2; round++) {
		orm_conn *c = round == 0 ? conn : other;
		ok(c, orm_conn_execute(&res, c, "SELECT * FROM t", NULL, 0), "select again");
		assert_int_equal(orm_result_ncols(res), 2);
		assert_int_equal(orm_result_next(res), ORM_ROW);
		assert_int_equal(orm_result_int(res, 1), 2);
		orm_result_free(res);
	}
	orm_conn_close(other);
}

/*
 * orm_conn_execute_many takes its statement the same way as
 * orm_conn_execute: it checks the parameter count, and a schema change
 * it runs makes cached statements stale too.
 */
static void cache__execute_many_checks_counts_and_notes_schema_changes(void **state)
{
	orm_result *res;
	orm_value two[2] = {orm_int(1), orm_int(2)};

	(void)state;
	run(conn, "CREATE TABLE t (a INTEGER)", NULL, 0);
	assert_int_equal(orm_conn_execute_many(conn, "INSERT INTO t (a) VALUES (?)", two, 2, 1,
	                                       NULL, NULL),
	                 ORM_EINVAL);
	assert_string_equal(orm_conn_errmsg(conn), "the statement has 1 parameters but 2 values "
	                                           "were given: INSERT INTO t (a) VALUES (?)");
	ok(conn, orm_conn_execute(&res, conn, "SELECT * FROM t", NULL, 0), "select");
	assert_int_equal(orm_result_ncols(res), 1);
	orm_result_free(res);
	ok(conn, orm_conn_execute_many(conn, "DROP TABLE t", NULL, 0, 1, NULL, NULL), "drop");
	ok(conn, orm_conn_execute_many(conn, "CREATE TABLE t (a INTEGER, b INTEGER)", NULL, 0, 1,
	                               NULL, NULL),
	   "create");
	ok(conn, orm_conn_execute(&res, conn, "SELECT * FROM t", NULL, 0), "select again");
	assert_int_equal(orm_result_ncols(res), 2);
	orm_result_free(res);
}

static void cache__evicts_least_recently_used_beyond_its_size(void **state)
{
	enum { DISTINCT = 600 }; /* more than the cache holds (500) */
	char sql[32];
	orm_engine *e;
	orm_conn *c;
	FILE *stream;
	char *text = NULL;
	size_t len = 0, mark;

	(void)state;
	e = echo_engine(&stream, &text, &len);
	ok(NULL, orm_engine_connect(&c, e), "connect");
	for (int i = 0; i < DISTINCT; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		assert_int_equal(query_int(c, sql, NULL, 0), i);
	}
	fflush(stream);
	mark = len;
	/* The newest is still cached; the oldest was evicted. Both work. */
	assert_int_equal(query_int(c, "SELECT 599", NULL, 0), 599);
	assert_int_equal(query_int(c, "SELECT 0", NULL, 0), 0);
	orm_conn_close(c);
	orm_engine_free(e);
	fclose(stream);
	assert_string_equal(text + mark, "[orm] SELECT 599\n[orm] [cached] ()\n"
	                                 "[orm] SELECT 0\n[orm] [generated] ()\n");
	free(text);
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    TEST(execute__creates_inserts_and_selects_rows),
	    TEST(execute__round_trips_every_value_type),
	    TEST(execute__reads_null_as_zero_and_tells_it_apart),
	    TEST(execute__round_trips_int64_limits),
	    TEST(execute__round_trips_quotes_and_utf8_text),
	    TEST(result__getters_convert_between_types),
	    TEST(result__reports_column_names),
	    TEST(result__stays_done_after_the_last_row),
	    TEST(execute__returning_gives_the_new_id),
	    TEST(execute__counts_changed_rows),
	    TEST(execute__wrong_parameter_count_is_invalid),
	    TEST(execute__unknown_column_is_sql_error),
	    TEST(execute__unknown_table_is_sql_error),
	    TEST(execute__syntax_error_is_sql_error),
	    TEST(execute__more_than_one_statement_is_refused),
	    TEST(engine__unique_violation_is_constraint_error),
	    TEST(engine__not_null_violation_is_constraint_error),
	    TEST(engine__foreign_key_violation_is_constraint_error),
	    TEST(transaction__commit_persists),
	    TEST(transaction__rollback_discards),
	    TEST(transaction__misuse_is_state_error),
	    TEST(transaction__failed_commit_rolls_back),
	    TEST(transaction__close_rolls_back_open_transaction),
	    TEST(transaction__connection_recovers_after_failed_statement),
	    TEST(transaction__commit_after_failed_statement_says_what_happened),
	    TEST(echo__shows_statements_parameters_and_transactions),
	    TEST(echo__renders_every_parameter_type),
	    TEST(cache__statement_in_use_is_not_shared),
	    TEST(cache__evicts_least_recently_used_beyond_its_size),
	    TEST(cache__schema_change_makes_cached_statements_stale),
	    TEST(cache__execute_many_checks_counts_and_notes_schema_changes),
	};
#undef TEST

	/* Fails here (exit 77, skipped) when the database is not there. */
	orm_test_url();
	return cmocka_run_group_tests_name(orm_test_database(), tests, NULL, NULL);
}
