/*
 * ch00_why_orm/main.c - chapter 0: why an ORM. Read it with BOOK.md, "Chapter 0 - Why an ORM".
 *
 * There is no ORM in this program. It talks to the database through the database's own C
 * library, the way every program did before it had an ORM, and tells one short story twice:
 *
 *   1. A `users` table is filled and searched with SQL built by pasting the user's input into
 *      the SQL text (snprintf). It works for ordinary emails, breaks on an email with a quote
 *      in it, returns every user for a crafted "email", and a second crafted "email" deletes
 *      the whole table.
 *   2. The same job with bound parameters: the SQL text has a placeholder, the value travels
 *      separately, and the crafted emails are stored and searched as the plain text they are.
 *
 * Given a sqlite:// URL the story runs on SQLite through sqlite3.h. Given a postgresql:// URL
 * it runs on PostgreSQL through libpq-fe.h - and for that, the whole story had to be written a
 * second time, because almost nothing carries over: the placeholders ('?' against '$1'), the
 * autoincrement column (INTEGER PRIMARY KEY against SERIAL), how you get the new row's id,
 * how errors are reported. Those two promises - no injection, and moving between databases
 * without a rewrite - are what the rest of the workbook builds an ORM to keep.
 *
 *     ./ch00_why_orm                        sqlite:///ch00_why_orm.db in this directory
 *     ./ch00_why_orm sqlite:///demo.db
 *     ./ch00_why_orm postgresql://user@localhost/dbname
 *
 * The program leaves its `users` table behind, so you can look at it afterwards:
 *     sqlite3 ch00_why_orm.db 'SELECT * FROM users'
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h" /* database_url(): the URL from argv[1] or ORM_DATABASE_URL */

/* The inputs of the story. Only the last three are hostile, and only to pasted SQL. */
static const char *const GOOD_EMAILS[] = {"ada@example.com", "grace@example.com"};
static const char QUOTED_EMAIL[] = "o'brien@example.com";
static const char MATCH_ALL[] = "' OR '1'='1";
static const char DROP_TABLE[] = "x'); DROP TABLE users; --";

static void section(const char *title)
{
	printf("\n== %s ==\n", title);
}

/* Every statement is printed before it runs, so you see exactly what the database got. */
static void show_sql(const char *sql)
{
	printf("sql> %s\n", sql);
}

static void show_bound_sql(const char *sql, const char *value)
{
	printf("sql> %s\n     bound: [%s]\n", sql, value);
}

/* ------------------------------------------------------------------------------------------
 * The story on SQLite, through the sqlite3 C API.
 * ------------------------------------------------------------------------------------------ */

/* Stops the program on an error the story does not expect. */
static void sqlite_die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "error: %s: %s\n", what, sqlite3_errmsg(db));
	sqlite3_close(db);
	exit(1);
}

/* Called by sqlite3_exec() once per row of a SELECT, with every column as text. */
static int print_row(void *unused, int ncols, char **values, char **names)
{
	(void)unused;
	printf("     row:");
	for (int i = 0; i < ncols; i++)
		printf(" %s=%s", names[i], values[i] ? values[i] : "NULL");
	printf("\n");
	return 0;
}

/*
 * Runs SQL text as it is. sqlite3_exec() runs every statement in the text, one after the
 * other - which is exactly what makes pasted input dangerous: input that closes the quote
 * can add statements of its own. Errors are printed, not fatal: the story expects some.
 */
static void sqlite_run(sqlite3 *db, const char *sql)
{
	char *errmsg = NULL;
	show_sql(sql);
	if (sqlite3_exec(db, sql, print_row, NULL, &errmsg) != SQLITE_OK) {
		printf("     error: %s\n", errmsg);
		sqlite3_free(errmsg);
	}
}

static void sqlite_create_table(sqlite3 *db)
{
	sqlite_run(db, "DROP TABLE IF EXISTS users");
	/* In SQLite a column declared INTEGER PRIMARY KEY numbers new rows by itself. */
	sqlite_run(db, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)");
}

/* book:begin sqlite-unsafe */
/* DON'T: the email is pasted into the SQL text, so the email can change the SQL. */
static void sqlite_add_user_unsafe(sqlite3 *db, const char *email)
{
	char sql[256];
	snprintf(sql, sizeof sql, "INSERT INTO users (email) VALUES ('%s')", email);
	sqlite_run(db, sql);
}

static void sqlite_find_user_unsafe(sqlite3 *db, const char *email)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT id, email FROM users WHERE email = '%s'", email);
	sqlite_run(db, sql);
}
/* book:end sqlite-unsafe */

