/*
 * orm/error.h - the library's error codes and where their messages live.
 *
 * Introduced in chapter 1 (the engine). Every function that can fail
 * returns an int: ORM_OK (zero) on success, or one of the negative codes
 * below. The codes are few on purpose: a caller branches on "what kind of
 * failure", never on the database's own numbering. The database's own words
 * are kept in the message, which lives on the handle that failed
 * (orm_errmsg(engine), orm_conn_errmsg(conn), orm_session_errmsg(session))
 * and, for convenience, in a per-thread "last error" (orm_error_last()).
 *
 * A message is one line: it says what is wrong and with which value, and
 * never contains a password.
 */
#ifndef ORM_ERROR_H
#define ORM_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
	ORM_OK = 0,

	/* Positive results of stepping through rows (orm_result_next). */
	ORM_ROW = 100,  /* a row is ready to be read */
	ORM_DONE = 101, /* no more rows */

	/* Failures. */
	ORM_ERROR = -1,       /* the database failed in a way not listed below */
	ORM_EINVAL = -2,      /* an argument is invalid: a bad URL, option or value */
	ORM_ENOMEM = -3,      /* out of memory */
	ORM_ENOTFOUND = -4,   /* no such row, object, column or file */
	ORM_ECONSTRAINT = -5, /* unique, not-null, foreign key or check violated */
	ORM_EBUSY = -6,       /* locked, pool exhausted, or a serialization conflict */
	ORM_ECONNECT = -7,    /* the database cannot be opened or reached */
	ORM_EMULTIPLE = -8,   /* exactly one row was wanted, several were found */
	ORM_ESTATE = -9,      /* the handle or object is in the wrong state for the call */
	ORM_ESQL = -10,       /* the database rejected the statement: syntax, unknown name */
	ORM_ETIMEOUT = -11,   /* a statement ran past statement_timeout_ms and was cancelled */
	ORM_EREADONLY = -12,  /* a write to a read-only database or transaction */
	ORM_ECORRUPT = -13,   /* the file is not a database, or the database is damaged */
};

/*
 * The same fault gets the same code on every database. Where they differ,
 * the mapping is:
 *   ORM_ECONSTRAINT  SQLite: SQLITE_CONSTRAINT_* (a CHECK, e.g. an enum's labels)
 *                    PostgreSQL: class 23, and 22P02 for a label its enum type lacks
 *   ORM_ETIMEOUT     SQLite: SQLITE_INTERRUPT from the statement timeout
 *                    PostgreSQL: 57014 (statement_timeout, or the library's cancel)
 *   ORM_EREADONLY    SQLite: SQLITE_READONLY (a read-only file, ?mode=ro)
 *                    PostgreSQL: 25006 (a read-only transaction, a standby)
 *   ORM_ECORRUPT     SQLite: SQLITE_NOTADB, SQLITE_CORRUPT
 *                    PostgreSQL: XX001, XX002 (data or index corrupted)
 *   ORM_ECONNECT     SQLite: the file cannot be opened (SQLITE_CANTOPEN)
 *                    PostgreSQL: class 08, 57P01-57P05, a lost connection
 */

/*
 * The code's name, e.g. "ORM_ECONSTRAINT". Never NULL; a static string.
 */
const char *orm_strerror(int code);

/*
 * The message of the last error raised on this thread by any handle, or ""
 * when there has been none. Borrowed: valid until the next library call on
 * this thread that fails.
 */
const char *orm_error_last(void);

#ifdef __cplusplus
}
#endif

#endif
