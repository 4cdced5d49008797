/*
 * ex1_2_count_rows.c - exercise 1.2 (BOOK.md, "Chapter 1 - The engine").
 *
 * TODO: count the users whose email is at `domain`, with one query that works the same on
 * SQLite and PostgreSQL. The domain is data: it must never become part of the SQL text, and
 * in the pattern made from it, LIKE's special characters (and the escape character itself)
 * must match only themselves, so "ex_mple.com" does not count the people at example.com.
 * Free what you allocate on every path. Sections 1.4 and 1.5 of the book run and read a
 * query; `./workbook hint 1.2` says where to look, `--more` names the functions.
 */
#include "ex1_2_count_rows.h"

int count_rows(int64_t *out, orm_conn *conn, const char *domain)
{
	(void)conn;
	(void)domain;
	*out = 0;
	return ORM_OK;
}
