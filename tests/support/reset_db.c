/*
 * reset_db.c - empties the test database before a chapter program runs.
 *
 * tests/run_program.sh runs every chapter program on the one PostgreSQL
 * database the test server has, after library and exercise tests that
 * leave their tables behind (chapter programs must too: a learner
 * inspects them). This empties it first, the same way every library test
 * starts (orm_test_engine: the public schema dropped and made again), so
 * a program's output never depends on which test ran before it. On SQLite
 * each program run gets a fresh directory, and this does nothing.
 */
#include "testdb.h"

int main(void)
{
	orm_engine_free(orm_test_engine(NULL));
	return 0;
}
