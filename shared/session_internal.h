/*
 * session_internal.h - what session.c shares with query.c (private).
 *
 * Introduced in chapter 2 (the session). A sessionmaker keeps, per model,
 * what the session needs to turn objects into SQL fast: which columns form
 * the primary key, and the SQL text of every statement shape, built once
 * and reused by every session (the engine caches the prepared statements
 * by that text, so reusing the same string is what makes them "[cached]").
 */
#ifndef ORM_SESSION_INTERNAL_H
#define ORM_SESSION_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "field.h"
#include "internal.h"
#include "object.h"
#include "orm/session.h"

/*
 * One statement shape of a model: an INSERT of a given set of columns, or
 * an UPDATE of a given set of changed columns. Built the first time a
 * flush needs it and kept until the sessionmaker is freed; never changed
 * after it is published, so sessions read it without the lock.
 */
typedef struct orm_sql_shape {
	struct orm_sql_shape *next;
	int kind;      /* ORM_SHAPE_INSERT or ORM_SHAPE_UPDATE */
	uint8_t *mask; /* columns bound (INSERT) or set (UPDATE), one bit each */
	char *sql;     /* INSERT INTO t (a, b) VALUES (?, ?) RETURNING id */
	size_t *bound; /* indices of the columns bound, in order */
	size_t nbound;
	size_t *returned; /* INSERT: columns read back by RETURNING */
	size_t nreturned;
	size_t ndates; /* bound date/datetime columns: text written per row */
	/* INSERT: the one returned column is the generated key, read from
	 * orm_conn_lastrowid() instead of a RETURNING clause (SQLite). */
	bool lastrowid;
} orm_sql_shape;

enum { ORM_SHAPE_INSERT = 1, ORM_SHAPE_UPDATE = 2 };

typedef struct orm_model_info {
	const orm_model *model;
	size_t rank; /* position in foreign-key dependency order */
	size_t *pk;  /* indices of the primary key columns */
	size_t npk;
	int autoincrement;     /* index of the database-generated key column, or -1 */
	size_t maskbytes;      /* (ncolumns + 7) / 8 */
	char *sql_select;      /* SELECT id, email FROM users */
	char *sql_get;         /* ... WHERE id = ? */
	char *sql_delete;      /* DELETE FROM users WHERE id = ? */
	orm_sql_shape *shapes; /* guarded by the sessionmaker's lock */
	/* Chapter 4: the model's relationships, resolved (relationship.c),
	 * one per entry of model->relationships. */
	struct orm_rel_info *rels;
	size_t nrels;
	bool has_many_to_one;  /* some relationship is a reference */
	bool self_referencing; /* some reference is to this same model */
} orm_model_info;

struct orm_sessionmaker {
	orm_engine *engine;
	orm_metadata *metadata;
	orm_session_options options;
	bool lastrowid;        /* the engine reports generated keys without RETURNING */
	orm_model_info *infos; /* in dependency order */
	size_t ninfos;
	bool has_relationships; /* some model has one (chapter 4) */
	/* The relationship code, when a model declares relationships (see
	 * struct orm_rel_hooks in relationship_internal.h), else NULL. */
	const struct orm_rel_hooks *rel;
	pthread_mutex_t lock;
	orm_err err;
};

struct orm_session {
	orm_sessionmaker *maker;
	orm_conn *conn; /* checked out at first need, returned at commit/rollback */
	orm_err err;

	/* Every object the session owns, in any state; obj->index is its slot. */
	orm_object **objs;
	size_t nobjs, capobjs;
	/* Pending objects in the order they were added (NULL where one left). */
	orm_object **pending;
	size_t npending, cappending;

	/* The identity map: (model, primary key) -> object, open addressing
	 * with linear probing. Beside each slot, a tag: 24 bits of the key's
	 * hash with bit 24 set, 0 for an empty slot. A probe reads tags, which
	 * lie in a row, and visits an object only when its tag matches; a
	 * growing table moves slots by their tags alone. Slots and tags are
	 * one block (map; maptags points into it). */
	orm_object **map;
	uint32_t *maptags;
	size_t mapcap, mapcount; /* mapcap is a power of two */

	/* Where the objects and strings of loaded rows are allocated (see
	 * arena.h); freed at close. */
	orm_arena arena;

	/* The SQL of the query being run (query.c), reused by every query. */
	orm_buf sql;

	/* Chapter 4 (relationship.c): children whose reference was set to a
	 * parent whose collection is not loaded, until the next flush; and
	 * the SQL of selectin loads. */
	orm_object **moved;
	size_t nmoved, capmoved;
	orm_buf relsql;
};

/* The model's info, or ORM_EINVAL (message on the session) when the model
 * is not in the sessionmaker's metadata. */
int orm_session_model_info(const orm_model_info **out, orm_session *session,
                           const orm_model *model);

/* Before a query runs: autoflush (when on), then the connection, with a
 * transaction begun (autobegin). */
int orm_session_prepare_read(orm_conn **out, orm_session *session);

/*
 * Turns the current row of `res` (the model's columns, in order) into an
 * object through the identity map: an object already in the session is
 * returned as it is (reloaded first if expired); otherwise a new
 * persistent object is made. *out is the session's.
 */
