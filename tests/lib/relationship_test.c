/*
 * relationship_test.c - relationships of chapter 4 on SQLite and
 * PostgreSQL from one source: both sides kept in step (back_populates),
 * the save-update, delete and delete-orphan cascades, foreign keys filled
 * from object references in dependency order, lazy / selectin / joined
 * loading (counted in the echoed SQL: N+1 against 1+1 against 1), the
 * identity map answering a many-to-one load, rollback and expiry, cycles,
 * other sessions' objects, and the errors of declaring a relationship.
 *
 * Each test starts from an empty database with the write-up's tables
 * (session_fixture.h; models.h declares User.events and Event.organizer).
 */
#include "session_fixture.h"

#include "orm/relationship.h"

/* ---- models of this file only ------------------------------------------- */

/* The same User, with cascades on its events (a metadata of its own). */
static const orm_relationship cascading_relationships[] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer", .order_by = "date_of",
                     .cascade =
                         ORM_CASCADE_SAVE_UPDATE | ORM_CASCADE_DELETE | ORM_CASCADE_DELETE_ORPHAN),
};
static const orm_model CascadingUser_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", User_columns, cascading_relationships);

/* The same User, its events loaded by selectin unless a query says otherwise. */
static const orm_relationship eager_relationships[] = {
    ORM_RELATIONSHIP(User, events, "Event", .back_populates = "organizer", .order_by = "date_of",
                     .lazy = ORM_SELECTIN),
};
static const orm_model EagerUser_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", User_columns, eager_relationships);

/* A one-way collection: User.events without back_populates, over events
 * with no relationship of their own. */
static const orm_relationship oneway_relationships[] = {
    ORM_RELATIONSHIP(User, events, "Event", .order_by = "date_of"),
};
static const orm_model OneWayUser_model =
    ORM_MODEL_WITH_RELATIONSHIPS(User, "users", User_columns, oneway_relationships);
static const orm_model PlainEvent_model = ORM_MODEL(Event, "events", Event_columns);

/* Events that cannot exist without an organizer: organizer_id NOT NULL. */
static const orm_column strict_event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, title, ORM_STRING, .index = true),
    ORM_COLUMN(Event, date_of, ORM_DATE),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id",
               .nullable = ORM_NULLABLE_NO),
};
static const orm_model StrictEvent_model =
    ORM_MODEL_WITH_RELATIONSHIPS(Event, "events", strict_event_columns, Event_relationships);

/* A tree: a table that refers to itself. */
typedef struct Node Node;
struct Node {
	int64_t id;
	char *name;
	int64_t parent_id;
	Node *parent;
	orm_collection children;
};

static const orm_column Node_columns[] = {
    ORM_COLUMN(Node, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Node, name, ORM_STRING),
    ORM_COLUMN(Node, parent_id, ORM_INTEGER, .foreign_key = "nodes.id"),
};
static const orm_relationship Node_relationships[] = {
    ORM_RELATIONSHIP(Node, parent, "Node", .back_populates = "children"),
    ORM_RELATIONSHIP(Node, children, "Node", .back_populates = "parent", .order_by = "name"),
};
static const orm_model Node_model =
    ORM_MODEL_WITH_RELATIONSHIPS(Node, "nodes", Node_columns, Node_relationships);

/* ---- setups and helpers -------------------------------------------------- */

static int setup(void **state)
{
	static const orm_model *const models[] = {&User_model, &Event_model};
	(void)state;
	return fixture_setup(models, 2, NULL);
}

static int setup_no_expire(void **state)
{
	static const orm_model *const models[] = {&User_model, &Event_model};
	orm_session_options so = ORM_SESSION_OPTIONS_INIT;
	(void)state;
	so.expire_on_commit = false;
	return fixture_setup(models, 2, &so);
}

static int setup_cascading(void **state)
{
	static const orm_model *const models[] = {&CascadingUser_model, &Event_model};
	(void)state;
	return fixture_setup(models, 2, NULL);
}

static int setup_eager(void **state)
{
	static const orm_model *const models[] = {&EagerUser_model, &Event_model};
	(void)state;
	return fixture_setup(models, 2, NULL);
}

static int setup_oneway(void **state)
{
	static const orm_model *const models[] = {&OneWayUser_model, &PlainEvent_model};
	(void)state;
	return fixture_setup(models, 2, NULL);
}

static int setup_strict(void **state)
{
	static const orm_model *const models[] = {&User_model, &StrictEvent_model};
	(void)state;
	return fixture_setup(models, 2, NULL);
}

static int setup_nodes(void **state)
{
	static const orm_model *const models[] = {&Node_model};
	(void)state;
	return fixture_setup(models, 1, NULL);
}

static const orm_date june21 = {2024, 6, 21}, june22 = {2024, 6, 22}, june23 = {2024, 6, 23};

/* A transient event without an organizer (organizer_id NULL). */
static Event *event(const char *title, orm_date date_of)
{
	Event *e = new_event(title, date_of, 0);
	ok(orm_set_null(e, "organizer_id"));
	return e;
}

static User *user_of(const orm_model *model, const char *email)
{
	User *u = orm_object_new(model);
	assert_non_null(u);
	ok(orm_set_text(&u->email, email));
	return u;
}

static Node *node(const char *name)
{
	Node *n = orm_object_new(&Node_model);
	assert_non_null(n);
	ok(orm_set_text(&n->name, name));
	ok(orm_set_null(n, "parent_id"));
	return n;
}

static void reopen(void)
{
	orm_session_close(fx.session);
	fx.session = NULL;
	ok(orm_session_open(&fx.session, fx.maker));
	echo_reset();
}

