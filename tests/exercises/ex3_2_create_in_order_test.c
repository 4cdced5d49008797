/*
 * ex3_2_create_in_order_test.c - the test of exercise 3.2, create_in_order (BOOK.md,
 * chapter 3).
 *
 * Five models with foreign keys between them (and one to itself) are given to
 * create_in_order() in every one of their 120 orders; each answer must place every table
 * after the tables it refers to. Then, on SQLite and on PostgreSQL (ORM_TEST_DATABASE), the
 * tables are created one at a time in the answer's order, each create_all adding one table
 * to what exists. Circles and unknown tables must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ex3_2_create_in_order.h"
#include "testdb.h"

/* ---- the models ----------------------------------------------------------------------- */

typedef struct Plain {
	int64_t id;
} Plain;

typedef struct Event {
	int64_t id;
	int64_t organizer_id;
	int64_t venue_id;
} Event;

typedef struct Ticket {
	int64_t id;
	int64_t event_id;
	int64_t holder_id;
} Ticket;

typedef struct Category {
	int64_t id;
	int64_t parent_id;
} Category;

typedef struct A {
	int64_t id;
	int64_t b_id;
} A;

typedef struct B {
	int64_t id;
	int64_t a_id;
} B;

static const orm_column plain_columns[] = {
    ORM_COLUMN(Plain, id, ORM_INTEGER, .primary_key = true),
};
static const orm_column event_columns[] = {
    ORM_COLUMN(Event, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Event, organizer_id, ORM_INTEGER, .foreign_key = "users.id"),
    ORM_COLUMN(Event, venue_id, ORM_INTEGER, .foreign_key = "venues.id"),
};
static const orm_column ticket_columns[] = {
    ORM_COLUMN(Ticket, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Ticket, event_id, ORM_INTEGER, .foreign_key = "events.id"),
    ORM_COLUMN(Ticket, holder_id, ORM_INTEGER, .foreign_key = "users.id"),
};
static const orm_column category_columns[] = {
    ORM_COLUMN(Category, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(Category, parent_id, ORM_INTEGER, .foreign_key = "categories.id"),
};
/* Two tables that refer to each other: no order creates them one by one. */
static const orm_column a_columns[] = {
    ORM_COLUMN(A, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(A, b_id, ORM_INTEGER, .foreign_key = "b.id"),
};
static const orm_column b_columns[] = {
    ORM_COLUMN(B, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(B, a_id, ORM_INTEGER, .foreign_key = "a.id"),
};

static const orm_model users = ORM_MODEL(Plain, "users", plain_columns);
static const orm_model venues = ORM_MODEL(Plain, "venues", plain_columns);
static const orm_model events = ORM_MODEL(Event, "events", event_columns);
static const orm_model tickets = ORM_MODEL(Ticket, "tickets", ticket_columns);
static const orm_model categories = ORM_MODEL(Category, "categories", category_columns);
static const orm_model table_a = ORM_MODEL(A, "a", a_columns);
static const orm_model table_b = ORM_MODEL(B, "b", b_columns);

enum { NMODELS = 5 };
static const orm_model *const all_models[NMODELS] = {&users, &venues, &events, &tickets,
                                                     &categories};

/* ---- checking an answer ---------------------------------------------------------------- */

static void names(char *buf, size_t size, const orm_model *const *models, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
		         models[i] ? models[i]->tablename : "(NULL)");
		used = strlen(buf);
	}
}

/* Fails unless out[] holds each of in[] once, every table after the tables it refers to. */
static void assert_valid_order(const orm_model *const *out, const orm_model *const *in, size_t n)
{
	char given[256], answer[256];

	names(given, sizeof given, in, n);
	names(answer, sizeof answer, out, n);
	for (size_t i = 0; i < n; i++) {
		size_t seen = 0;
		for (size_t j = 0; j < n; j++)
			seen += out[j] == in[i];
		if (seen != 1)
			fail_msg("given [%s], the answer [%s] has %s %zu times, not once", given,
			         answer, in[i]->tablename, seen);
	}
	for (size_t p = 0; p < n; p++) {
		for (size_t c = 0; c < out[p]->ncolumns; c++) {
			const char *fk = out[p]->columns[c].foreign_key;
			size_t len;
			bool before = false;
			if (!fk)
				continue;
			len = (size_t)(strchr(fk, '.') - fk);
			if (strncmp(fk, out[p]->tablename, len) == 0 &&
			    out[p]->tablename[len] == '\0')
				continue; /* itself */
			for (size_t q = 0; q < p; q++)
				before |= strncmp(fk, out[q]->tablename, len) == 0 &&
				          out[q]->tablename[len] == '\0';
			if (!before)
				fail_msg("given [%s], the answer [%s] puts %s before the table its "
				         "column %s refers to (%s)",
				         given, answer, out[p]->tablename, out[p]->columns[c].name,
				         fk);
		}
	}
}

static void check_order_of(const orm_model *const *in, size_t n)
{
	const orm_model *out[NMODELS] = {0};
	int rc = create_in_order(out, in, n);
	if (rc != ORM_OK) {
		char given[256];
		names(given, sizeof given, in, n);
		fail_msg("create_in_order([%s]) returned %s, expected ORM_OK", given,
		         orm_strerror(rc));
	}
	assert_valid_order(out, in, n);
}

/* Calls check_order_of on every permutation of all_models (Heap's algorithm). */
static void permute(const orm_model **a, size_t k)
{
	if (k == 1) {
		check_order_of(a, NMODELS);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		permute(a, k - 1);
		size_t j = k % 2 == 0 ? i : 0;
		const orm_model *t = a[j];
		a[j] = a[k - 1];
		a[k - 1] = t;
	}
}

/* ---- tests ------------------------------------------------------------------------------- */

static void create_in_order__keeps_an_order_that_works(void **state)
{
	(void)state;
	check_order_of(all_models, NMODELS);
}

static void create_in_order__sorts_every_order_of_the_models(void **state)
{
	const orm_model *a[NMODELS];
	(void)state;
	memcpy(a, all_models, sizeof a);
	permute(a, NMODELS);
}

static void create_in_order__refuses_a_circle(void **state)
{
	const orm_model *const in[] = {&users, &table_a, &table_b};
	const orm_model *out[3];
	int rc;
	(void)state;
	rc = create_in_order(out, in, 3);
	if (rc != ORM_EINVAL)
		fail_msg(
		    "a refers to b and b to a: create_in_order returned %s, expected ORM_EINVAL",
		    orm_strerror(rc));
}

static void create_in_order__refuses_an_unknown_table(void **state)
{
	const orm_model *const in[] = {&events, &users};
	const orm_model *out[2];
	int rc;
	(void)state;
	rc = create_in_order(out, in, 2);
	if (rc != ORM_EINVAL)
		fail_msg("events refers to venues, which is not among the models: create_in_order "
		         "returned %s, expected ORM_EINVAL",
		         orm_strerror(rc));
}

/* The answer for the models listed backwards, created one table at a time. */
static void create_in_order__creates_the_tables_one_by_one(void **state)
{
	const orm_model *in[NMODELS], *out[NMODELS] = {0};
	orm_engine *engine = orm_test_engine(NULL);
	orm_metadata *metadata = NULL;
	int rc;
	(void)state;

	for (size_t i = 0; i < NMODELS; i++)
		in[i] = all_models[NMODELS - 1 - i];
	assert_int_equal(create_in_order(out, in, NMODELS), ORM_OK);
	assert_valid_order(out, in, NMODELS);

	assert_int_equal(orm_metadata_new(&metadata, NULL), ORM_OK);
	for (size_t i = 0; i < NMODELS; i++) {
		assert_int_equal(orm_metadata_add(metadata, out[i]), ORM_OK);
		/* checkfirst: only the table just added is new */
		if ((rc = orm_metadata_create_all(metadata, engine, NULL)) != ORM_OK)
			fail_msg("creating %s: %s: %s", out[i]->tablename, orm_strerror(rc),
			         orm_metadata_errmsg(metadata));
	}
	/* The foreign keys are real: a ticket for an event that does not exist is refused. */
	orm_test_exec(engine, "INSERT INTO users (id) VALUES (1)");
	orm_test_exec(engine, "INSERT INTO events (id, organizer_id) VALUES (1, 1)");
	orm_test_exec(engine, "INSERT INTO tickets (id, event_id, holder_id) VALUES (1, 1, 1)");
	{
		orm_conn *conn = NULL;
		assert_int_equal(orm_engine_connect(&conn, engine), ORM_OK);
		rc = orm_conn_execute(
		    NULL, conn, "INSERT INTO tickets (id, event_id, holder_id) VALUES (2, 99, 1)",
		    NULL, 0);
		orm_conn_close(conn);
		assert_int_equal(rc, ORM_ECONSTRAINT);
	}
	orm_metadata_free(metadata);
	orm_engine_free(engine);
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
	    cmocka_unit_test(create_in_order__keeps_an_order_that_works),
	    cmocka_unit_test(create_in_order__sorts_every_order_of_the_models),
	    cmocka_unit_test(create_in_order__refuses_a_circle),
	    cmocka_unit_test(create_in_order__refuses_an_unknown_table),
	    cmocka_unit_test(create_in_order__creates_the_tables_one_by_one),
	};
	return cmocka_run_group_tests_name("exercise 3.2 create_in_order", tests, NULL,
	                                   leave_database_empty);
}
