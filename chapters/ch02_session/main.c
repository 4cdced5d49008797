/*
 * ch02_session/main.c - chapter 2: the session. Read it with BOOK.md, "Chapter 2 - The session".
 *
 * The write-up's second step, `SessionLocal = sessionmaker(autocommit=False, autoflush=False,
 * bind=engine)`, in C, and then what a session does all day. The program
 *   1. makes an engine (echo on), a users table, and a sessionmaker with the write-up's options;
 *   2. follows one user through the five states an object can be in - transient, pending,
 *      persistent, deleted, detached - printing the state after every call, and takes a
 *      second user out of the session with expunge;
 *   3. reads one row twice through the identity map: the same C object, and one SELECT;
 *   4. changes a field by plain assignment and lets the session find the change at commit:
 *      the UPDATE sets that column and no other;
 *   5. deletes a user, flushes, and rolls back: the user is back, in the database and in C;
 *   6. adds users without flushing (autoflush is off) and queries with where / order by /
 *      limit, before and after a flush;
 *   7. writes the write-up's get_db() in C - open a session, use it, close it on every path -
 *      and uses it for a commit that fails on a UNIQUE constraint: nothing is stored, and the
 *      session is rolled back and still usable.
 *
 * Every statement the session sends is echoed ([orm] lines) between the program's own lines.
 * The same binary runs on SQLite and PostgreSQL:
 *     ./ch02_session                                  sqlite:///ch02_session.db here
 *     ./ch02_session postgresql://user@localhost/dbname
 */
#include <inttypes.h>
#include <stdio.h>

#include "check.h"
#include "orm/orm.h"
#include "orm/schema.h"
#include "orm/session.h"

/*
 * The model: a C struct and a table describing its columns. Chapter 3 is about exactly this
 * declaration (types, options, the metadata it is registered on); here it is just enough to
 * have something to put in a session.
 */
/* book:begin model */
typedef struct User {
	int64_t id;
	char *email;
	char *name;
} User;

static const orm_column user_columns[] = {
    ORM_COLUMN(User, id, ORM_INTEGER, .primary_key = true),
    ORM_COLUMN(User, email, ORM_STRING, .length = 100, .nullable = ORM_NULLABLE_NO, .unique = true),
    ORM_COLUMN(User, name, ORM_STRING, .length = 50),
};

static const orm_model User_model = ORM_MODEL(User, "users", user_columns);
/* book:end model */

/* book:begin new-user */
/* A new transient user. The strings are copied into the object, which owns them. */
static User *new_user(const char *email, const char *name)
{
	User *user = orm_object_new(&User_model); /* zeroed, with room for the session's notes */
	check(user ? ORM_OK : ORM_ENOMEM, "new user");
	check(orm_set_text(&user->email, email), "set email");
	check(orm_set_text(&user->name, name), "set name");
	return user;
}
/* book:end new-user */

/* Prints the call just made and the state it left the object in. */
static void show_state(const char *call, const void *object)
{
	printf("%-34s -> %s\n", call, orm_state_name(orm_object_state(object)));
}

/*
 * Removes what a previous run left (the program leaves its table for you to look at), quietly:
 * this engine has no echo, so the output shows only the chapter's own SQL. The events table of
 * chapter 3 and later refers to users, so it goes first.
 */
static void start_clean(const char *url)
{
	orm_engine *engine = NULL;
	orm_conn *conn = NULL;

	check(orm_create_engine(&engine, url, NULL), "create engine");
	check(orm_engine_connect(&conn, engine), "connect");
	check(orm_conn_execute(NULL, conn, "DROP TABLE IF EXISTS events", NULL, 0), "drop events");
	check(orm_conn_execute(NULL, conn, "DROP TABLE IF EXISTS users", NULL, 0), "drop users");
	orm_conn_close(conn);
	orm_engine_free(engine);
}

/* book:begin get-db */
/*
 * get_db() from the write-up's main.py, in C. In Python, repaired (its first lines run
 * together as printed; chapter 6 lists the errata):
 *
 *     def get_db():
 *         db = SessionLocal()
 *         try:
 *             yield db
 *         finally:
 *             db.close()
 *
 * C has no generators and no finally, so the caller passes the work in as a function, and
 * "finally" is the one cleanup label every function of the library has: whatever the work
 * returns, and whether the session could be opened at all, the session is closed.
 */