/* How many echoed statements start with `verb` ("SELECT", "UPDATE"...). */
static int count_statements(const char *echo, const char *verb)
{
	char needle[32];
	int n = 0;

	snprintf(needle, sizeof needle, "[orm] %s ", verb);
	for (const char *p = echo; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/*
 * Commits ada (events Tea, Chess, Meetup: dated 21, 22, 23 June, added in
 * another order), bob (one event) and carol (none) through the relationship,
 * users of `model`, then reopens the session (an empty identity map).
 */
static void committed_users_of(const orm_model *model)
{
	User *ada = user_of(model, "ada@example.com");
	User *bob = user_of(model, "bob@example.com");
	User *carol = user_of(model, "carol@example.com");

	ok(orm_collection_append(ada, "events", event("Meetup", june23)));
	ok(orm_collection_append(ada, "events", event("Tea", june21)));
	ok(orm_collection_append(ada, "events", event("Chess", june22)));
	ok(orm_collection_append(bob, "events", event("Tea with Grace", june22)));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_add(fx.session, bob));
	ok(orm_session_add(fx.session, carol));
	ok(orm_session_commit(fx.session));
	reopen();
}

static void committed_users_with_events(void)
{
	committed_users_of(&User_model);
}

/* Every user, by email, loaded with `loading` (ORM_LAZY: no option). */
static User **all_users(size_t *n, orm_loading loading)
{
	orm_query *q;
	void **rows;

	ok(orm_query_new(&q, fx.session, &User_model));
	ok(orm_query_order_by(q, "email", ORM_ASC));
	if (loading != ORM_LAZY)
		ok(orm_query_options(q, "events", loading));
	ok(orm_query_all(&rows, n, q));
	orm_query_free(q);
	return (User **)rows;
}

static void assert_titles(const User *u, const char *expected)
{
	char buf[256] = "";
	size_t len = 0;

	assert_true(u->events.loaded);
	for (size_t i = 0; i < u->events.count; i++) {
		const Event *e = u->events.items[i];
		len +=
		    (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", e->title);
		assert_ptr_equal(e->organizer, u);
	}
	assert_string_equal(buf, expected);
}

/* ---- both sides in step -------------------------------------------------- */

static void relationship__setting_the_organizer_puts_the_event_in_the_users_events(void **state)
{
	User *ada = new_user("ada@example.com"), *bob = new_user("bob@example.com");
	Event *tea = event("Tea", june21);
	(void)state;

	ok(orm_relationship_set(tea, "organizer", ada));
	assert_ptr_equal(tea->organizer, ada);
	assert_int_equal(ada->events.count, 1);
	assert_ptr_equal(ada->events.items[0], tea);

	/* Moving it takes it out of ada's events. */
	ok(orm_relationship_set(tea, "organizer", bob));
	assert_int_equal(ada->events.count, 0);
	assert_int_equal(bob->events.count, 1);
	assert_ptr_equal(bob->events.items[0], tea);

	/* Setting it again changes nothing; NULL takes it out. */
	ok(orm_relationship_set(tea, "organizer", bob));
	assert_int_equal(bob->events.count, 1);
	ok(orm_relationship_set(tea, "organizer", NULL));
	assert_null(tea->organizer);
	assert_int_equal(bob->events.count, 0);
	assert_string_equal(echo_since(), ""); /* all in memory */

	orm_object_free(tea);
	orm_object_free(ada);
	orm_object_free(bob);
}

static void relationship__appending_and_removing_set_and_clear_the_organizer(void **state)
{
	User *ada = new_user("ada@example.com"), *bob = new_user("bob@example.com");
	Event *tea = event("Tea", june21), *chess = event("Chess", june22);
	(void)state;

	ok(orm_collection_append(ada, "events", tea));
	ok(orm_collection_append(ada, "events", chess));
	ok(orm_collection_append(ada, "events", tea)); /* already there: no duplicate */
	assert_int_equal(ada->events.count, 2);
	assert_ptr_equal(tea->organizer, ada);
	assert_ptr_equal(chess->organizer, ada);

	/* Appending to bob's moves it: ada's keeps the order of the rest. */
	ok(orm_collection_append(bob, "events", tea));
	assert_ptr_equal(tea->organizer, bob);
	assert_int_equal(ada->events.count, 1);
	assert_ptr_equal(ada->events.items[0], chess);

	ok(orm_collection_remove(ada, "events", chess));
	assert_null(chess->organizer);
	assert_int_equal(ada->events.count, 0);
	assert_int_equal(orm_collection_remove(ada, "events", chess), ORM_EINVAL);
	assert_contains(orm_error_last(), "that Event is not in this User's events");

	/* Freeing an event takes it out of its organizer's events. */
	orm_object_free(tea);
	assert_int_equal(bob->events.count, 0);
	orm_object_free(chess);
	orm_object_free(ada);
	orm_object_free(bob);
}

static void relationship__calls_with_the_wrong_relationship_or_object_are_refused(void **state)
{
	User *ada = new_user("ada@example.com");
	Event *tea = event("Tea", june21);
	Node *n = node("root");
	(void)state;

	assert_int_equal(orm_relationship_set(tea, "organiser", ada), ORM_EINVAL);
	assert_string_equal(orm_error_last(), "model Event has no relationship 'organiser'");
	assert_int_equal(orm_relationship_set(ada, "events", tea), ORM_EINVAL);
	assert_contains(orm_error_last(), "User.events is a collection");
	assert_int_equal(orm_collection_append(tea, "organizer", ada), ORM_EINVAL);
	assert_contains(orm_error_last(), "Event.organizer is a reference, not a collection");
	assert_int_equal(orm_relationship_set(tea, "organizer", n), ORM_EINVAL);
	assert_string_equal(orm_error_last(), "Event.organizer relates User objects, not a Node");
	assert_null(tea->organizer);

	orm_object_free(n);
	orm_object_free(tea);
	orm_object_free(ada);
}

/* ---- the save-update cascade and the flush ------------------------------- */

static void relationship__adding_a_user_saves_its_events_after_it_with_their_key(void **state)
{
	User *ada = new_user("ada@example.com");
	Event *tea = event("Tea", june21), *chess = event("Chess", june22);
	const char *echo;
	(void)state;

	ok(orm_collection_append(ada, "events", tea));
	ok(orm_relationship_set(chess, "organizer", ada));
	ok(orm_session_add(fx.session, ada)); /* only the user */
	assert_int_equal(orm_object_state(tea), ORM_PENDING);
	assert_int_equal(orm_object_state(chess), ORM_PENDING);
	ok(orm_session_commit(fx.session));
	echo = echo_since();
	assert_true(strstr(echo, "INSERT INTO users") < strstr(echo, "INSERT INTO events"));
	assert_int_equal(count_statements(echo, "INSERT"), 2); /* one batch per table */
	assert_true(ada->id > 0);
	assert_int_equal(tea->organizer_id, ada->id);
	assert_int_equal(chess->organizer_id, ada->id);
	assert_false(orm_is_null(tea, "organizer_id"));
	assert_int_equal(query_int("SELECT count(*) FROM events WHERE organizer_id = ?",
	                           &(orm_value){.type = ORM_TYPE_INT, .u.i = ada->id}, 1),
	                 2);
}

static void relationship__an_organizer_assigned_directly_is_saved_and_filled_in(void **state)
{
	User *ada = new_user("ada@example.com");
	Event *tea = event("Tea", june21);
	(void)state;

	tea->organizer = ada;                 /* no call: the flush notices */
	ok(orm_session_add(fx.session, tea)); /* and ada comes along */
	assert_int_equal(orm_object_state(ada), ORM_PENDING);
	ok(orm_session_flush(fx.session));
	assert_int_equal(tea->organizer_id, ada->id);

	/* A persistent user whose events are loaded gets the event at flush. */
	{
		Event *chess = event("Chess", june22);
		ok(orm_session_load(fx.session, ada, "events"));
		assert_int_equal(ada->events.count, 1);
		chess->organizer = ada;
		ok(orm_session_add(fx.session, chess));
		ok(orm_session_flush(fx.session));
		assert_int_equal(chess->organizer_id, ada->id);
		assert_int_equal(ada->events.count, 2);
		assert_ptr_equal(ada->events.items[1], chess);

		/* Taking it away directly: organizer_id NULL, out of the events. */
		chess->organizer = NULL;
		ok(orm_session_flush(fx.session));
		assert_true(orm_is_null(chess, "organizer_id"));
		assert_int_equal(ada->events.count, 1);
	}
	ok(orm_session_commit(fx.session));
	assert_int_equal(count_rows("events"), 2);
	assert_int_equal(
	    query_int("SELECT count(*) FROM events WHERE organizer_id IS NULL", NULL, 0), 1);
}

static void relationship__an_event_moved_to_a_new_user_is_updated_after_the_insert(void **state)
{
	User *ada = new_user("ada@example.com"), *bob;
	Event *tea = event("Tea", june21);
	const char *echo;
	(void)state;

	ok(orm_collection_append(ada, "events", tea));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_commit(fx.session));

	bob = new_user("bob@example.com");
	ok(orm_relationship_set(tea, "organizer", bob)); /* tea persistent: bob joins */
	assert_int_equal(orm_object_state(bob), ORM_PENDING);
	echo_reset();
	ok(orm_session_commit(fx.session));
	echo = echo_since();
	assert_true(strstr(echo, "INSERT INTO users") <
	            strstr(echo, "UPDATE events SET organizer_id="));
	assert_int_equal(tea->organizer_id, bob->id);
}

static void relationship__an_organizer_that_does_not_exist_is_a_constraint_error(void **state)
{
	Event *party = event("Nobody's party", june21);
	int rc;
	(void)state;

	party->organizer_id = 999; /* the column set directly: no user 999 */
	ok(orm_session_add(fx.session, party));
	rc = orm_session_commit(fx.session);
	assert_int_equal(rc, ORM_ECONSTRAINT);
	if (orm_test_is_postgres())
		assert_contains(orm_session_errmsg(fx.session),
		                "violates foreign key constraint \"events_organizer_id_fkey\"");
	else
		assert_string_equal(orm_session_errmsg(fx.session),
		                    "INSERT INTO events: FOREIGN KEY constraint failed "
		                    "(events.organizer_id references users.id)");
	assert_int_equal(count_rows("events"), 0);
	assert_int_equal(orm_object_state(party), ORM_PENDING);
}

static void relationship__a_row_the_session_does_not_know_still_stops_a_delete(void **state)
{
	User *ada = new_user("ada@example.com");
	orm_value params[1];
	int rc;
	(void)state;

	ok(orm_session_add(fx.session, ada));
	ok(orm_session_load(fx.session, ada, "events")); /* pending: none, no SQL */
	ok(orm_session_commit(fx.session));              /* no expiry: they stay loaded */
	assert_true(ada->events.loaded);
	params[0] = orm_int(ada->id);
	exec_sql("INSERT INTO events (title, organizer_id) VALUES ('Behind its back', ?)", params,
	         1);
	ok(orm_session_delete(fx.session, ada));
	rc = orm_session_commit(fx.session);
	assert_int_equal(rc, ORM_ECONSTRAINT);
	if (orm_test_is_postgres())
		assert_contains(orm_session_errmsg(fx.session),
		                "DELETE FROM users: update or delete on table \"users\" violates "
		                "foreign key constraint \"events_organizer_id_fkey\" on table "
		                "\"events\"");
	else
		assert_string_equal(orm_session_errmsg(fx.session),
		                    "DELETE FROM users: FOREIGN KEY constraint failed "
		                    "(events.organizer_id references users.id)");
	assert_int_equal(count_rows("users"), 1);
	assert_int_equal(orm_object_state(ada), ORM_PERSISTENT);
}

/* ---- loading ------------------------------------------------------------- */

static void relationship__lazy_loading_sends_one_select_per_user(void **state)
{
	User **users;
	size_t n;
	const char *echo;
	(void)state;

	committed_users_with_events();
	users = all_users(&n, ORM_LAZY);
	assert_int_equal(n, 3);
	assert_false(users[0]->events.loaded); /* nothing loaded yet */
	for (size_t i = 0; i < n; i++)
		ok(orm_session_load(fx.session, users[i], "events"));
	assert_titles(users[0], "Tea, Chess, Meetup"); /* order_by date_of */
	assert_titles(users[1], "Tea with Grace");
	assert_titles(users[2], "");
	echo = echo_since();
	assert_int_equal(count_statements(echo, "SELECT"), 1 + 3); /* the N+1 */
	assert_contains(echo, sent("SELECT id, title, date_of, organizer_id FROM events WHERE "
	                           "organizer_id = ? ORDER BY date_of",
	                           "SELECT id, title, date_of, organizer_id FROM events WHERE "
	                           "organizer_id = $1 ORDER BY date_of"));
	assert_contains(echo, "[cached]"); /* the same statement each time */

	/* Loaded: no SQL the second time. */
	ok(orm_session_load(fx.session, users[0], "events"));
	assert_string_equal(echo_since(), "");
	orm_free(users);
}

static void relationship__selectin_loads_every_users_events_in_one_more_select(void **state)
{
	User **users;
	size_t n;
	const char *echo;
	(void)state;

	committed_users_with_events();
	users = all_users(&n, ORM_SELECTIN);
	for (size_t i = 0; i < n; i++)
		ok(orm_session_load(fx.session, users[i], "events")); /* loaded: no SQL */
	assert_titles(users[0], "Tea, Chess, Meetup");
	assert_titles(users[1], "Tea with Grace");
	assert_titles(users[2], ""); /* empty, and loaded too */
	echo = echo_since();
	assert_int_equal(count_statements(echo, "SELECT"), 1 + 1);
	assert_contains(echo, sent("FROM events WHERE organizer_id IN (?, ?, ?) ORDER BY date_of",
	                           "FROM events WHERE organizer_id IN ($1, $2, $3) ORDER BY "
	                           "date_of"));
	orm_free(users);
}

static void relationship__selectin_asks_for_500_keys_at_a_time(void **state)
{
	enum { N = 1001 };
	static User *made[N];
	User **users;
	char email[32];
	size_t n;
	const char *echo;
	(void)state;

	for (int i = 0; i < N; i++) {
		snprintf(email, sizeof email, "user%04d@example.com", i);
		made[i] = new_user(email);
	}
	ok(orm_collection_append(made[N - 1], "events", event("Last", june21)));
	ok(orm_session_add_all(fx.session, (void *const *)made, N));
	ok(orm_session_commit(fx.session));
	reopen();
	users = all_users(&n, ORM_SELECTIN);
	assert_int_equal(n, N);
	echo = echo_since();
	assert_int_equal(count_statements(echo, "SELECT"), 1 + 3); /* 500 + 500 + 1 */
	assert_true(users[0]->events.loaded && users[0]->events.count == 0);
	assert_titles(users[N - 1], "Last");
	orm_free(users);
}

static void relationship__joined_loads_users_and_events_in_one_select(void **state)
{
	User **users;
	size_t n;
	const char *echo;
	(void)state;

	committed_users_with_events();
	users = all_users(&n, ORM_JOINED);
	assert_int_equal(n, 3); /* one user per user, not per row */
	for (size_t i = 0; i < n; i++)
		ok(orm_session_load(fx.session, users[i], "events"));
	assert_titles(users[0], "Tea, Chess, Meetup");
	assert_titles(users[1], "Tea with Grace");
	assert_titles(users[2], "");
	echo = echo_since();
	assert_int_equal(count_statements(echo, "SELECT"), 1);
	assert_contains(echo, "SELECT users.id, users.email, events_1.id, events_1.title, "
	                      "events_1.date_of, events_1.organizer_id FROM users LEFT OUTER JOIN "
	                      "events AS events_1 ON users.id = events_1.organizer_id ORDER BY "
	                      "users.email ASC, events_1.date_of");
	orm_free(users);
}

static void relationship__joined_with_a_limit_counts_users_not_rows(void **state)
{
	orm_query *q;
	User *first;
	const char *echo;
	(void)state;

	committed_users_with_events();
	ok(orm_query_new(&q, fx.session, &User_model));
	ok(orm_query_where(q, "email", "LIKE", orm_text("%example.com")));
	ok(orm_query_order_by(q, "email", ORM_ASC));
	ok(orm_query_options(q, "events", ORM_JOINED));
	ok(orm_query_first((void **)&first, q)); /* LIMIT 1: ada, with all three events */
	assert_string_equal(first->email, "ada@example.com");
	assert_titles(first, "Tea, Chess, Meetup");
	echo = echo_since();
	assert_contains(echo,
	                sent("FROM (SELECT users.id, users.email FROM users WHERE users.email "
	                     "LIKE ? ORDER BY users.email ASC LIMIT ?) AS anon_1 LEFT OUTER "
	                     "JOIN events AS events_1 ON anon_1.id = events_1.organizer_id "
	                     "ORDER BY anon_1.email ASC, events_1.date_of",
	                     "FROM (SELECT users.id, users.email FROM users WHERE users.email "
	                     "LIKE $1 ORDER BY users.email ASC LIMIT $2) AS anon_1 LEFT OUTER "
	                     "JOIN events AS events_1 ON anon_1.id = events_1.organizer_id "
	                     "ORDER BY anon_1.email ASC, events_1.date_of"));
	orm_query_free(q);

	/* one() sees two users however many rows they come in. */
	ok(orm_query_new(&q, fx.session, &User_model));
	ok(orm_query_where(q, "email", "<", orm_text("c")));
	ok(orm_query_options(q, "events", ORM_JOINED));
	assert_int_equal(orm_query_one((void **)&first, q), ORM_EMULTIPLE);
	orm_query_free(q);
}

static void relationship__joined_loads_each_events_organizer_in_the_same_select(void **state)
{
	orm_query *q;
	void **rows;
	size_t n;
	const char *echo;
	(void)state;

	committed_users_with_events();
	ok(orm_query_new(&q, fx.session, &Event_model));
	ok(orm_query_order_by(q, "id", ORM_ASC));
	ok(orm_query_options(q, "organizer", ORM_JOINED));
	ok(orm_query_all(&rows, &n, q));
	orm_query_free(q);
	assert_int_equal(n, 4);
	assert_string_equal(((Event *)rows[0])->organizer->email, "ada@example.com");
	assert_ptr_equal(((Event *)rows[0])->organizer, ((Event *)rows[1])->organizer);
	assert_string_equal(((Event *)rows[3])->organizer->email, "bob@example.com");
	echo = echo_since();
	assert_int_equal(count_statements(echo, "SELECT"), 1);
	assert_contains(echo,
	                "SELECT events.id, events.title, events.date_of, events.organizer_id, "
	                "users_1.id, users_1.email FROM events LEFT OUTER JOIN users AS "
	                "users_1 ON users_1.id = events.organizer_id ORDER BY events.id ASC");
	orm_free(rows);
}

static void relationship__a_relationships_own_lazy_setting_applies_without_an_option(void **state)
{
	User **users;
	size_t n;
	(void)state;

	committed_users_of(&EagerUser_model);
	{
		/* EagerUser_model: events are selectin unless told otherwise. */
		orm_query *q;
		void **rows;
		ok(orm_query_new(&q, fx.session, &EagerUser_model));
		ok(orm_query_order_by(q, "email", ORM_ASC));
		ok(orm_query_all(&rows, &n, q));
		users = (User **)rows;
		orm_query_free(q);
	}
	assert_titles(users[0], "Tea, Chess, Meetup");
	assert_int_equal(count_statements(echo_since(), "SELECT"), 2);
	orm_free(users);
}

static void relationship__a_many_to_one_load_takes_the_user_from_the_identity_map(void **state)
{
	User *ada;
	Event *tea;
	orm_query *q;
	void **rows;
	size_t n;
	const char *echo;
	(void)state;

	committed_users_with_events();
	ok(orm_query_new(&q, fx.session, &Event_model));
	ok(orm_query_order_by(q, "id", ORM_ASC));
	ok(orm_query_all(&rows, &n, q));
	orm_query_free(q);
	tea = rows[0];
	assert_null(tea->organizer); /* not loaded */

	/* Not in the session yet: one SELECT by key. */
	echo_reset();
	ok(orm_session_load(fx.session, tea, "organizer"));
	assert_non_null(tea->organizer);
	assert_string_equal(tea->organizer->email, "ada@example.com");
	assert_int_equal(count_statements(echo_since(), "SELECT"), 1);

	/* In the session: the next event's organizer costs no SQL. */
	ada = tea->organizer;
	ok(orm_session_load(fx.session, rows[1], "organizer"));
	assert_ptr_equal(((Event *)rows[1])->organizer, ada);
	echo = echo_since();
	assert_string_equal(echo, "");
	orm_free(rows);
}

static void relationship__selectin_of_organizers_reads_only_those_not_in_the_session(void **state)
{
	orm_query *q;
	Event **events;
	void **rows;
	size_t n;
	User *ada;
	const char *echo;
	(void)state;

	committed_users_with_events();
	ok(orm_session_get((void **)&ada, fx.session, &User_model, orm_int(1)));
	echo_reset();
	ok(orm_query_new(&q, fx.session, &Event_model));
	ok(orm_query_order_by(q, "id", ORM_ASC));
	ok(orm_query_options(q, "organizer", ORM_SELECTIN));
	ok(orm_query_all(&rows, &n, q));
	orm_query_free(q);
	events = (Event **)rows;
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_non_null(events[i]->organizer);
	assert_ptr_equal(events[0]->organizer, ada);
	assert_string_equal(events[3]->organizer->email, "bob@example.com");
	echo = echo_since();
	assert_int_equal(count_statements(echo, "SELECT"), 2);
	assert_contains(echo, sent("SELECT id, email FROM users WHERE id IN (?)",
	                           "SELECT id, email FROM users WHERE id IN ($1)"));
	orm_free(rows);
}

static void relationship__an_event_set_to_an_unloaded_user_is_in_its_later_load(void **state)
{
	User *ada;
	Event *party = event("Party", june23);
	(void)state;

	committed_users_with_events();
	ok(orm_session_get((void **)&ada, fx.session, &User_model, orm_int(1)));
	assert_false(ada->events.loaded);
	echo_reset();
	ok(orm_relationship_set(party, "organizer", ada)); /* no SQL: events not loaded */
	assert_int_equal(orm_object_state(party), ORM_PENDING);
	assert_string_equal(echo_since(), "");
	ok(orm_session_load(fx.session, ada, "events")); /* not flushed, still there */
	assert_int_equal(ada->events.count, 4);
	assert_ptr_equal(ada->events.items[3], party);

	/* Appending to an unloaded collection loads it first, as user.events.append() does. */
	{
		User *bob;
		Event *chess = event("Chess again", june21);
		ok(orm_session_get((void **)&bob, fx.session, &User_model, orm_int(2)));
		echo_reset();
		ok(orm_collection_append(bob, "events", chess));
		assert_int_equal(count_statements(echo_since(), "SELECT"), 1);
		assert_int_equal(bob->events.count, 2);
	}
	ok(orm_session_commit(fx.session));
	assert_int_equal(count_rows("events"), 6);
}

static void relationship__query_options_on_an_unknown_relationship_are_refused(void **state)
{
	orm_query *q;
	void **rows;
	size_t n;
	(void)state;

	ok(orm_query_new(&q, fx.session, &User_model));
	assert_int_equal(orm_query_options(q, "owner", ORM_SELECTIN), ORM_EINVAL);
	assert_string_equal(orm_session_errmsg(fx.session),
	                    "model User has no relationship 'owner'");
	assert_int_equal(orm_query_all(&rows, &n, q), ORM_EINVAL);
	orm_query_free(q);
	{
		User *x = new_user("x@example.com");
		assert_int_equal(orm_session_load(fx.session, x, "events"), ORM_ESTATE);
		assert_string_equal(orm_session_errmsg(fx.session),
		                    "cannot load User.events: the User is not in this session");
		orm_object_free(x);
	}
}

/* ---- deleting -------------------------------------------------------------- */

static void relationship__deleting_a_user_sets_its_events_organizer_to_null(void **state)
{
	User *ada, **users;
	size_t n;
	const char *echo;
	(void)state;

	committed_users_with_events();
	users = all_users(&n, ORM_LAZY);
	ada = users[0];
	orm_free(users);
	echo_reset();
	ok(orm_session_delete(fx.session, ada));
	ok(orm_session_flush(fx.session));
	echo = echo_since();
	/* The events are loaded, then updated before the user goes. */
	assert_contains(echo, "FROM events WHERE organizer_id = ");
	assert_contains(echo, "UPDATE events SET organizer_id=");
	assert_true(strstr(echo, "UPDATE events") < strstr(echo, "DELETE FROM users"));
	ok(orm_session_commit(fx.session));
	assert_int_equal(count_rows("events"), 4);
	assert_int_equal(
	    query_int("SELECT count(*) FROM events WHERE organizer_id IS NULL", NULL, 0), 3);
	assert_int_equal(count_rows("users"), 2);

	/* In memory too: the events have no organizer and a NULL key. */
	reopen();
	{
		orm_query *q;
		void **rows;
		ok(orm_query_new(&q, fx.session, &Event_model));
		ok(orm_query_where_null(q, "organizer_id", true));
		ok(orm_query_all(&rows, &n, q));
		assert_int_equal(n, 3);
		orm_free(rows);
		orm_query_free(q);
	}
}

static void relationship__the_events_of_a_deleted_user_in_memory_lose_their_organizer(void **state)
{
	User *ada;
	Event *tea, *chess;
	(void)state;

	ada = new_user("ada@example.com");
	tea = event("Tea", june21);
	chess = event("Chess", june22);
	ok(orm_collection_append(ada, "events", tea));
	ok(orm_collection_append(ada, "events", chess));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_commit(fx.session));

	ok(orm_session_delete(fx.session, ada));
	ok(orm_session_flush(fx.session));
	assert_null(tea->organizer);
	assert_null(chess->organizer);
	assert_true(orm_is_null(tea, "organizer_id"));
	assert_true(orm_is_null(chess, "organizer_id"));
	assert_int_equal(ada->events.count, 0);

	/* Rolled back: the events point at ada again, from their reloaded key. */
	ok(orm_session_rollback(fx.session));
	assert_int_equal(orm_object_state(ada), ORM_PERSISTENT);
	assert_int_equal(tea->organizer_id, ada->id);
	assert_ptr_equal(tea->organizer, ada);
	assert_ptr_equal(chess->organizer, ada);
	assert_false(ada->events.loaded);
}