/* book:begin sqlite-safe */
/* DO: the SQL text is fixed, with a '?' where the value goes; the value is bound to it. */
static void sqlite_add_user(sqlite3 *db, const char *email)
{
	const char *sql = "INSERT INTO users (email) VALUES (?)";
	sqlite3_stmt *stmt = NULL;

	show_bound_sql(sql, email);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		sqlite_die(db, "prepare");
	/* Parameter numbers start at 1. SQLITE_TRANSIENT: SQLite copies the text. */
	if (sqlite3_bind_text(stmt, 1, email, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		sqlite_die(db, "bind");
	if (sqlite3_step(stmt) != SQLITE_DONE)
		sqlite_die(db, "insert");
	sqlite3_finalize(stmt);
	printf("     stored with id %lld\n", (long long)sqlite3_last_insert_rowid(db));
}

static void sqlite_find_user(sqlite3 *db, const char *email)
{
	const char *sql = "SELECT id, email FROM users WHERE email = ?";
	sqlite3_stmt *stmt = NULL;
	int rc, found = 0;

	show_bound_sql(sql, email);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		sqlite_die(db, "prepare");
	if (sqlite3_bind_text(stmt, 1, email, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		sqlite_die(db, "bind");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		printf("     row: id=%lld email=%s\n", (long long)sqlite3_column_int64(stmt, 0),
		       (const char *)sqlite3_column_text(stmt, 1));
		found++;
	}
	if (rc != SQLITE_DONE)
		sqlite_die(db, "select");
	sqlite3_finalize(stmt);
	if (!found)
		printf("     no such user\n");
}
/* book:end sqlite-safe */

static void sqlite_story(const char *path)
{
	sqlite3 *db = NULL;

	printf("Chapter 0 on SQLite, through the sqlite3 C library (no ORM)\n");
	if (sqlite3_open(path, &db) != SQLITE_OK)
		sqlite_die(db, "open");

	/* book:begin sqlite-story-unsafe */
	section("1. SQL built by pasting strings");
	sqlite_create_table(db);
	for (size_t i = 0; i < sizeof GOOD_EMAILS / sizeof *GOOD_EMAILS; i++)
		sqlite_add_user_unsafe(db, GOOD_EMAILS[i]);
	sqlite_find_user_unsafe(db, "grace@example.com");

	printf("\nAn honest email with a quote in it cannot be stored:\n");
	sqlite_add_user_unsafe(db, QUOTED_EMAIL);

	printf("\nLooking up the \"email\" %s finds every user:\n", MATCH_ALL);
	sqlite_find_user_unsafe(db, MATCH_ALL);

	printf("\nStoring the \"email\" %s runs a second statement:\n", DROP_TABLE);
	sqlite_add_user_unsafe(db, DROP_TABLE);
	sqlite_run(db, "SELECT count(*) AS users FROM users");
	/* book:end sqlite-story-unsafe */

	/* book:begin sqlite-story-safe */
	section("2. The same with bound parameters");
	sqlite_create_table(db);
	for (size_t i = 0; i < sizeof GOOD_EMAILS / sizeof *GOOD_EMAILS; i++)
		sqlite_add_user(db, GOOD_EMAILS[i]);
	sqlite_add_user(db, QUOTED_EMAIL);
	sqlite_add_user(db, DROP_TABLE);
	sqlite_find_user(db, MATCH_ALL);
	sqlite_find_user(db, QUOTED_EMAIL);
	sqlite_run(db, "SELECT id, email FROM users ORDER BY id");
	/* book:end sqlite-story-safe */

	sqlite3_close(db);
}

/* ------------------------------------------------------------------------------------------
 * The same story on PostgreSQL, through libpq. Written a second time: nothing above carries
 * over, because every call, placeholder and error path is different.
 * ------------------------------------------------------------------------------------------ */

static void pg_die(PGconn *pg, const char *what)
{
	fprintf(stderr, "error: %s: %s", what, PQerrorMessage(pg));
	PQfinish(pg);
	exit(1);
}

/*
 * PostgreSQL reports errors as several lines (ERROR:, LINE 1:, a caret under the spot). The
 * first field alone, plus the SQLSTATE code programs branch on, is what we print.
 */
static void pg_print_error(const PGresult *res)
{
	printf("     error: %s (SQLSTATE %s)\n", PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY),
	       PQresultErrorField(res, PG_DIAG_SQLSTATE));
}

static void pg_print_rows(const PGresult *res)
{
	for (int r = 0; r < PQntuples(res); r++) {
		printf("     row:");
		for (int c = 0; c < PQnfields(res); c++)
			printf(" %s=%s", PQfname(res, c),
			       PQgetisnull(res, r, c) ? "NULL" : PQgetvalue(res, r, c));
		printf("\n");
	}
}

/* PostgreSQL sends notices such as "table users does not exist, skipping" for DROP TABLE IF
 * EXISTS. libpq prints them on stderr by default; the story has no use for them. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/*
 * Runs SQL text as it is. Like sqlite3_exec(), PQexec() runs every statement in the text (as
 * long as no parameters are passed), so pasted input is just as dangerous here.
 */
static void pg_run(PGconn *pg, const char *sql)
{
	PGresult *res;
	show_sql(sql);
	res = PQexec(pg, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		pg_print_rows(res);
	else if (PQresultStatus(res) != PGRES_COMMAND_OK)
		pg_print_error(res);
	PQclear(res);
}

static void pg_create_table(PGconn *pg)
{
	pg_run(pg, "DROP TABLE IF EXISTS users");
	/* PostgreSQL's INTEGER PRIMARY KEY does not number rows by itself; SERIAL does. */
	pg_run(pg, "CREATE TABLE users (id SERIAL PRIMARY KEY, email TEXT NOT NULL)");
}

/* book:begin pg-unsafe */
static void pg_add_user_unsafe(PGconn *pg, const char *email)
{
	char sql[256];
	snprintf(sql, sizeof sql, "INSERT INTO users (email) VALUES ('%s')", email);
	pg_run(pg, sql);
}

static void pg_find_user_unsafe(PGconn *pg, const char *email)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT id, email FROM users WHERE email = '%s'", email);
	pg_run(pg, sql);
}
/* book:end pg-unsafe */

/* book:begin pg-safe */
/* Placeholders are numbered, $1, $2, ...; values travel as text in an array beside the SQL. */
static void pg_add_user(PGconn *pg, const char *email)
{
	/* No "last insert id" call in libpq: the INSERT itself returns the new id. */
	const char *sql = "INSERT INTO users (email) VALUES ($1) RETURNING id";
	const char *values[1] = {email};
	PGresult *res;

	show_bound_sql(sql, email);
	res = PQexecParams(pg, sql, 1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		pg_die(pg, "insert");
	}
	printf("     stored with id %s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
}

static void pg_find_user(PGconn *pg, const char *email)
{
	const char *sql = "SELECT id, email FROM users WHERE email = $1";
	const char *values[1] = {email};
	PGresult *res;

	show_bound_sql(sql, email);
	res = PQexecParams(pg, sql, 1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		pg_die(pg, "select");
	}
	if (PQntuples(res) == 0)
		printf("     no such user\n");
	pg_print_rows(res);
	PQclear(res);
}
/* book:end pg-safe */

static void pg_story(const char *url)
{
	/* book:begin pg-connect */
	PGconn *pg = PQconnectdb(url); /* libpq reads postgresql:// URLs itself */
	if (PQstatus(pg) != CONNECTION_OK)
		pg_die(pg, "connect");
	PQsetNoticeProcessor(pg, ignore_notice, NULL);
	/* book:end pg-connect */

	printf("Chapter 0 on PostgreSQL, through the libpq C library (no ORM)\n");

	section("1. SQL built by pasting strings");
	pg_create_table(pg);
	for (size_t i = 0; i < sizeof GOOD_EMAILS / sizeof *GOOD_EMAILS; i++)
		pg_add_user_unsafe(pg, GOOD_EMAILS[i]);
	pg_find_user_unsafe(pg, "grace@example.com");

	printf("\nAn honest email with a quote in it cannot be stored:\n");
	pg_add_user_unsafe(pg, QUOTED_EMAIL);

	printf("\nLooking up the \"email\" %s finds every user:\n", MATCH_ALL);
	pg_find_user_unsafe(pg, MATCH_ALL);

	printf("\nStoring the \"email\" %s runs a second statement:\n", DROP_TABLE);
	pg_add_user_unsafe(pg, DROP_TABLE);
	pg_run(pg, "SELECT count(*) AS users FROM users");

	section("2. The same with bound parameters");
	pg_create_table(pg);
	for (size_t i = 0; i < sizeof GOOD_EMAILS / sizeof *GOOD_EMAILS; i++)
		pg_add_user(pg, GOOD_EMAILS[i]);
	pg_add_user(pg, QUOTED_EMAIL);
	pg_add_user(pg, DROP_TABLE);
	pg_find_user(pg, MATCH_ALL);
	pg_find_user(pg, QUOTED_EMAIL);
	pg_run(pg, "SELECT id, email FROM users ORDER BY id");

	PQfinish(pg);
}

/* ------------------------------------------------------------------------------------------
 * Which story to tell. Chapter 1 parses URLs properly; here it is enough to look at the start.
 * ------------------------------------------------------------------------------------------ */

/* "postgresql+psycopg2://..." -> "postgresql://...": libpq knows no "+driver" part. */
static void strip_driver(char *url)
{
	char *plus = strchr(url, '+'), *colon = strstr(url, "://");
	if (plus && colon && plus < colon)
		memmove(plus, colon, strlen(colon) + 1);
}

int main(int argc, char **argv)
{
	const char *arg = database_url(argc, argv, "sqlite:///ch00_why_orm.db");
	char url[1024];

	if (strlen(arg) >= sizeof url) {
		fprintf(stderr, "error: URL too long\n");
		return 1;
	}
	strcpy(url, arg);
	strip_driver(url);

	if (strncmp(url, "sqlite:///", 10) == 0) {
		char *query = strchr(url, '?');
		if (query)
			*query = '\0';
		/* sqlite:///app.db is "app.db"; sqlite:////tmp/app.db is "/tmp/app.db". */
		sqlite_story(url + 10);
	} else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		pg_story(url);
	} else {
		fprintf(stderr, "error: expected a sqlite:/// or postgresql:// URL\n");
		return 1;
	}
	return 0;
}
