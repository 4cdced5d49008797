/*
 * stmtcache.h - each connection's cache of prepared statements (private).
 *
 * Introduced in chapter 1. Preparing a statement (parsing and planning the
 * SQL) costs more than running it, and an ORM sends the same few statement
 * shapes over and over - "INSERT INTO users (email) VALUES (?)" once per
 * object. So a connection keeps what it prepared in a hash table keyed by
 * the SQL text, and the second time the same text comes it runs the
 * prepared statement again: echo shows "[generated]" the first time and
 * "[cached]" after, as SQLAlchemy does.
 *
 * A statement can serve one open result at a time: an entry whose result
 * is still open is marked in_use, and the engine prepares a private,
 * uncached statement for a second caller instead. The cache holds at most
 * ORM_STMT_CACHE_SIZE statements; when full, the least recently used idle
 * one is finalized to make room.
 *
 * Hashing the SQL text costs a few hundred instructions for a typical
 * SELECT, as much as SQLite takes to find a row by its key. But the session
 * asks again and again with the very same string (the SELECT of get() lives
 * as long as the session's model), so in front of the hash table sits a
 * small memo from the caller's pointer to the entry it found last time. A
 * pointer alone proves nothing - a buffer reused for other SQL has the same
 * address - so a memo hit is confirmed with strcmp, which compares 32 bytes
 * at a step and so costs a tenth of the hash. The answer is always the one
 * the hash table would give.
 */
#ifndef ORM_STMTCACHE_H
#define ORM_STMTCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "dialect.h"

/* SQLAlchemy's default compiled-statement cache holds 500 entries too. */
#define ORM_STMT_CACHE_SIZE 500

typedef struct orm_stmt_entry {
	char *sql;                            /* the key: SQL text as the caller wrote it */
	uint64_t hash;                        /* of sql */
	orm_dbstmt *stmt;                     /* owned by the cache */
	bool in_use;                          /* an open result is reading it */
	struct orm_stmt_entry *next;          /* next entry in the same bucket */
	struct orm_stmt_entry *newer, *older; /* recency list, for eviction */
} orm_stmt_entry;

/* Slots of the pointer memo (a power of two): more than the few statement
 * shapes a program alternates between in a loop. */
#define ORM_STMT_MEMO_SIZE 16

typedef struct orm_stmt_memo {
	const char *sql;       /* the caller's pointer, as last passed */
	orm_stmt_entry *entry; /* what that pointer's text found */
} orm_stmt_memo;

typedef struct orm_stmt_cache {
	const orm_dialect *dialect; /* finalizes evicted statements */
	orm_stmt_entry **buckets;
	size_t nbuckets; /* a power of two, or 0 before the first add */
	size_t count;
	orm_stmt_entry *newest, *oldest;
	orm_stmt_memo memo[ORM_STMT_MEMO_SIZE]; /* caller's pointer -> entry, a hint */
} orm_stmt_cache;

void orm_stmt_cache_init(orm_stmt_cache *cache, const orm_dialect *dialect);

/* The entry for `sql`, or NULL. A hit becomes the most recently used. */
orm_stmt_entry *orm_stmt_cache_get(orm_stmt_cache *cache, const char *sql);

/*
 * Adds `stmt`, prepared from `sql`, and returns its entry; the cache owns
 * the statement from then on. Returns NULL when it cannot (out of memory,
 * or full of statements in use): the caller keeps `stmt` and finalizes it
 * itself, running it uncached - slower, never wrong.
 */
orm_stmt_entry *orm_stmt_cache_add(orm_stmt_cache *cache, const char *sql, orm_dbstmt *stmt);

/* Finalizes every statement and frees the table. No entry may be in use. */
void orm_stmt_cache_clear(orm_stmt_cache *cache);

#endif
