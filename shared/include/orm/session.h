/*
 * orm/session.h - the session: the holding zone for objects, and the unit
 * of work that turns their changes into SQL.
 *
 * Introduced in chapter 2. SQLAlchemy's sessionmaker and Session in C.
 *
 * OWNERSHIP - the one rule, true everywhere:
 *   An object belongs to the session that holds it. Everything a session
 *   returns (from get, from a query, through a relationship) and everything
 *   you add() to it is the session's: it stays valid until the session is
 *   closed, and orm_session_close() frees it. Arrays a query returns are
 *   yours (orm_free the array, not the objects in it). To keep an object
 *   after close, orm_session_expunge() it first: it is then detached and
 *   yours, and you free it with orm_object_free().
 *
 * Lifecycle of a session (the write-up's get_db(): open, use, always close):
 *   1. orm_sessionmaker_new()   once per program: bind an engine and options
 *   2. orm_session_open()       per unit of work (per request in chapter 6)
 *   3. add / get / query / delete, changing fields of objects directly
 *   4. orm_session_commit()     flush the changes and commit; or
 *      orm_session_rollback()   forget them
 *   5. orm_session_close()      roll back what is uncommitted, give the
 *                               connection back, free every object it holds
 * Using a session (or an object it held) after close is a programming
 * error, like using freed memory: it is not detected.
 *
 * A session begins a transaction when it first needs the database
 * (autobegin) and holds one connection from the engine's pool until commit,
 * rollback or close.
 *
 * The five states of an object (orm_object_state):
 *   transient   made by orm_object_new(), in no session
 *   pending     added to a session, not yet flushed
 *   persistent  has a row in the database and is in a session
 *   deleted     deleted in a flush not yet committed
 *   detached    was persistent, now in no session (expunged, or deleted and committed)
 *
 * Changes are found without setters: the session keeps a compact
 * snapshot of each object as loaded and compares at flush. Write fields
 * directly (event->social_status = ...); for strings use orm_set_text() so
 * the old text is freed. A string field's text belongs to the library (a
 * loaded one lives in the session's arena, behind a one-byte tag): set it
 * only with orm_set_text() or orm_set_null(), never assign text you
 * malloc'd or strdup'd, nor free() a field yourself (a debug build asserts
 * in orm_set_text when it meets such text).
 *
 * C has no attribute access hooks, so "expired" objects (after commit with
 * expire_on_commit) are not reloaded when a field is read: they are
 * reloaded when the session hands them out again (get, query) or on
 * orm_session_refresh(). After a rollback the session reloads the objects
 * whose changes were rolled back, so their fields show the database again.
 */
#ifndef ORM_SESSION_H
#define ORM_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orm/engine.h"
#include "orm/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct orm_sessionmaker orm_sessionmaker;
typedef struct orm_session orm_session;

typedef struct orm_session_options {
	/* Flush pending changes before every query, so a query sees what was
	 * added. Off by default, as the write-up sets it. */
	bool autoflush;
	/* Mark every object expired at commit, so it is reloaded when next
	 * handed out. On by default, as in SQLAlchemy. */
	bool expire_on_commit;
} orm_session_options;

/* clang-format off */
#define ORM_SESSION_OPTIONS_INIT {false, true}
/* clang-format on */

/*
 * A factory of sessions bound to `engine`, knowing the models of
 * `metadata` (both borrowed; they must outlive the sessionmaker).
 * Register every model before: the sessionmaker builds the SQL of each
 * model's statements once, here and on first use, for all its sessions.
 * `options` may be NULL. Free with orm_sessionmaker_free() after every
 * session it opened is closed.
 */
int orm_sessionmaker_new(orm_sessionmaker **out, orm_engine *engine, orm_metadata *metadata,
                         const orm_session_options *options);
void orm_sessionmaker_free(orm_sessionmaker *maker);

/* Opens a session. No connection is taken until it is needed. Thread-safe:
 * each thread opens its own sessions from one sessionmaker. */
int orm_session_open(orm_session **out, orm_sessionmaker *maker);

/* Rolls back anything uncommitted, returns the connection, and frees the
 * session and every object it holds. Accepts NULL. */
void orm_session_close(orm_session *session);

/* The message of the session's last call (this header's and the query's)
 * if it failed, or "" if it succeeded. Borrowed. */
const char *orm_session_errmsg(const orm_session *session);

/* ---- objects --------------------------------------------------------- */

typedef enum orm_state {
	ORM_TRANSIENT = 0,
	ORM_PENDING,
	ORM_PERSISTENT,
	ORM_DELETED,
	ORM_DETACHED,
} orm_state;

/* "transient", "pending", ... */
const char *orm_state_name(orm_state state);