typedef int (*db_work)(orm_session *db, void *arg);

static int with_db(orm_sessionmaker *session_local, db_work work, void *arg)
{
	orm_session *db = NULL;
	int rc;

	if ((rc = orm_session_open(&db, session_local)) < 0)
		goto done;
	rc = work(db, arg);
done:
	orm_session_close(db); /* finally: db.close(), on every path; NULL is fine */
	return rc;
}
/* book:end get-db */

/* book:begin register */
/*
 * One unit of work: register a user under `arg`, an email. When the commit fails, the
 * transaction is rolled back, so nothing of it is in the database; the new user stays pending
 * in the session, to be fixed and committed again. This work gives up on it instead, and
 * shows that the session still answers.
 */
static int register_user(orm_session *db, void *arg)
{
	const char *email = arg;
	User *user = new_user(email, "Newcomer");
	orm_query *query = NULL;
	int64_t same_email = 0;
	int rc;

	if ((rc = orm_session_add(db, user)) < 0) {
		orm_object_free(user); /* not taken by the session */
		return rc;
	}
	rc = orm_session_commit(db);
	if (rc < 0) {
		printf("commit failed: %s: %s\n", orm_strerror(rc), orm_session_errmsg(db));
		show_state("after the failed commit", user);
		orm_session_rollback(db); /* give up on the new user */
		show_state("orm_session_rollback", user);
		if (orm_query_new(&query, db, &User_model) == ORM_OK &&
		    orm_query_where(query, "email", "=", orm_text(email)) == ORM_OK &&
		    orm_query_count(&same_email, query) == ORM_OK)
			printf("users with %s: %" PRId64 "\n", email, same_email);
		orm_query_free(query);
		return rc; /* the failure is what the caller must hear about */
	}
	printf("registered %s\n", email);
	return ORM_OK;
}
/* book:end register */