static void relationship__rollback_unloads_collections_and_restores_references(void **state)
{
	User *ada, *bob;
	Event *tea;
	(void)state;

	committed_users_with_events();
	ok(orm_session_get((void **)&ada, fx.session, &User_model, orm_int(1)));
	ok(orm_session_get((void **)&bob, fx.session, &User_model, orm_int(2)));
	ok(orm_session_load(fx.session, ada, "events"));
	tea = ada->events.items[0];
	ok(orm_relationship_set(tea, "organizer", bob));
	ok(orm_session_flush(fx.session));
	assert_int_equal(tea->organizer_id, bob->id);

	ok(orm_session_rollback(fx.session));
	assert_false(ada->events.loaded); /* loaded again when asked */
	assert_int_equal(ada->events.count, 0);
	assert_int_equal(tea->organizer_id, ada->id); /* reloaded */
	assert_ptr_equal(tea->organizer, ada);        /* through the identity map */
	ok(orm_session_load(fx.session, ada, "events"));
	assert_titles(ada, "Tea, Chess, Meetup");
}

static void relationship__commit_expires_collections(void **state)
{
	User *ada = new_user("ada@example.com");
	(void)state;

	ok(orm_collection_append(ada, "events", event("Tea", june21)));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_commit(fx.session));
	assert_false(ada->events.loaded);
	assert_int_equal(ada->events.count, 0);
	echo_reset();
	ok(orm_session_load(fx.session, ada, "events"));
	assert_int_equal(ada->events.count, 1);
	assert_int_equal(count_statements(echo_since(), "SELECT"), 1);
}

