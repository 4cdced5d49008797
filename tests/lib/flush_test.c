/*
 * flush_test.c - the flush of chapter 2 on SQLite and PostgreSQL from one
 * source: what a flush after a commit writes (with and without
 * expire_on_commit), a COMMIT that fails after its flush, the order of a
 * flush that updates, deletes and inserts at once, text parameters
 * that need only live for the call that sends them, and a flush of more
 * new objects than the pending list is kept for.
 *
 * Each test starts from an empty database (session_fixture.h) and reads
 * the engine's echo to see what was sent.
 */
#include "session_fixture.h"

/* parents(id, name) and children(id, parent_id): children's foreign key
 * is checked only at COMMIT (DEFERRABLE INITIALLY DEFERRED), so a COMMIT
 * can fail after its flush went well. */
typedef struct Parent {
	int64_t id;
	char *name;
} Parent;

static const orm_column Parent_columns[] = {
    ORM_COLUMN(Parent, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Parent, name, ORM_STRING),
};

static const orm_model Parent_model = ORM_MODEL(Parent, "parents", Parent_columns);

typedef struct Child {
	int64_t id;
	int64_t parent_id;
} Child;

static const orm_column Child_columns[] = {
    ORM_COLUMN(Child, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Child, parent_id, ORM_INTEGER),
};

static const orm_model Child_model = ORM_MODEL(Child, "children", Child_columns);

static const orm_date june21 = {2024, 6, 21};

/* Whether the setup's sessions expire objects at commit. */
static bool expiring;

static int setup(void **state)
{
	static const orm_model *const models[] = {&User_model, &Event_model};
	(void)state;
	expiring = true;
	return fixture_setup(models, 2, NULL);
}

static int setup_no_expire(void **state)
{
	static const orm_model *const models[] = {&User_model, &Event_model};
	orm_session_options so = ORM_SESSION_OPTIONS_INIT;
	(void)state;
	so.expire_on_commit = false;
	expiring = false;
	return fixture_setup(models, 2, &so);
}

static int setup_deferred(void **state)
{
	static const orm_model *const models[] = {&Parent_model, &Child_model};
	(void)state;
	expiring = true;
	if (fixture_setup(models, 2, NULL) < 0)
		return -1;
	exec_sql("DROP TABLE children", NULL, 0);
	exec_sql(orm_test_is_postgres()
	             ? "CREATE TABLE children (id SERIAL PRIMARY KEY, parent_id INTEGER "
	               "REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
	             : "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER "
	               "REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)",
	         NULL, 0);
	echo_reset();
	return 0;
}

/* "[orm] UPDATE <table> SET <column>=? WHERE id = ?\n", as echoed. */
static const char *update_of(const char *table, const char *column)
{
	static char sql[160];
	snprintf(sql, sizeof sql, "[orm] UPDATE %s SET %s=%s WHERE id = %s\n", table, column,
	         sent("?", "$1"), sent("?", "$2"));
	return sql;
}