int main(int argc, char **argv)
{
	const char *url = database_url(argc, argv, "sqlite:///ch02_session.db");
	orm_engine *engine = NULL;
	orm_metadata *metadata = NULL;
	orm_sessionmaker *session_local = NULL;
	orm_session *db = NULL;
	orm_query *query = NULL;
	void *found = NULL;
	void **rows = NULL;
	size_t nrows = 0;
	int64_t count = 0;
	int rc;

	start_clean(url);

	printf("== 1. An engine, a table, and a sessionmaker ==\n");
	/* book:begin sessionmaker */
	orm_engine_options engine_options = ORM_ENGINE_OPTIONS_INIT;
	engine_options.echo = true;
	engine_options.echo_stream = stdout;
	check(orm_create_engine(&engine, url, &engine_options), "create engine");

	/* The table for User (chapter 3 explains metadata and create_all). */
	check(orm_metadata_new(&metadata, NULL), "new metadata");
	check(orm_metadata_add(metadata, &User_model), "register User");
	check(orm_metadata_create_all(metadata, engine, NULL), "create_all");

	/* SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine) */
	orm_session_options options = ORM_SESSION_OPTIONS_INIT;
	options.autoflush = false;       /* the write-up's choice (and the default) */
	options.expire_on_commit = true; /* SQLAlchemy's default (and ours) */
	check(orm_sessionmaker_new(&session_local, engine, metadata, &options), "sessionmaker");
	/* book:end sessionmaker */

	printf("\n== 2. One object, five states ==\n");
	/* book:begin states */
	check(orm_session_open(&db, session_local), "open session");

	User *alan = new_user("alan@example.com", "Alan");
	show_state("orm_object_new", alan);

	check(orm_session_add(db, alan), "add");
	show_state("orm_session_add", alan); /* no SQL yet */

	check(orm_session_flush(db), "flush");
	show_state("orm_session_flush", alan);
	printf("alan->id = %" PRId64 ", given by the database at INSERT\n", alan->id);

	check(orm_session_commit(db), "commit");
	show_state("orm_session_commit", alan);
	printf("expired after commit: %s\n", orm_object_is_expired(alan) ? "yes" : "no");
	/* book:end states */

	/* book:begin states-delete */
	User *grace = new_user("grace@example.com", "Grace");
	check(orm_session_add(db, grace), "add");
	check(orm_session_commit(db), "commit");

	check(orm_session_delete(db, alan), "delete");
	show_state("orm_session_delete", alan); /* only marked */

	check(orm_session_flush(db), "flush");
	show_state("orm_session_flush", alan);

	check(orm_session_commit(db), "commit");
	show_state("orm_session_commit", alan);
	/* book:end states-delete */

	/* book:begin expunge */
	check(orm_session_expunge(db, grace), "expunge");
	show_state("orm_session_expunge", grace);
	printf("grace is ours now: %s, id %" PRId64 "\n", grace->email, grace->id);
	orm_object_free(grace); /* the session would not have freed her any more */
	orm_session_close(db);  /* frees alan, and everything else the session held */
	/* book:end expunge */

	printf("\n== 3. The identity map ==\n");
	/* book:begin identity-map */
	check(orm_session_open(&db, session_local), "open session");
	check(orm_session_get(&found, db, &User_model, orm_int(2)), "get");
	User *first = found;
	check(orm_session_get(&found, db, &User_model, orm_int(2)), "get again");
	User *second = found;
	printf("first == second: %s (%s)\n", first == second ? "yes" : "no", second->email);
	/* book:end identity-map */

	printf("\n== 4. A change found without setters ==\n");
	/* book:begin dirty */
	check(orm_set_text(&first->name, "Grace Hopper"), "rename"); /* just a field */
	check(orm_session_commit(db), "commit"); /* the flush compares with what was loaded */
	/* book:end dirty */

	printf("\n== 5. Rollback brings a deleted object back ==\n");
	/* book:begin rollback */
	check(orm_session_get(&found, db, &User_model, orm_int(2)), "get");
	grace = found; /* expired at commit, so reloaded: a SELECT */
	check(orm_session_delete(db, grace), "delete");
	check(orm_session_flush(db), "flush");
	show_state("orm_session_flush", grace);

	check(orm_session_rollback(db), "rollback");
	show_state("orm_session_rollback", grace);
	check(orm_session_get(&found, db, &User_model, orm_int(2)), "get");
	printf("get(2) after the rollback: %s, %s, %s object\n", grace->email, grace->name,
	       found == grace ? "the same" : "another");
	orm_session_close(db);
	/* book:end rollback */

	printf("\n== 6. Queries, and what autoflush would change ==\n");
	/* book:begin query */
	check(orm_session_open(&db, session_local), "open session");
	void *people[] = {
	    new_user("ada@example.com", "Ada"),
	    new_user("linus@example.org", "Linus"),
	    new_user("margaret@example.com", "Margaret"),
	    new_user("ken@example.com", "Ken"),
	};
	check(orm_session_add_all(db, people, 4), "add all");

	check(orm_query_new(&query, db, &User_model), "query");
	check(orm_query_count(&count, query), "count");
	printf("users the database sees before a flush: %" PRId64 "\n", count);
	check(orm_session_flush(db), "flush"); /* what autoflush=True does before every query */
	check(orm_query_count(&count, query), "count");
	printf("users the database sees after the flush: %" PRId64 "\n", count);
	orm_query_free(query);

	check(orm_query_new(&query, db, &User_model), "query");
	orm_query_where(query, "email", "LIKE", orm_text("%@example.com"));
	orm_query_order_by(query, "name", ORM_ASC);
	orm_query_limit(query, 3);
	check(orm_query_all(&rows, &nrows, query), "query all"); /* any builder error shows here */
	for (size_t i = 0; i < nrows; i++) {
		User *user = rows[i];
		printf("%" PRId64 "  %-13s %s\n", user->id, user->name, user->email);
	}
	orm_free(rows); /* the array is ours; the users in it are the session's */
	orm_query_free(query);
	check(orm_session_commit(db), "commit");
	orm_session_close(db);
	/* book:end query */

	printf("\n== 7. get_db(): open, use, close on every path ==\n");
	/* book:begin use-get-db */
	rc = with_db(session_local, register_user, "barbara@example.com");
	printf("with_db: %s\n\n", orm_strerror(rc));
	rc = with_db(session_local, register_user, "ada@example.com"); /* taken */
	printf("with_db: %s\n", orm_strerror(rc));
	/* book:end use-get-db */

	orm_sessionmaker_free(session_local);
	orm_metadata_free(metadata);
	orm_engine_free(engine);
	return 0;
}
