/*
 * ex3_1_declare_model_test.c - the test of exercise 3.1, declare_model (BOOK.md, chapter 3).
 *
 * Runs on SQLite and on PostgreSQL (ORM_TEST_DATABASE). Registers the learner's Venue_model,
 * creates its table with create_all, and then asks the database - not the model - what it
 * made: the columns, their types and NOT NULL (PRAGMA table_info on SQLite,
 * information_schema on PostgreSQL), whether a second venue with the same name is refused,
 * and whether a venue survives the trip through a session.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex3_1_declare_model.h"
#include "orm/session.h"
#include "testdb.h"

typedef struct fixture {
	orm_engine *engine;
	orm_metadata *metadata;
	orm_sessionmaker *maker;
} fixture;

static int setup(void **state)
{
	static fixture f;
	int rc;

	f.engine = orm_test_engine(NULL);
	assert_int_equal(orm_metadata_new(&f.metadata, NULL), ORM_OK);
	if ((rc = orm_metadata_add(f.metadata, &Venue_model)) != ORM_OK)
		fail_msg("orm_metadata_add refuses Venue_model: %s: %s", orm_strerror(rc),
		         orm_metadata_errmsg(f.metadata));
	if ((rc = orm_metadata_create_all(f.metadata, f.engine, NULL)) != ORM_OK)
		fail_msg("create_all fails on Venue_model: %s: %s", orm_strerror(rc),
		         orm_metadata_errmsg(f.metadata));
	assert_int_equal(orm_sessionmaker_new(&f.maker, f.engine, f.metadata, NULL), ORM_OK);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	orm_sessionmaker_free(f->maker);
	orm_metadata_free(f->metadata);
	orm_engine_free(f->engine);
	return 0;
}

/* A column as the database describes it, in SQLite's spelling on both databases. */
typedef struct reflected {
	char name[64];
	char type[64]; /* INTEGER, VARCHAR(100), DATE, ... */
	bool not_null;
} reflected;

static size_t reflect_columns(fixture *f, reflected *cols, size_t max)
{
	const char *sql =
	    orm_test_is_postgres()
	        ? "SELECT column_name, data_type, character_maximum_length, is_nullable"
	          " FROM information_schema.columns WHERE table_schema = 'public'"
	          " AND table_name = 'venues' ORDER BY ordinal_position"
	        : "SELECT name, type, \"notnull\", pk FROM pragma_table_info('venues')"
	          " ORDER BY cid";
	orm_conn *conn = NULL;
	orm_result *res = NULL;
	size_t n = 0;

	assert_int_equal(orm_engine_connect(&conn, f->engine), ORM_OK);
	assert_int_equal(orm_conn_execute(&res, conn, sql, NULL, 0), ORM_OK);
	while (n < max && orm_result_next(res) == ORM_ROW) {
		reflected *c = &cols[n++];
		snprintf(c->name, sizeof c->name, "%s", orm_result_text(res, 0));
		if (orm_test_is_postgres()) {
			const char *type = orm_result_text(res, 1);
			if (strcmp(type, "character varying") == 0 && !orm_result_is_null(res, 2))
				snprintf(c->type, sizeof c->type, "VARCHAR(%lld)",
				         (long long)orm_result_int(res, 2));
			else if (strcmp(type, "character varying") == 0)
				snprintf(c->type, sizeof c->type, "VARCHAR");
			else
				snprintf(c->type, sizeof c->type, "%s", type);
			c->not_null = strcmp(orm_result_text(res, 3), "NO") == 0;
		} else {
			snprintf(c->type, sizeof c->type, "%s", orm_result_text(res, 1));
			c->not_null = orm_result_int(res, 2) != 0 || orm_result_int(res, 3) != 0;
		}
		for (char *p = c->type; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	orm_result_free(res);
	orm_conn_close(conn);
	return n;
}

static void assert_column(const reflected *cols, size_t n, const char *name, const char *type,
                          bool not_null, const char *advice)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cols[i].name, name) != 0)
			continue;
		if (strcmp(cols[i].type, type) != 0)
			fail_msg("venues.%s is %s in the database, expected %s (%s)", name,
			         cols[i].type, type, advice);
		if (cols[i].not_null != not_null)
			fail_msg("venues.%s is %s in the database, expected %s (%s)", name,
			         cols[i].not_null ? "NOT NULL" : "nullable",
			         not_null ? "NOT NULL" : "nullable", advice);
		return;
	}
	fail_msg("the table venues has no column '%s': declare it in venue_columns", name);
}