/* How many times `needle` occurs in `haystack`. */
static int occurrences(const char *haystack, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- after a commit ---------------------------------------------------- */

/* Run with and without expire_on_commit: an object inserted by a commit
 * and changed afterwards is UPDATEd in exactly the columns changed, with
 * no SELECT first, and a commit with nothing changed sends nothing. */
static void flush__after_a_commit_a_flush_writes_exactly_the_changed_columns(void **state)
{
	User *ada = new_user("ada@example.com");
	Event *e = new_event("Tea", june21, 0);
	const char *echo;
	(void)state;

	e->organizer = ada; /* organizer_id is filled from it at the flush */
	ok(orm_session_add(fx.session, e));
	ok(orm_session_commit(fx.session));
	assert_int_equal(orm_object_state(e), ORM_PERSISTENT);
	assert_int_equal(orm_object_is_expired(e), expiring);
	assert_true(ada->id > 0);
	assert_int_equal(e->organizer_id, ada->id);
	echo_reset();

	e->date_of.day = 22;
	ok(orm_session_commit(fx.session));
	echo = echo_since();
	assert_contains(echo, update_of("events", "date_of"));
	assert_int_equal(occurrences(echo, "UPDATE"), 1);
	assert_not_contains(echo, "SELECT");

	/* A flush inside the transaction, then a commit: each sends its own. */
	ok(orm_set_text(&e->title, "Tea at four"));
	ok(orm_session_flush(fx.session));
	echo = echo_since();
	assert_contains(echo, update_of("events", "title"));
	assert_int_equal(occurrences(echo, "UPDATE"), 1);
	ok(orm_set_text(&ada->email, "ada@lovelace.org"));
	e->date_of.day = 23;
	ok(orm_session_commit(fx.session));
	echo = echo_since();
	/* The referenced table first, as for INSERTs. */
	assert_contains(echo, update_of("users", "email"));
	assert_contains(echo, update_of("events", "date_of"));
	assert_true(strstr(echo, "UPDATE users") < strstr(echo, "UPDATE events"));
	assert_int_equal(occurrences(echo, "UPDATE"), 2);

	ok(orm_session_commit(fx.session));
	assert_string_equal(echo_since(), "");
	assert_int_equal(query_int("SELECT count(*) FROM events WHERE title = 'Tea at four' AND "
	                           "date_of = '2024-06-23'",
	                           NULL, 0),
	                 1);
	assert_int_equal(
	    query_int("SELECT count(*) FROM users WHERE email = 'ada@lovelace.org'", NULL, 0), 1);
}

/* ---- a COMMIT that fails after its flush -------------------------------- */

static void flush__a_failed_commit_leaves_objects_as_before_the_flush(void **state)
{
	Parent *old = orm_object_new(&Parent_model), *p = orm_object_new(&Parent_model);
	Child *bad = orm_object_new(&Child_model), *good = orm_object_new(&Child_model);
	int rc;
	(void)state;

	assert_non_null(old && p && bad && good);
	ok(orm_set_text(&old->name, "old"));
	ok(orm_session_add(fx.session, old));
	ok(orm_session_commit(fx.session));

	/* One transaction: an UPDATE, three INSERTs, one of them a child of
	 * a parent that does not exist - which only COMMIT finds out. */
	ok(orm_set_text(&old->name, "renamed"));
	ok(orm_set_text(&p->name, "new"));
	bad->parent_id = 99;
	ok(orm_session_add(fx.session, p));
	ok(orm_session_add(fx.session, bad));
	ok(orm_session_add(fx.session, good)); /* parent_id NULL */
	echo_reset();
	rc = orm_session_commit(fx.session);
	assert_int_equal(rc, ORM_ECONSTRAINT);
	assert_contains(orm_session_errmsg(fx.session), "COMMIT");
	assert_contains(echo_since(), "INSERT INTO children");
	assert_int_equal(count_rows("children"), 0);
	assert_int_equal(count_rows("parents"), 1);

	/* The new objects are pending again, their generated keys unset;
	 * the changed one shows the database again. */
	assert_int_equal(orm_object_state(p), ORM_PENDING);
	assert_int_equal(orm_object_state(bad), ORM_PENDING);
	assert_int_equal(orm_object_state(good), ORM_PENDING);
	assert_int_equal(p->id, 0);
	assert_int_equal(bad->id, 0);
	assert_int_equal(good->id, 0);
	assert_int_equal(orm_object_state(old), ORM_PERSISTENT);
	assert_string_equal(old->name, "old");

	/* Fixed, the same objects go in, each column as it is now. */
	ok(orm_set_null(bad, "parent_id"));
	ok(orm_session_commit(fx.session));
	assert_int_equal(count_rows("children"), 2);
	assert_int_equal(count_rows("parents"), 2);
	assert_true(p->id > 0 && bad->id > 0 && good->id > 0);
	assert_int_equal(query_int("SELECT count(*) FROM parents WHERE name = 'new'", NULL, 0), 1);
	assert_int_equal(
	    query_int("SELECT count(*) FROM children WHERE parent_id IS NULL", NULL, 0), 2);
	/* Nothing left over from the failed one: the next commit sends nothing. */
	echo_reset();
	ok(orm_session_commit(fx.session));
	assert_string_equal(echo_since(), "");
}

/* ---- order --------------------------------------------------------------- */

/* One flush that inserts, updates and deletes: INSERTs and UPDATEs in
 * dependency order, DELETEs after them in reverse order, UPDATEs and
 * DELETEs of a model in primary key order whatever order they were made
 * in, those of the same shape in one batch. */
static void flush__inserts_updates_and_deletes_of_one_flush_keep_their_order(void **state)
{
	User *a = new_user("a@x"), *b = new_user("b@x"), *c = new_user("c@x");
	Event *e1 = new_event("one", june21, 0), *e2 = new_event("two", june21, 0);
	const char *echo, *ins, *upd, *del;
	(void)state;

	ok(orm_session_add(fx.session, a));
	ok(orm_session_add(fx.session, b));
	ok(orm_session_add(fx.session, c));
	ok(orm_session_add(fx.session, e1));
	ok(orm_session_add(fx.session, e2));
	ok(orm_session_commit(fx.session));
	assert_true(a->id < c->id && e1->id < e2->id);
	echo_reset();

	ok(orm_session_delete(fx.session, e2));
	ok(orm_set_text(&c->email, "c2@x"));
	ok(orm_session_add(fx.session, new_user("d@x")));
	ok(orm_session_delete(fx.session, e1));
	ok(orm_set_text(&a->email, "a2@x"));
	ok(orm_session_flush(fx.session));
	echo = echo_since();
	ins = strstr(echo, "INSERT INTO users");
	upd = strstr(echo, "UPDATE users SET email=");
	del = strstr(echo, "DELETE FROM events");
	assert_non_null(ins);
	assert_non_null(upd);
	assert_non_null(del);
	assert_true(ins < upd && upd < del);
	assert_int_equal(occurrences(echo, "UPDATE"), 1);
	assert_int_equal(occurrences(echo, "DELETE"), 1);
	assert_contains(upd, "[generated] [('a2@x', 1), ('c2@x', 3)]");
	assert_contains(del, "[generated] [(1,), (2,)]");
	ok(orm_session_commit(fx.session));
	assert_int_equal(count_rows("events"), 0);
	assert_int_equal(count_rows("users"), 4);
}

/* ---- text parameters ------------------------------------------------------ */

/* A statement's text parameters need only live for the call that sends
 * it, rows read later included: the INSERT reads them inside the call,
 * and a SELECT keeps its own copy for the rows it reads afterwards. */
static void flush__text_parameters_need_only_live_for_the_call(void **state)
{
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	char buf[32], *heap;
	int rows = 0;
	(void)state;

	if (orm_engine_connect(&conn, fx.engine) < 0)
		fail_msg("connect: %s", orm_error_last());
	strcpy(buf, "first@example.com");
	assert_int_equal(orm_conn_execute(NULL, conn, "INSERT INTO users (email) VALUES (?)",
	                                  (orm_value[]){orm_text(buf)}, 1),
	                 ORM_OK);
	strcpy(buf, "second@example.com");
	assert_int_equal(orm_conn_execute(NULL, conn, "INSERT INTO users (email) VALUES (?)",
	                                  (orm_value[]){orm_text(buf)}, 1),
	                 ORM_OK);
	memset(buf, 'x', sizeof buf - 1);
	buf[sizeof buf - 1] = '\0';
	assert_int_equal(
	    query_int("SELECT count(*) FROM users WHERE email IN ('first@example.com', "
	              "'second@example.com')",
	              NULL, 0),
	    2);

	/* The second row is found after the call, when the string is gone. */
	heap = strdup("second@example.com");
	assert_non_null(heap);
	assert_int_equal(orm_conn_execute(&res, conn,
	                                  "SELECT id FROM users WHERE email = 'first@example.com' "
	                                  "OR email = ? ORDER BY id",
	                                  (orm_value[]){orm_text(heap)}, 1),
	                 ORM_OK);
	memset(heap, 'x', strlen(heap));
	free(heap);
	while (orm_result_next(res) == ORM_ROW)
		rows++;
	assert_int_equal(rows, 2);
	orm_result_free(res);
	orm_conn_close(conn);
}

/* ---- a large flush ------------------------------------------------------ */

/* More new objects than the flush keeps its pending list for (it frees a
 * long one before filling the identity map, and finds the new objects in
 * the session's list instead): every one is inserted and in the identity
 * map, one expunged before the flush is not, a change after the commit
 * UPDATEs only its column, and the session takes new objects again. */
static void flush__a_flush_of_many_new_objects_maps_every_one(void **state)
{
	enum { N = 9000 };
	User **users = calloc(N, sizeof *users);
	User *gone, *again, *got;
	orm_query *q;
	void **all;
	size_t count;
	char email[32];
	const char *echo;
	(void)state;

	assert_non_null(users);
	for (int i = 0; i < N; i++) {
		snprintf(email, sizeof email, "u%d@example.com", i);
		users[i] = new_user(email);
		ok(orm_session_add(fx.session, users[i]));
	}
	gone = users[N / 2];
	ok(orm_session_expunge(fx.session, gone));
	ok(orm_session_commit(fx.session));
	assert_int_equal(query_int("SELECT count(*) FROM users", NULL, 0), N - 1);
	assert_int_equal(orm_object_state(gone), ORM_TRANSIENT);
	for (int i = 0; i < N; i++)
		if (users[i] != gone)
			assert_int_equal(orm_object_state(users[i]), ORM_PERSISTENT);
	/* Every row loaded again comes back as the object inserted (the
	 * identity map has each one), in key order, which is insert order. */
	ok(orm_query_new(&q, fx.session, &User_model));
	ok(orm_query_order_by(q, "id", ORM_ASC));
	ok(orm_query_all(&all, &count, q));
	assert_int_equal(count, N - 1);
	for (size_t i = 0, j = 0; i < count; i++, j++) {
		if (users[j] == gone)
			j++;
		assert_ptr_equal(all[i], users[j]);
	}
	orm_free(all);
	orm_query_free(q);
	ok(orm_set_text(&users[7]->email, "seven@example.com"));
	echo_reset();
	ok(orm_session_commit(fx.session));
	echo = echo_since();
	assert_contains(echo, update_of("users", "email"));
	assert_int_equal(occurrences(echo, "UPDATE"), 1);

	again = new_user("again@example.com");
	ok(orm_session_add(fx.session, again));
	ok(orm_session_commit(fx.session));
	assert_true(again->id > 0);
	ok(orm_session_get((void **)&got, fx.session, &User_model, orm_int(again->id)));
	assert_ptr_equal(got, again);
	assert_int_equal(
	    query_int("SELECT count(*) FROM users WHERE email = 'seven@example.com'", NULL, 0), 1);
	orm_object_free(gone);
	free(users);
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
	    TEST(flush__after_a_commit_a_flush_writes_exactly_the_changed_columns),
	    cmocka_unit_test_setup_teardown(
	        flush__after_a_commit_a_flush_writes_exactly_the_changed_columns, setup_no_expire,
	        fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        flush__a_failed_commit_leaves_objects_as_before_the_flush, setup_deferred,
	        fixture_teardown),
	    TEST(flush__inserts_updates_and_deletes_of_one_flush_keep_their_order),
	    TEST(flush__text_parameters_need_only_live_for_the_call),
	    TEST(flush__a_flush_of_many_new_objects_maps_every_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