static void relationship__without_expire_on_commit_collections_stay_loaded(void **state)
{
	User *ada = new_user("ada@example.com");
	(void)state;

	ok(orm_collection_append(ada, "events", event("Tea", june21)));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_commit(fx.session));
	assert_true(ada->events.loaded);
	assert_int_equal(ada->events.count, 1);
}

static void relationship__the_delete_cascade_deletes_events_before_their_user(void **state)
{
	User *ada = user_of(&CascadingUser_model, "ada@example.com");
	const char *echo;
	(void)state;

	ok(orm_collection_append(ada, "events", event("Tea", june21)));
	ok(orm_collection_append(ada, "events", event("Chess", june22)));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_commit(fx.session));
	reopen();

	ok(orm_session_get((void **)&ada, fx.session, &CascadingUser_model, orm_int(1)));
	ok(orm_session_delete(fx.session, ada));
	ok(orm_session_commit(fx.session));
	echo = echo_since();
	assert_contains(echo, "DELETE FROM events");
	assert_true(strstr(echo, "DELETE FROM events") < strstr(echo, "DELETE FROM users"));
	assert_int_equal(count_statements(echo, "UPDATE"), 0);
	assert_int_equal(count_rows("events"), 0);
	assert_int_equal(count_rows("users"), 0);
}