/*
 * A new transient object of `model`: zeroed, every nullable column NULL
 * (an enum field holds ORM_ENUM_NULL, see orm_enum in orm/schema.h).
 * NULL when out of memory, and then it sets no message (there is no handle
 * to hold one, and orm_error_last() is left as it was). Add it to a
 * session (which then owns it) or free it with orm_object_free().
 *
 * Every call below that takes an object wants one made here (or handed
 * out by a session): a plain struct (`User u = {0};`, or one from malloc)
 * has no hidden header, and is refused with ORM_EINVAL "<call>: that object
 * was not made by orm_object_new ..." (orm_object_state and
 * orm_object_model, which cannot fail, assert it).
 */
void *orm_object_new(const orm_model *model);

/* Frees a transient or detached object you own. Accepts NULL. Freeing an
 * object a session holds is a programming error (assert). */
void orm_object_free(void *object);

/* The object's state (see orm_state above): transient from
 * orm_object_new, pending once added, persistent once flushed or loaded,
 * deleted after the flush of a delete, detached once expunged or after
 * the commit of a delete. Reads the header only: no SQL, no error. */
orm_state orm_object_state(const void *object);
/* The model the object was made from (orm_object_new's argument, or the
 * model of the query that loaded it). Borrowed: the learner's own. */
const orm_model *orm_object_model(const void *object);
/* True when the session will reload the object before handing it out. */
bool orm_object_is_expired(const void *object);

/* Replaces a string field: frees the old text and stores a copy of `text`
 * (NULL stores SQL NULL). ORM_ENOMEM leaves the field as it was.
 * (Named after what it does to a field rather than orm_<module>_<verb>,
 * the way the book's chapters call it on every string they set.) */
int orm_set_text(char **field, const char *text);

/*
 * NULL-ness of a column, for any column type. A string is NULL when its
 * pointer is and an enum when its field holds ORM_ENUM_NULL, so for those
 * the field alone says it and these calls only read or write the field.
 * An int, bool, float or date field has no spare value: a nullable one is
 * NULL while a bit in the object's header says so and the field is still
 * zero, and writing a non-zero value into the field is enough to make it
 * hold a value.
 *
 * orm_is_null() is false for an unknown column (with the message in
 * orm_error_last()). orm_set_null() frees a string, writes ORM_ENUM_NULL
 * into an enum, and zeroes any other field and sets its bit; ORM_EINVAL
 * for a NOT NULL or unknown column.
 */
bool orm_is_null(const void *object, const char *column);
int orm_set_null(void *object, const char *column);
/* Added in chapter 2: makes a nullable int, bool, float or date column hold
 * its field's value even when that value is zero (0, false, 0.0): only
 * zero needs this call. An enum that is NULL becomes 0, its first label
 * (one that holds a value is left alone); a string is left alone. */
int orm_clear_null(void *object, const char *column);

/* ---- the unit of work ------------------------------------------------ */

/* Makes a transient object pending (the session now owns it). Adding an
 * object of another session fails with ORM_ESTATE. */
int orm_session_add(orm_session *session, void *object);
/* add() for each object in turn; stops at the first error, the objects
 * before it staying added. */
int orm_session_add_all(orm_session *session, void *const *objects, size_t count);

/*
 * The object of `model` whose primary key is `pk`, through the identity
 * map: asking twice gives the same pointer, and no SQL the second time.
 * ORM_ENOTFOUND when there is no such row ("no users row with id = 42").
 * ORM_EINVAL for a model not in the sessionmaker's metadata, a key of the
 * wrong type or NULL, or a model whose primary key has several columns.
 * Object owned by the session.
 */
int orm_session_get(void **out, orm_session *session, const orm_model *model, orm_value pk);

/* Marks a persistent object for deletion at the next flush. A pending
 * object has no row to delete: ORM_ESTATE, as SQLAlchemy refuses it
 * (orm_session_expunge takes it back out). So are transient, detached and
 * foreign objects. (A pending object a cascade reaches is dropped instead.) */
int orm_session_delete(orm_session *session, void *object);

/*
 * Sends pending changes: INSERTs of pending objects, UPDATEs of only the
 * changed columns of persistent ones, DELETEs, in foreign-key dependency
 * order, inside the session's transaction. On error the transaction is
 * rolled back (see orm_session_rollback) and the message names the table
 * and the database's reason, e.g.
 *     INSERT INTO users: UNIQUE constraint failed: users.email
 * except that the objects this flush was inserting stay pending (their
 * generated keys back to 0), so they can be fixed and flushed again.
 *
 * Before any SQL is sent, every object is checked; these fail with
 * ORM_EINVAL and nothing is sent:
 *   - NULL in a NOT NULL column ("NULL in users.email, which is NOT NULL");
 *   - a string longer than its String(n) column, on both databases
 *     ("value too long for events.title VARCHAR(20): 25 characters").
 *     PostgreSQL would refuse it too; SQLite would store it whole, since
 *     it does not enforce VARCHAR lengths, so the library checks first;
 *   - an enum value with no label, an impossible date;
 *   - a changed primary key of a persistent object.
 *
 * How it is sent: one statement per model and shape, for all its objects
 * (orm_conn_execute_many, pipelined on PostgreSQL). Generated keys come
 * back with RETURNING on PostgreSQL and as the rowid on SQLite, where
 * RETURNING is slow (so SQLite's echo shows no RETURNING clause).
 * Client-side defaults (default_sql) are written into unset fields first.
 */
