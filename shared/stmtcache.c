/*
 * stmtcache.c - each connection's cache of prepared statements.
 *
 * Introduced in chapter 1; see stmtcache.h for what it is for. A chained
 * hash table finds a statement by its SQL text in constant time (the
 * benchmark of chapter 2 runs hundreds of thousands of statements), and a
 * doubly linked recency list finds the least recently used one to evict.
 * The pointer memo in front of the table (see stmtcache.h) skips the hash
 * when the caller passes the same string as before.
 */
#include <assert.h>
#include <string.h>

#include "stmtcache.h"

/* FNV-1a: short, and good enough for SQL text. */
static uint64_t hash_sql(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void orm_stmt_cache_init(orm_stmt_cache *cache, const orm_dialect *dialect)
{
	memset(cache, 0, sizeof *cache);
	cache->dialect = dialect;
}

static void unlink_recency(orm_stmt_cache *cache, orm_stmt_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		cache->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		cache->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void push_newest(orm_stmt_cache *cache, orm_stmt_entry *e)
{
	e->older = cache->newest;
	e->newer = NULL;
	if (cache->newest)
		cache->newest->newer = e;
	else
		cache->oldest = e;
	cache->newest = e;
}

/* The memo slot of a caller's pointer. The low bits of a pointer are often
 * zero (aligned allocations), so higher bits are folded in. */
static orm_stmt_memo *memo_slot(orm_stmt_cache *cache, const char *sql)
{
	uintptr_t p = (uintptr_t)sql;

	return &cache->memo[(p ^ (p >> 4) ^ (p >> 12)) & (ORM_STMT_MEMO_SIZE - 1)];
}

static orm_stmt_entry *touch(orm_stmt_cache *cache, orm_stmt_entry *e)
{
	if (cache->newest != e) {
		unlink_recency(cache, e);
		push_newest(cache, e);
	}
	return e;
}

orm_stmt_entry *orm_stmt_cache_get(orm_stmt_cache *cache, const char *sql)
{
	orm_stmt_memo *memo;
	uint64_t h;
	orm_stmt_entry *e;

	if (cache->count == 0)
		return NULL;
	/* Fast path: this pointer found an entry before, and its text is
	 * still that entry's text. */
	memo = memo_slot(cache, sql);
	if (memo->sql == sql && strcmp(memo->entry->sql, sql) == 0)
		return touch(cache, memo->entry);

	h = hash_sql(sql);
	for (e = cache->buckets[h & (cache->nbuckets - 1)]; e; e = e->next) {
		if (e->hash == h && strcmp(e->sql, sql) == 0) {
			memo->sql = sql;
			memo->entry = e;
			return touch(cache, e);
		}
	}
	return NULL;
}

/* Takes `victim` out of the table and the recency list, and frees it. */
static void evict(orm_stmt_cache *cache, orm_stmt_entry *victim)
{
	orm_stmt_entry **link = &cache->buckets[victim->hash & (cache->nbuckets - 1)];

	while (*link != victim)
		link = &(*link)->next;
	*link = victim->next;
	unlink_recency(cache, victim);
	/* No memo slot may lead to freed memory. */
	for (size_t i = 0; i < ORM_STMT_MEMO_SIZE; i++) {
		if (cache->memo[i].entry == victim)
			cache->memo[i] = (orm_stmt_memo){NULL, NULL};
	}
	cache->dialect->finalize(victim->stmt);
	orm_free(victim->sql);
	orm_free(victim);
	cache->count--;
}

/* Doubles the bucket array; on out-of-memory the table just stays
 * smaller, which costs speed, not correctness. */
static void grow(orm_stmt_cache *cache)
{
	size_t n = cache->nbuckets ? cache->nbuckets * 2 : 16;
	orm_stmt_entry **buckets = orm_calloc(n, sizeof *buckets);

	if (!buckets)
		return;
	for (size_t i = 0; i < cache->nbuckets; i++) {
		orm_stmt_entry *e = cache->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = buckets[e->hash & (n - 1)];
			buckets[e->hash & (n - 1)] = e;
		}
	}
	orm_free(cache->buckets);
	cache->buckets = buckets;
	cache->nbuckets = n;
}

orm_stmt_entry *orm_stmt_cache_add(orm_stmt_cache *cache, const char *sql, orm_dbstmt *stmt)
{
	orm_stmt_entry *e;
	size_t slot;

	if (cache->count >= ORM_STMT_CACHE_SIZE) {
		orm_stmt_entry *victim = cache->oldest;

		while (victim && victim->in_use)
			victim = victim->newer;
		if (!victim)
			return NULL;
		evict(cache, victim);
	}
	if (cache->count >= cache->nbuckets)
		grow(cache);
	if (cache->nbuckets == 0)
		return NULL;

	if (!(e = orm_calloc(1, sizeof *e)))
		return NULL;
	if (!(e->sql = orm_strdup(sql))) {
		orm_free(e);
		return NULL;
	}
	e->hash = hash_sql(sql);
	e->stmt = stmt;
	slot = e->hash & (cache->nbuckets - 1);
	e->next = cache->buckets[slot];
	cache->buckets[slot] = e;
	push_newest(cache, e);
	cache->count++;
	*memo_slot(cache, sql) = (orm_stmt_memo){sql, e};
	return e;
}

void orm_stmt_cache_clear(orm_stmt_cache *cache)
{
	while (cache->oldest) {
		assert(!cache->oldest->in_use);
		evict(cache, cache->oldest);
	}
	orm_free(cache->buckets);
	cache->buckets = NULL;
	cache->nbuckets = 0;
}