static void relationship__delete_orphan_deletes_an_event_taken_out_of_its_user(void **state)
{
	User *ada = user_of(&CascadingUser_model, "ada@example.com");
	Event *tea = event("Tea", june21), *chess = event("Chess", june22), *draft;
	(void)state;

	ok(orm_collection_append(ada, "events", tea));
	ok(orm_collection_append(ada, "events", chess));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_commit(fx.session));

	ok(orm_collection_remove(ada, "events", tea));
	assert_null(tea->organizer);
	ok(orm_session_commit(fx.session));
	assert_int_equal(orm_object_state(tea), ORM_DETACHED); /* deleted and committed */
	assert_int_equal(count_rows("events"), 1);

	/* Taken out before it was ever inserted: simply not inserted. */
	draft = event("Draft", june23);
	ok(orm_collection_append(ada, "events", draft));
	ok(orm_collection_remove(ada, "events", draft));
	assert_int_equal(orm_object_state(draft), ORM_TRANSIENT);
	ok(orm_session_commit(fx.session));
	assert_int_equal(count_rows("events"), 1);

	/* Moved to another user: not an orphan. */
	{
		User *bob = user_of(&CascadingUser_model, "bob@example.com");
		ok(orm_collection_append(bob, "events", chess));
		ok(orm_session_commit(fx.session));
		assert_int_equal(count_rows("events"), 1);
		assert_int_equal(chess->organizer_id, bob->id);
	}
}