static void declare_model__creates_the_described_columns(void **state)
{
	fixture *f = *state;
	reflected cols[16];
	size_t n = reflect_columns(f, cols, 16);

	assert_column(cols, n, "id", "INTEGER", true, "an Integer primary key");
	assert_column(cols, n, "name", "VARCHAR(100)", true,
	              "a String of at most 100 characters, never NULL");
	assert_column(cols, n, "capacity", "INTEGER", false, "an Integer that may be NULL");
	assert_column(cols, n, "opened", "DATE", false, "a Date that may be NULL");
	if (n != 4)
		fail_msg("the table venues has %zu columns, the description has 4", n);
}

static void declare_model__two_venues_cannot_share_a_name(void **state)
{
	fixture *f = *state;
	orm_conn *conn = NULL;
	orm_value hall = orm_text("Town Hall");
	int rc;

	assert_int_equal(orm_engine_connect(&conn, f->engine), ORM_OK);
	rc = orm_conn_execute(NULL, conn, "INSERT INTO venues (name) VALUES (?)", &hall, 1);
	if (rc != ORM_OK) {
		char why[256];
		snprintf(why, sizeof why, "%s", orm_conn_errmsg(conn));
		orm_conn_close(conn);
		fail_msg("cannot store a venue named 'Town Hall': %s: %s", orm_strerror(rc), why);
	}
	rc = orm_conn_execute(NULL, conn, "INSERT INTO venues (name) VALUES (?)", &hall, 1);
	orm_conn_close(conn);
	if (rc != ORM_ECONSTRAINT)
		fail_msg("a second venue named 'Town Hall' was %s: the name must be unique",
		         rc == ORM_OK ? "stored" : orm_strerror(rc));
}

static void declare_model__a_venue_survives_a_session(void **state)
{
	/* A field the model does not know is invisible to the library: it would neither store
	 * it nor free it. Check the declaration first. */
	if (!orm_model_column(&Venue_model, "name"))
		fail_msg("Venue_model has no column 'name': declare it in venue_columns");
	fixture *f = *state;
	orm_session *db = NULL;
	void *found = NULL;
	Venue *venue;
	int64_t id;

	assert_int_equal(orm_session_open(&db, f->maker), ORM_OK);
	venue = orm_object_new(&Venue_model);
	assert_non_null(venue);
	assert_int_equal(orm_set_text(&venue->name, "Town Hall"), ORM_OK);
	venue->opened = (orm_date){1931, 5, 4}; /* capacity stays NULL */
	assert_int_equal(orm_session_add(db, venue), ORM_OK);
	if (orm_session_commit(db) != ORM_OK)
		fail_msg("storing a venue fails: %s", orm_session_errmsg(db));
	id = venue->id;
	orm_session_close(db);

	assert_int_equal(orm_session_open(&db, f->maker), ORM_OK);
	assert_int_equal(orm_session_get(&found, db, &Venue_model, orm_int(id)), ORM_OK);
	venue = found;
	if (!venue->name || strcmp(venue->name, "Town Hall") != 0)
		fail_msg("a venue stored with the name 'Town Hall' comes back named %s%s%s",
		         venue->name ? "'" : "", venue->name ? venue->name : "NULL",
		         venue->name ? "'" : "");
	if (!orm_model_column(&Venue_model, "capacity") ||
	    !orm_model_column(&Venue_model, "opened"))
		fail_msg("Venue_model has no column capacity or opened");
	if (!orm_is_null(venue, "capacity"))
		fail_msg(
		    "a venue stored without a capacity comes back with capacity %lld, not NULL",
		    (long long)venue->capacity);
	assert_int_equal(venue->opened.year, 1931);
	assert_int_equal(venue->opened.month, 5);
	assert_int_equal(venue->opened.day, 4);
	orm_session_close(db);
}

/* Leaves the PostgreSQL database as empty as the test found it: the chapter programs run
 * later on the same database. */
static int leave_database_empty(void **state)
{
	(void)state;
	if (orm_test_is_postgres())
		orm_engine_free(orm_test_engine(NULL));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(declare_model__creates_the_described_columns, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(declare_model__two_venues_cannot_share_a_name, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(declare_model__a_venue_survives_a_session, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests_name("exercise 3.1 declare_model", tests, NULL,
	                                   leave_database_empty);
}
