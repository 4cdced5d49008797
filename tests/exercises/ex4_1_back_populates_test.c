/*
 * ex4_1_back_populates_test.c - the test of exercise 4.1, back_populates (BOOK.md, chapter 4).
 *
 * Plain structs in memory: no database is touched, so ctest runs it once, with no database
 * label. After every call it checks the one rule both sides must agree on: an event is in
 * exactly one array, its organizer's, or in none if it has none.
 * Out of memory is injected through orm_set_allocator().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ex4_1_back_populates.h"

enum { NUSERS = 3, NEVENTS = 100 };

typedef struct world {
	User users[NUSERS];
	Event events[NEVENTS];
} world;

static int setup(void **state)
{
	static const char *const emails[NUSERS] = {"ada@example.com", "grace@example.com",
	                                           "linus@example.org"};
	static char titles[NEVENTS][16];
	world *w = calloc(1, sizeof *w);

	if (!w)
		return -1;
	for (int i = 0; i < NUSERS; i++)
		w->users[i].email = emails[i];
	for (int i = 0; i < NEVENTS; i++) {
		snprintf(titles[i], sizeof titles[i], "event %d", i);
		w->events[i].title = titles[i];
	}
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	for (int i = 0; i < NUSERS; i++)
		orm_free(w->users[i].events);
	free(w);
	return 0;
}

/* Fails unless both sides agree, for every user and event of the world. */
static void assert_in_step(const world *w)
{
	for (int e = 0; e < NEVENTS; e++) {
		const Event *event = &w->events[e];
		for (int u = 0; u < NUSERS; u++) {
			const User *user = &w->users[u];
			size_t times = 0;
			for (size_t i = 0; i < user->nevents; i++)
				times += user->events[i] == event;
			if (event->organizer == user && times != 1)
				fail_msg("'%s' has organizer %s, but is %zu times in %s's events",
				         event->title, user->email, times, user->email);
			if (event->organizer != user && times != 0)
				fail_msg("'%s' is in %s's events, but its organizer is %s",
				         event->title, user->email,
				         event->organizer ? event->organizer->email : "NULL");
		}
	}
}

/* Fails unless user's events are exactly the events numbered in `want`, in that order. */
static void assert_events(const world *w, const User *user, const int *want, size_t n)
{
	if (user->nevents != n)
		fail_msg("%s has %zu events, expected %zu", user->email, user->nevents, n);
	for (size_t i = 0; i < n; i++)
		if (user->events[i] != &w->events[want[i]])
			fail_msg("%s's event %zu is '%s', expected '%s'", user->email, i,
			         user->events[i] ? user->events[i]->title : "NULL",
			         w->events[want[i]].title);
}

static void set(world *w, int event, int user)
{
	int rc = set_organizer(&w->events[event], user < 0 ? NULL : &w->users[user]);
	if (rc != ORM_OK)
		fail_msg("set_organizer('%s', %s) returned %s", w->events[event].title,
		         user < 0 ? "NULL" : w->users[user].email, orm_strerror(rc));
	assert_in_step(w);
}

static void set_organizer__fills_both_sides(void **state)
{
	world *w = *state;
	set(w, 0, 0);
	assert_ptr_equal(w->events[0].organizer, &w->users[0]);
	assert_events(w, &w->users[0], (int[]){0}, 1);
}

static void set_organizer__appends_in_order(void **state)
{
	world *w = *state;
	set(w, 2, 0);
	set(w, 0, 0);
	set(w, 1, 0);
	assert_events(w, &w->users[0], (int[]){2, 0, 1}, 3);
}

static void set_organizer__moves_an_event_between_users(void **state)
{
	world *w = *state;
	set(w, 0, 0);
	set(w, 1, 0);
	set(w, 2, 0);
	set(w, 1, 1);
	assert_events(w, &w->users[0], (int[]){0, 2}, 2);
	assert_events(w, &w->users[1], (int[]){1}, 1);
}

static void set_organizer__twice_keeps_one_copy_in_place(void **state)
{
	world *w = *state;
	set(w, 0, 0);
	set(w, 1, 0);
	set(w, 0, 0);
	assert_events(w, &w->users[0], (int[]){0, 1}, 2);
}

static void set_organizer__null_takes_the_event_out(void **state)
{
	world *w = *state;
	set(w, 0, 0);
	set(w, 1, 0);
	set(w, 1, -1);
	assert_null(w->events[1].organizer);
	assert_events(w, &w->users[0], (int[]){0}, 1);
	set(w, 1, -1); /* no organizer, and still none: nothing to do */
}

static void set_organizer__grows_the_array(void **state)
{
	world *w = *state;
	int all[NEVENTS];
	for (int i = 0; i < NEVENTS; i++) {
		set(w, i, 2);
		all[i] = i;
	}
	assert_events(w, &w->users[2], all, NEVENTS);
	for (int i = 0; i < NEVENTS; i += 2)
		set(w, i, 0); /* every other one moves to user 0 */
	for (int i = 0; i < NEVENTS / 2; i++)
		all[i] = 2 * i + 1;
	assert_events(w, &w->users[2], all, NEVENTS / 2);
}

/* ---- out of memory ------------------------------------------------------------------------ */

static bool fail_allocations;

static void *failing_realloc(void *ptr, size_t size, void *ctx)
{
	(void)ctx;
	return fail_allocations ? NULL : realloc(ptr, size);
}

static void plain_free(void *ptr, void *ctx)
{
	(void)ctx;
	free(ptr);
}

static void set_organizer__out_of_memory_changes_nothing(void **state)
{
	world *w = *state;
	int rc;

	orm_set_allocator(failing_realloc, plain_free, NULL);
	set(w, 0, 0);
	set(w, 1, 0);
	/* user 1 has no array yet: moving event 1 there must allocate, and cannot. */
	fail_allocations = true;
	rc = set_organizer(&w->events[1], &w->users[1]);
	fail_allocations = false;
	orm_set_allocator(NULL, NULL, NULL);
	if (rc != ORM_ENOMEM)
		fail_msg("set_organizer() returned %s while memory ran out, expected ORM_ENOMEM",
		         orm_strerror(rc));
	assert_ptr_equal(w->events[1].organizer, &w->users[0]);
	assert_in_step(w);
	assert_events(w, &w->users[0], (int[]){0, 1}, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(set_organizer__fills_both_sides, setup, teardown),
	    cmocka_unit_test_setup_teardown(set_organizer__appends_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(set_organizer__moves_an_event_between_users, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(set_organizer__twice_keeps_one_copy_in_place, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(set_organizer__null_takes_the_event_out, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(set_organizer__grows_the_array, setup, teardown),
	    cmocka_unit_test_setup_teardown(set_organizer__out_of_memory_changes_nothing, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests_name("exercise 4.1 back_populates", tests, NULL, NULL);
}