int orm_session_load_row(void **out, orm_session *session, const orm_model_info *info,
                         const orm_result *res);

/* The same for a row whose model's columns start at column `col0` of the
 * result (the joined table of a joined load). */
int orm_session_load_row_at(void **out, orm_session *session, const orm_model_info *info,
                            const orm_result *res, int col0);

/* Copies the connection's last error into the session's, prefixed. */
int orm_session_conn_error(orm_session *session, int rc, const char *what);

/* The info of `model` in the sessionmaker, or NULL. */
orm_model_info *orm_session_find_info(const orm_sessionmaker *maker, const orm_model *model);

/* The object of `info`'s model whose (one-column) primary key is `key`,
 * from the identity map: NULL when it is not there. No SQL. */
orm_object *orm_session_lookup(orm_session *session, const orm_model_info *info, orm_value key);

/* The session's connection, with a transaction begun (autobegin), without
 * autoflush: for loads inside a flush or a query. */
int orm_session_ensure_conn(orm_conn **out, orm_session *session);

/* orm_session_add without the cascade: *added is true when the object
 * came into the session (was transient or detached). */
int orm_session_add_one(orm_session *session, orm_object *h, bool *added);

/* Drops a pending object that a cascade reaches (a delete-orphan, or the
 * pending children of a deleted parent): it is not inserted and becomes
 * transient, still owned by the session. SQLAlchemy drops those silently
 * too; only a direct orm_session_delete() of a pending object is refused. */
void orm_session_drop_pending(orm_session *session, orm_object *h);

/* ---- between the session's own files -------------------------------------
 * Layered bottom to top: sessionmaker.c, identity_map.c, loading.c,
 * persistence.c, unit_of_work.c, session.c. Each calls only those below. */

/* Rows per orm_conn_execute_many() call: bounds the memory of a flush of
 * 100,000 objects, and is what SQLAlchemy's insertmanyvalues batches too. */
#define BATCH_ROWS 1000

/* Primary keys of more columns than this are refused at sessionmaker time. */
#define MAX_PK 8

/* One object a flush acts on, with the shape of its statement. */
typedef struct work_item {
	orm_object *h;
	orm_model_info *info;
	const uint8_t *mask; /* INSERT: columns bound; UPDATE: columns changed */
	int64_t key;         /* integer primary key, to send UPDATEs and DELETEs in key order */
	size_t seq;          /* the order found, to keep the sort stable */
	uint32_t level;      /* depth among rows of a self-referencing table (chapter 4) */
} work_item;

enum rollback_kind { ROLLBACK_EXPLICIT, ROLLBACK_FAILED_FLUSH, ROLLBACK_FAILED_COMMIT };

/* sessionmaker.c */
int orm_session_need_conn(orm_session *s);
int orm_session_get_shape(const orm_sql_shape **out, orm_session *s, orm_model_info *info, int kind,
                          const uint8_t *mask);
bool orm_session_is_date_column(const orm_column *col);
bool orm_session_is_integer_column(const orm_column *col);
void orm_session_release_conn(orm_session *s);

/* identity_map.c */
void orm_session_append_obj(orm_session *s, orm_object *h);
int orm_session_append_pending(orm_session *s, orm_object *h);
int orm_session_grow(void **array, size_t *cap, size_t need, size_t size);
uint64_t orm_map_key_hash(const orm_model *model, const orm_value *vals, size_t n);
orm_value orm_map_key_value(const orm_column *col, orm_value v);
orm_object *orm_map_find(const orm_session *s, const orm_model_info *info, const orm_value *vals,
                         uint64_t hash);
void orm_map_insert(orm_session *s, orm_object *h, uint64_t hash);
void orm_map_remove(orm_session *s, orm_object *h);
int orm_map_reserve(orm_session *s, size_t extra);
uint64_t orm_map_object_hash(const orm_model_info *info, const orm_object *h);
void orm_map_object_key(orm_value *vals, char (*scratch)[ORM_FIELD_SCRATCH],
                        const orm_model_info *info, const orm_object *h);
void orm_session_remove_obj(orm_session *s, orm_object *h);
void orm_session_remove_pending(orm_session *s, orm_object *h);
int orm_session_reserve_objs(orm_session *s, size_t extra);

/* loading.c */
void orm_session_format_key(char *buf, size_t size, const orm_value *vals, size_t n);
int orm_session_load_new_row(void **out, orm_session *s, const orm_model_info *info,
                             const orm_result *res, int col0, uint64_t hash);
int orm_session_not_found(orm_session *s, const orm_model_info *info, const orm_value *vals);
int orm_session_reload(orm_session *s, orm_conn *conn, const orm_model_info *info, orm_object *h,
                       bool keep_changes);

/* persistence.c */
int orm_persist_plan_insert(orm_session *s, const orm_model_info *info, orm_object *h,
                            uint8_t *mask);
int orm_persist_plan_update(orm_session *s, orm_model_info *info, orm_object *h, uint8_t *mask);
int orm_persist_run_items(orm_session *s, int kind, work_item *items, size_t n);

/* unit_of_work.c */
int orm_uow_flush(orm_session *s);
int orm_uow_rollback(orm_session *s, enum rollback_kind kind);

#endif