static void relationship__a_user_whose_events_need_it_cannot_be_deleted_alone(void **state)
{
	User *ada = new_user("ada@example.com");
	Event *tea = orm_object_new(&StrictEvent_model);
	int rc;
	(void)state;

	assert_non_null(tea);
	ok(orm_set_text(&tea->title, "Tea"));
	ok(orm_collection_append(ada, "events", tea));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_commit(fx.session));
	ok(orm_session_delete(fx.session, ada));
	echo_reset();
	rc = orm_session_commit(fx.session);
	assert_int_equal(rc, ORM_EINVAL);
	assert_string_equal(orm_session_errmsg(fx.session),
	                    "cannot delete User 1 and keep its events: events.organizer_id is NOT "
	                    "NULL; give User.events the delete cascade or delete them first");
	assert_int_equal(count_statements(echo_since(), "UPDATE"), 0);
	assert_int_equal(tea->organizer_id, ada->id); /* nothing changed */
	assert_int_equal(count_rows("users"), 1);
}

static void relationship__a_collection_without_back_populates_sets_the_key_itself(void **state)
{
	User *ada = user_of(&OneWayUser_model, "ada@example.com");
	User *bob = user_of(&OneWayUser_model, "bob@example.com");
	Event *tea = orm_object_new(&PlainEvent_model);
	Event *chess = orm_object_new(&PlainEvent_model);
	(void)state;

	assert_non_null(tea);
	assert_non_null(chess);
	ok(orm_set_text(&tea->title, "Tea"));
	ok(orm_set_text(&chess->title, "Chess"));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_add(fx.session, bob));

	/* bob has no key yet: nothing to write into chess's organizer_id. */
	assert_int_equal(orm_collection_append(bob, "events", chess), ORM_ESTATE);
	assert_contains(orm_session_errmsg(fx.session),
	                "User.events has no back_populates, so the Event's foreign key is set from "
	                "the User's key");
	orm_object_free(chess);

	ok(orm_session_commit(fx.session));
	ok(orm_collection_append(ada, "events", tea)); /* loads ada's events, then sets the key */
	assert_int_equal(tea->organizer_id, ada->id);
	assert_int_equal(ada->events.count, 1);
	ok(orm_session_commit(fx.session));
	assert_int_equal(count_rows("events"), 1);

	ok(orm_collection_remove(ada, "events", tea)); /* loads them again: expired */
	assert_true(orm_is_null(tea, "organizer_id"));
	ok(orm_session_commit(fx.session));
	assert_int_equal(
	    query_int("SELECT count(*) FROM events WHERE organizer_id IS NULL", NULL, 0), 1);
}

/* ---- sessions and cycles ------------------------------------------------------ */

static void relationship__objects_of_two_sessions_cannot_be_related(void **state)
{
	orm_session *other;
	User *ada = new_user("ada@example.com");
	Event *tea = event("Tea", june21);
	(void)state;

	ok(orm_session_open(&other, fx.maker));
	ok(orm_session_add(fx.session, ada));
	ok(orm_session_add(other, tea));
	assert_int_equal(orm_relationship_set(tea, "organizer", ada), ORM_ESTATE);
	assert_string_equal(orm_session_errmsg(other),
	                    "cannot relate an Event of one session to a User of another session "
	                    "(Event.organizer)");
	assert_int_equal(orm_collection_append(ada, "events", tea), ORM_ESTATE);
	assert_null(tea->organizer);
	assert_int_equal(ada->events.count, 0);

	/* Assigned directly, it is caught at flush. */
	tea->organizer = ada;
	assert_int_equal(orm_session_flush(other), ORM_ESTATE);
	assert_string_equal(orm_session_errmsg(other),
	                    "Event.organizer points at a User of another session");
	tea->organizer = NULL;
	orm_session_close(other);
}

static void relationship__a_node_cannot_be_its_own_child(void **state)
{
	Node *root = node("root");
	(void)state;

	assert_int_equal(orm_collection_append(root, "children", root), ORM_EINVAL);
	assert_string_equal(orm_error_last(), "a Node cannot be related to itself through "
	                                      "Node.children: that is a cycle");
	assert_int_equal(orm_relationship_set(root, "parent", root), ORM_EINVAL);
	assert_int_equal(root->children.count, 0);
	orm_object_free(root);
}

static void relationship__new_nodes_are_inserted_parents_first(void **state)
{
	Node *leaf = node("leaf"), *mid = node("mid"), *root = node("root");
	const char *echo;
	(void)state;

	/* Added leaf first: the flush still inserts root, then mid, then leaf. */
	ok(orm_relationship_set(leaf, "parent", mid));
	ok(orm_relationship_set(mid, "parent", root));
	ok(orm_session_add(fx.session, leaf));
	ok(orm_session_commit(fx.session));
	assert_true(root->id < mid->id && mid->id < leaf->id);
	assert_int_equal(leaf->parent_id, mid->id);
	assert_int_equal(mid->parent_id, root->id);
	assert_true(orm_is_null(root, "parent_id"));
	echo = echo_since();
	assert_int_equal(count_statements(echo, "INSERT"), 3); /* one level at a time */

	/* Deleted together: children before parents. */
	ok(orm_session_delete(fx.session, root));
	ok(orm_session_delete(fx.session, mid));
	ok(orm_session_delete(fx.session, leaf));
	ok(orm_session_commit(fx.session));
	assert_int_equal(count_rows("nodes"), 0);
}