int orm_session_flush(orm_session *session);

/* Flushes and commits. On error nothing of the transaction is in the
 * database and the session is rolled back and usable again (objects the
 * failed commit was inserting are pending again). With expire_on_commit,
 * every persistent object is then expired; deleted ones are detached
 * (and still freed by orm_session_close unless expunged). */
int orm_session_commit(orm_session *session);

/*
 * Rolls back the transaction: pending objects become transient again,
 * deleted ones persistent, objects inserted in the transaction transient
 * (generated key back to 0), and objects whose changes are lost are
 * reloaded. Every other persistent object is expired, as SQLAlchemy
 * does. Transient objects a rollback leaves are still the session's:
 * add them again, or expunge them to free them yourself.
 */
int orm_session_rollback(orm_session *session);

/*
 * Reloads an object's columns from the database, as SQLAlchemy's
 * Session.refresh(): changes made to its fields and not yet flushed are
 * dropped (the fields read what the row holds), and its relationships are
 * reloaded when next read. ORM_ESTATE when the object is not persistent
 * in this session (pending, deleted, detached, or another session's);
 * ORM_ENOTFOUND when its row is gone; ORM_EINVAL for a struct not made by
 * orm_object_new; a database error as from a query. The message is in
 * orm_session_errmsg().
 */
int orm_session_refresh(orm_session *session, void *object);

/* Takes an object out of the session: it becomes detached (or transient,
 * if it was pending) and yours to free with orm_object_free(). ORM_ENOMEM
 * (the object still in the session) when its loaded strings cannot be
 * given copies of their own to outlive the session. */
int orm_session_expunge(orm_session *session, void *object);

/* The engine the session's sessionmaker is bound to. Borrowed. */
orm_engine *orm_session_engine(const orm_session *session);

/* ---- queries: select(Model).where(...).order_by(...) ----------------- */

typedef struct orm_query orm_query;

typedef enum orm_order {
	ORM_ASC = 0,
	ORM_DESC,
} orm_order;

/*
 * Starts a query for objects of `model`. Builder calls record the first
 * error and return it; it is also returned by the call that runs the
 * query, so a chain can be checked once at the end. Every value is a
 * bound parameter. Free with orm_query_free() (the query does not own
 * the objects it returns: the session does).
 */
int orm_query_new(orm_query **out, orm_session *session, const orm_model *model);
void orm_query_free(orm_query *query);

/* WHERE column op value; op is one of = != < <= > >= LIKE, spelled exactly
 * so ("like" and "<>" are refused). Several calls are joined with AND. An
 * unknown column or operator is ORM_EINVAL naming it. */
int orm_query_where(orm_query *query, const char *column, const char *op, orm_value value);
/* WHERE column IS NULL / IS NOT NULL. */
int orm_query_where_null(orm_query *query, const char *column, bool is_null);
int orm_query_order_by(orm_query *query, const char *column, orm_order order);
/* LIMIT and OFFSET. Calling one again replaces the value set before (the
 * last call wins, as SQLAlchemy's .limit()); 0 is a valid LIMIT (no
 * rows). A negative value is ORM_EINVAL ("LIMIT must not be negative (got
 * -1)"), and, like every failed builder call, leaves the query failed:
 * later calls and running it return that error. */
int orm_query_limit(orm_query *query, int64_t limit);
int orm_query_offset(orm_query *query, int64_t offset);

/*
 * Running a query: SELECT <columns> FROM <table> [WHERE ... AND ...]
 * [ORDER BY ...] [LIMIT ? [OFFSET ?]], flushing first when autoflush is
 * on. An offset without a limit binds the largest LIMIT (SQLite accepts
 * no OFFSET alone, PostgreSQL no negative LIMIT). Each row goes through
 * the identity map: an object the session holds is returned as it is,
 * changes kept, unless it is expired, when the row refreshes it.
 */

/* Every matching object, in *out (an array you orm_free, NULL when there
 * are none; the objects are the session's), with their number in *count. */
int orm_query_all(void ***out, size_t *count, orm_query *query);
/* The first matching object (LIMIT 1), or ORM_ENOTFOUND. */
int orm_query_first(void **out, orm_query *query);
/* Exactly one: ORM_ENOTFOUND when none, ORM_EMULTIPLE when several. */
int orm_query_one(void **out, orm_query *query);
/* SELECT count(*) with the same WHERE (and, when set, the same LIMIT and
 * OFFSET, counted over a subquery as SQLAlchemy's count() does). */
int orm_query_count(int64_t *out, orm_query *query);

#ifdef __cplusplus
}
#endif

#endif