static void relationship__a_cycle_of_new_objects_is_refused_at_flush(void **state)
{
	Node *a = node("a"), *b = node("b");
	int rc;
	(void)state;

	ok(orm_relationship_set(a, "parent", b));
	ok(orm_relationship_set(b, "parent", a)); /* legal in memory, not in SQL */
	ok(orm_session_add(fx.session, a));
	rc = orm_session_flush(fx.session);
	assert_int_equal(rc, ORM_EINVAL);
	assert_string_equal(orm_session_errmsg(fx.session),
	                    "the references of these Node objects form a cycle, so no order can "
	                    "insert them: new Node -> new Node -> new Node");
	assert_string_equal(echo_since(), ""); /* nothing sent */
	assert_int_equal(orm_object_state(a), ORM_PENDING);

	/* Broken, it goes in. */
	ok(orm_relationship_set(b, "parent", NULL));
	ok(orm_session_commit(fx.session));
	assert_int_equal(a->parent_id, b->id);
}

/* ---- memory ---------------------------------------------------------------------- */

static void relationship__expunged_objects_leave_nothing_pointing_at_them(void **state)
{
	User *ada;
	Event *tea, *chess;
	(void)state;

	committed_users_with_events();
	ok(orm_session_get((void **)&ada, fx.session, &User_model, orm_int(1)));
	ok(orm_session_load(fx.session, ada, "events"));
	tea = ada->events.items[0];
	chess = ada->events.items[1];

	/* The event goes: out of ada's events, which no longer match the rows. */
	ok(orm_session_expunge(fx.session, tea));
	assert_null(tea->organizer);
	assert_false(ada->events.loaded);
	assert_int_equal(tea->organizer_id, ada->id); /* the column stays */
	orm_object_free(tea);

	/* The user goes: its events stop pointing at it; its array is freed. */
	ok(orm_session_load(fx.session, ada, "events"));
	assert_ptr_equal(chess->organizer, ada);
	ok(orm_session_expunge(fx.session, ada));
	assert_null(chess->organizer);
	assert_null(ada->events.items);
	orm_object_free(ada);
	ok(orm_session_commit(fx.session));
}

/*
 * Counts the library's live allocations: each pointer handed out while
 * counting is kept in a table until it is freed. (Pointers from before
 * are freed without being counted.)
 */
#define TRACKED_MAX 4096
static void *tracked[TRACKED_MAX];
static size_t ntracked;

static void untrack(void *p)
{
	for (size_t i = 0; i < ntracked; i++) {
		if (tracked[i] == p) {
			tracked[i] = tracked[--ntracked];
			return;
		}
	}
}

static void *counting_realloc(void *ptr, size_t size, void *ctx)
{
	void *p;

	(void)ctx;
	/* Untracked first: once realloc has moved it, ptr may not be read. */
	if (ptr)
		untrack(ptr);
	p = realloc(ptr, size);
	if (!p && ptr) {
		tracked[ntracked++] = ptr; /* still live, unchanged */
		return NULL;
	}
	if (p) {
		assert_true(ntracked < TRACKED_MAX);
		tracked[ntracked++] = p;
	}
	return p;
}

static void counting_free(void *ptr, void *ctx)
{
	(void)ctx;
	if (ptr)
		untrack(ptr);
	free(ptr);
}

/* A session that loads collections, then closes: how many of the
 * allocations made meanwhile are still live afterwards. */
static size_t live_after_a_session(void)
{
	orm_session *s = fx.session;
	User **users;
	size_t n;

	ntracked = 0;
	orm_set_allocator(counting_realloc, counting_free, NULL);
	ok(orm_session_open(&fx.session, fx.maker));
	users = all_users(&n, ORM_SELECTIN);
	assert_int_equal(n, 3);
	assert_true(users[0]->events.capacity >= 3);
	orm_free(users);
	orm_session_close(fx.session);
	orm_set_allocator(NULL, NULL, NULL);
	fx.session = s;
	return ntracked;
}

static void relationship__collections_are_freed_with_the_session(void **state)
{
	(void)state;

	/* The first session also fills the engine's statement cache, which
	 * stays; a second one, the same, must leave nothing behind: the
	 * arrays of every loaded collection go with the session. */
	committed_users_with_events();
	(void)live_after_a_session();
	assert_int_equal(live_after_a_session(), 0);
}

/* ---- declaring relationships ------------------------------------------------------ */

typedef struct Bad {
	int64_t id;
	int64_t user_id;
	int64_t other_user_id;
	User *user;
	orm_collection things;
	int small;
} Bad;

static const orm_column bad_columns[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Bad, user_id, ORM_INTEGER, .foreign_key = "users.id"),
    ORM_COLUMN(Bad, other_user_id, ORM_INTEGER, .foreign_key = "users.id"),
};

static const orm_column plain_columns[] = {
    ORM_COLUMN(Bad, id, ORM_INTEGER, .primary_key = true),
};

static const orm_relationship no_fk[] = {ORM_RELATIONSHIP(Bad, user, "User")};
static const orm_relationship ambiguous[] = {ORM_RELATIONSHIP(Bad, user, "User")};
static const orm_relationship named[] = {
    ORM_RELATIONSHIP(Bad, user, "User", .foreign_key = "other_user_id")};
static const orm_relationship unknown_target[] = {ORM_RELATIONSHIP(Bad, user, "Usr")};
static const orm_relationship wrong_field[] = {
    ORM_RELATIONSHIP(Bad, things, "User", .foreign_key = "user_id")};
static const orm_relationship odd_field[] = {ORM_RELATIONSHIP(Bad, small, "User")};
static const orm_relationship bad_back[] = {
    ORM_RELATIONSHIP(Bad, user, "User", .foreign_key = "user_id", .back_populates = "events")};
static const orm_relationship missing_back[] = {
    ORM_RELATIONSHIP(Bad, user, "User", .foreign_key = "user_id", .back_populates = "bads")};
static const orm_relationship delete_on_reference[] = {
    ORM_RELATIONSHIP(Bad, user, "User", .foreign_key = "user_id", .cascade = ORM_CASCADE_DELETE)};

static void relationship__declaration_errors_name_the_model_and_the_problem(void **state)
{
	static const struct {
		orm_model model;
		const char *message;
	} cases[] = {
	    {ORM_MODEL_WITH_RELATIONSHIPS(Bad, "bads", plain_columns, no_fk),
	     "relationship Bad.user: no foreign key links bads and users; add a ForeignKey column "
	     "or name one with .foreign_key"},
	    {ORM_MODEL_WITH_RELATIONSHIPS(Bad, "bads", bad_columns, ambiguous),
	     "relationship Bad.user: several foreign keys link bads and users (bads.user_id, "
	     "bads.other_user_id); name one with .foreign_key"},
	    {ORM_MODEL_WITH_RELATIONSHIPS(Bad, "bads", bad_columns, unknown_target),
	     "relationship Bad.user: target model Usr is not registered"},
	    {ORM_MODEL_WITH_RELATIONSHIPS(Bad, "bads", bad_columns, wrong_field),
	     "relationship Bad.things: the foreign key bads.user_id makes it many-to-one, so its "
	     "field must be a pointer"},
	    {ORM_MODEL_WITH_RELATIONSHIPS(Bad, "bads", bad_columns, odd_field),
	     "relationship Bad.small: field size 4 is neither a pointer (many-to-one) nor an "
	     "orm_collection (one-to-many)"},
	    {ORM_MODEL_WITH_RELATIONSHIPS(Bad, "bads", bad_columns, bad_back),
	     "relationship Bad.user: back_populates 'events', but User.events refers to Event, "
	     "not Bad"},
	    {ORM_MODEL_WITH_RELATIONSHIPS(Bad, "bads", bad_columns, missing_back),
	     "relationship Bad.user: back_populates 'bads' names no relationship of User"},
	    {ORM_MODEL_WITH_RELATIONSHIPS(Bad, "bads", bad_columns, delete_on_reference),
	     "relationship Bad.user: the delete cascades belong on the one-to-many side (the "
	     "parent deletes its children)"},
	};
	(void)state;

	for (size_t i = 0; i < ORM_COUNTOF(cases); i++) {
		const orm_model *const *sorted;
		orm_metadata *md;
		size_t n;
		int rc;
		ok(orm_metadata_new(&md, NULL));
		ok(orm_metadata_add(md, &User_model));
		ok(orm_metadata_add(md, &Event_model));
		/* Checked when registered, or, for a target that may come
		 * later, when an order is first asked for. */
		rc = orm_metadata_add(md, &cases[i].model);
		if (rc == ORM_OK)
			rc = orm_metadata_sorted(&sorted, &n, md);
		if (rc != ORM_EINVAL)
			fail_msg("case %zu was accepted", i);
		assert_string_equal(orm_metadata_errmsg(md), cases[i].message);
		orm_metadata_free(md);
	}

	/* Named, the foreign key decides; a one-to-many field on it is wrong. */
	{
		static const orm_model good =
		    ORM_MODEL_WITH_RELATIONSHIPS(Bad, "bads", bad_columns, named);
		orm_metadata *md;
		ok(orm_metadata_new(&md, NULL));
		ok(orm_metadata_add(md, &good));
		ok(orm_metadata_add(md, &User_model));
		orm_metadata_free(md);
	}

	/* A target registered later is checked when it comes (or at the
	 * sessionmaker): here Event's back_populates has no User.events. */
	{
		static const orm_model PlainUser = ORM_MODEL(User, "users", User_columns);
		orm_metadata *md;
		orm_sessionmaker *maker;
		ok(orm_metadata_new(&md, NULL));
		ok(orm_metadata_add(md, &Event_model));
		assert_int_equal(orm_metadata_add(md, &PlainUser), ORM_EINVAL);
		assert_string_equal(
		    orm_metadata_errmsg(md),
		    "relationship Event.organizer: back_populates 'events' names no "
		    "relationship of User");
		assert_int_equal(orm_sessionmaker_new(&maker, fx.engine, md, NULL), ORM_EINVAL);
		orm_metadata_free(md);
	}
}

#define TEST(name)            cmocka_unit_test_setup_teardown(name, setup, fixture_teardown)
#define TEST_WITH(name, with) cmocka_unit_test_setup_teardown(name, with, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(relationship__setting_the_organizer_puts_the_event_in_the_users_events),
	    TEST(relationship__appending_and_removing_set_and_clear_the_organizer),
	    TEST(relationship__calls_with_the_wrong_relationship_or_object_are_refused),
	    TEST(relationship__adding_a_user_saves_its_events_after_it_with_their_key),
	    TEST(relationship__an_organizer_assigned_directly_is_saved_and_filled_in),
	    TEST(relationship__an_event_moved_to_a_new_user_is_updated_after_the_insert),
	    TEST(relationship__an_organizer_that_does_not_exist_is_a_constraint_error),
	    TEST_WITH(relationship__a_row_the_session_does_not_know_still_stops_a_delete,
	              setup_no_expire),
	    TEST(relationship__lazy_loading_sends_one_select_per_user),
	    TEST(relationship__selectin_loads_every_users_events_in_one_more_select),
	    TEST(relationship__selectin_asks_for_500_keys_at_a_time),
	    TEST(relationship__joined_loads_users_and_events_in_one_select),
	    TEST(relationship__joined_with_a_limit_counts_users_not_rows),
	    TEST(relationship__joined_loads_each_events_organizer_in_the_same_select),
	    TEST_WITH(relationship__a_relationships_own_lazy_setting_applies_without_an_option,
	              setup_eager),
	    TEST(relationship__a_many_to_one_load_takes_the_user_from_the_identity_map),
	    TEST(relationship__selectin_of_organizers_reads_only_those_not_in_the_session),
	    TEST(relationship__an_event_set_to_an_unloaded_user_is_in_its_later_load),
	    TEST(relationship__query_options_on_an_unknown_relationship_are_refused),
	    TEST(relationship__deleting_a_user_sets_its_events_organizer_to_null),
	    TEST(relationship__the_events_of_a_deleted_user_in_memory_lose_their_organizer),
	    TEST(relationship__rollback_unloads_collections_and_restores_references),
	    TEST(relationship__commit_expires_collections),
	    TEST_WITH(relationship__without_expire_on_commit_collections_stay_loaded,
	              setup_no_expire),
	    TEST_WITH(relationship__the_delete_cascade_deletes_events_before_their_user,
	              setup_cascading),
	    TEST_WITH(relationship__delete_orphan_deletes_an_event_taken_out_of_its_user,
	              setup_cascading),
	    TEST_WITH(relationship__a_user_whose_events_need_it_cannot_be_deleted_alone,
	              setup_strict),
	    TEST_WITH(relationship__a_collection_without_back_populates_sets_the_key_itself,
	              setup_oneway),
	    TEST(relationship__objects_of_two_sessions_cannot_be_related),
	    TEST_WITH(relationship__a_node_cannot_be_its_own_child, setup_nodes),
	    TEST_WITH(relationship__new_nodes_are_inserted_parents_first, setup_nodes),
	    TEST_WITH(relationship__a_cycle_of_new_objects_is_refused_at_flush, setup_nodes),
	    TEST(relationship__expunged_objects_leave_nothing_pointing_at_them),
	    TEST(relationship__collections_are_freed_with_the_session),
	    TEST(relationship__declaration_errors_name_the_model_and_the_problem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
