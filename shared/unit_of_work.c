/*
 * unit_of_work.c - flush: the unit of work, and rolling it back.
 *
 * Introduced in chapter 2. flush validates every object, then INSERTs the
 * pending objects model by model in foreign-key order, UPDATEs only the
 * changed columns, DELETEs in reverse order (SQLAlchemy's
 * orm/unitofwork.py); persistence.c works out each object's columns and
 * sends each group as one batch.
 * Chapter 4 adds, through the relationship hooks, cascades and foreign
 * keys filled from references, in dependency order down to the rows of a
 * self-referencing table. A rollback puts objects back in the state that
 * matches the database.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "field.h"
#include "internal.h"
#include "object.h"
#include "relationship_internal.h"
#include "schema_internal.h"
#include "session_internal.h"

/* ---- flush: the unit of work ------------------------------------------- */

/* Sort key: the integer primary key, as SQLAlchemy orders UPDATEs and
 * DELETEs; other keys keep the order found. */
static void set_sort_key(work_item *it)
{
	const orm_column *col = &it->info->model->columns[it->info->pk[0]];
	it->key = 0;
	if (it->info->npk == 1 && orm_session_is_integer_column(col)) {
		orm_value v = orm_field_value(orm_object_data(it->h), col, false, NULL);
		it->key = v.u.i;
	}
}

static int cmp_by_rank_then_key(const void *a, const void *b)
{
	const work_item *x = a, *y = b;
	if (x->info->rank != y->info->rank)
		return x->info->rank < y->info->rank ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* DELETEs: dependent tables first, and in a self-referencing table the
 * rows that refer to others before those they refer to. */
static int cmp_by_reverse_rank_then_key(const void *a, const void *b)
{
	const work_item *x = a, *y = b;
	if (x->info->rank != y->info->rank)
		return x->info->rank > y->info->rank ? -1 : 1;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return cmp_by_rank_then_key(a, b);
}

/* INSERTs of one model: referenced rows first, else the order added. */
static int cmp_by_level_then_seq(const void *a, const void *b)
{
	const work_item *x = a, *y = b;
	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "new Node -> new Node -> new Node" for the message of a cycle. */
static int cycle_error(orm_session *s, work_item *items, const size_t *path, size_t from, size_t to,
                       const char *verb)
{
	orm_buf msg = ORM_BUF_INIT;
	char who[96];
	int rc;

	for (size_t k = from; k <= to; k++) {
		s->maker->rel->describe(who, sizeof who, items[path[k]].h);
		orm_buf_printf(&msg, "%s -> ", who);
	}
	s->maker->rel->describe(who, sizeof who, items[path[from]].h);
	orm_buf_puts(&msg, who);
	rc = orm_err_set(&s->err, ORM_EINVAL,
	                 "the references of these %s objects form a cycle, so no order can %s "
	                 "them: %s",
	                 items[path[from]].h->model->name, verb,
	                 msg.failed ? "(out of memory)" : orm_buf_cstr(&msg));
	orm_buf_free(&msg);
	return rc;
}

/* The scratch of set_levels: where each object of the session sits among
 * the items (-1: not one of them), and the path of the depth-first walk. */
typedef struct level_walk {
	int32_t *pos;
	uint8_t *state; /* 0 unseen, 1 on the path, 2 done */
	size_t *path, *next;
} level_walk;

/* Walks the references among items depth first from items[start],
 * without recursion, raising each item's level above those it refers to.
 * ORM_EINVAL naming the objects when the references form a cycle. */
static int walk_references(orm_session *s, work_item *items, size_t start, level_walk *w,
                           const char *verb)
{
	size_t depth = 1;

	w->path[0] = start;
	w->next[0] = 0;
	w->state[start] = 1;
	while (depth > 0) {
		size_t top = w->path[depth - 1], j;
		bool more;
		orm_object *t = s->maker->rel->self_target(s, items[0].info, items[top].h,
		                                           w->next[depth - 1]++, &more);

		if (!more) { /* every reference of top is done */
			w->state[top] = 2;
			depth--;
			if (depth > 0 && items[w->path[depth - 1]].level <= items[top].level)
				items[w->path[depth - 1]].level = items[top].level + 1;
			continue;
		}
		if (!t || t->session != s || t->index >= s->nobjs || w->pos[t->index] < 0)
			continue;
		j = (size_t)w->pos[t->index];
		if (w->state[j] == 1) {
			size_t from = 0;
			while (w->path[from] != j)
				from++;
			return cycle_error(s, items, w->path, from, depth - 1, verb);
		}
		if (w->state[j] == 2) {
			if (items[top].level <= items[j].level)
				items[top].level = items[j].level + 1;
			continue;
		}
		w->state[j] = 1;
		w->path[depth] = j;
		w->next[depth] = 0;
		depth++;
	}
	return ORM_OK;
}

/*
 * Rows of a self-referencing table depend on each other (chapter 4): a
 * new node is inserted after the new parent it refers to, a deleted node
 * deleted before the deleted parent. Gives each of items[0..n) (one
 * model) its depth in the chain of references among them.
 */
static int set_levels(orm_session *s, work_item *items, size_t n, const char *verb)
{
	level_walk w;
	int rc = ORM_OK;

	w.pos = orm_malloc((s->nobjs ? s->nobjs : 1) * sizeof *w.pos);
	w.state = orm_calloc(n, 1);
	w.path = orm_malloc(n * sizeof *w.path);
	w.next = orm_malloc(n * sizeof *w.next);
	if (!w.pos || !w.state || !w.path || !w.next) {
		rc = orm_err_set(&s->err, ORM_ENOMEM, "out of memory ordering %s",
		                 items[0].info->model->tablename);
		goto done;
	}
	for (size_t i = 0; i < s->nobjs; i++)
		w.pos[i] = -1;
	for (size_t i = 0; i < n; i++) {
		w.pos[items[i].h->index] = (int32_t)i;
		items[i].level = 0;
	}
	for (size_t start = 0; start < n && rc == ORM_OK; start++)
		if (!w.state[start])
			rc = walk_references(s, items, start, &w, verb);
done:
	orm_free(w.pos);
	orm_free(w.state);
	orm_free(w.path);
	orm_free(w.next);
	return rc;
}

/* Puts the database-generated key of h back to zero (not yet inserted). */
static void reset_generated_key(const orm_model_info *info, orm_object *h)
{
	if (info->autoincrement >= 0) {
		const orm_column *col = &info->model->columns[info->autoincrement];
		memset((char *)orm_object_data(h) + col->offset, 0, col->field_size);
	}
}

/* Whether any column of h differs from its snapshot. */
static bool object_changed(orm_object *h)
{
	orm_object_settle_nulls(h);
	for (size_t i = 0; i < h->model->ncolumns; i++)
		if (orm_object_column_changed(h, i))
			return true;
	return false;
}

/*
 * The INSERTs of a flush are sent in batches of at most BATCH_ROWS rows,
 * gathered one model at a time: the work items of 100,000 new objects
 * are then never all in memory at once (40 bytes each, 4 MB), only one
 * batch's. A batch holds consecutive new objects of one model with the
 * same columns (and level), so its rows share one statement.
 */
typedef struct insert_batch {
	work_item *items; /* room for BATCH_ROWS */
	size_t n;
} insert_batch;

/* What one flush plans and then sends (see orm_uow_flush). */
typedef struct flush_plan {
	uint8_t *masks;   /* INSERT masks (one per s->pending), then UPDATE masks */
	size_t maskbytes; /* bytes of one mask: the largest model's */
	/* The rank of each pending object's model (NO_MODEL for an empty
	 * slot): sending a model's INSERTs then reads this array, not every
	 * pending object's header. */
	uint32_t *ranks;
	size_t *counts;   /* new objects per model */
	size_t nins;      /* new objects in all */
	work_item *self;  /* room to order the new rows of a self-referencing model */
	size_t nself;     /* ...of this many */
	work_item *items; /* UPDATEs (nupd), then DELETEs (ndel) */
	size_t nupd, ndel;
	insert_batch batch; /* the INSERT batch being gathered */
} flush_plan;

#define NO_MODEL UINT32_MAX

static int send_batch(orm_session *s, insert_batch *b)
{
	int rc = b->n ? orm_persist_run_items(s, ORM_SHAPE_INSERT, b->items, b->n) : ORM_OK;
	b->n = 0;
	return rc;
}

/* Adds `it` to the batch, sending the batch first when it is full or its
 * rows have another statement shape. The batches, and so the statements
 * and the rows of each, are the same as if run_items() had been given
 * every item of the model at once. */
static int add_to_batch(orm_session *s, insert_batch *b, const work_item *it)
{
	int rc;

	if (b->n > 0) {
		const work_item *last = &b->items[b->n - 1];
		if (b->n == BATCH_ROWS || last->level != it->level ||
		    memcmp(last->mask, it->mask, it->info->maskbytes) != 0)
			if ((rc = send_batch(s, b)) < 0)
				return rc;
	}
	b->items[b->n++] = *it;
	return ORM_OK;
}

/* The item of pending object p, the seq-th new object of its model. */
static work_item pending_item(const orm_session *s, const flush_plan *fp, orm_model_info *info,
                              size_t p, size_t seq)
{
	return (work_item){s->pending[p], info, fp->masks + p * fp->maskbytes, 0, seq, 0};
}

/* Orders the `n` new objects of a self-referencing model (chapter 4):
 * referenced rows first, else the order added. Fills fp->self[0..n). */
static int order_self_inserts(orm_session *s, flush_plan *fp, size_t r, size_t n)
{
	orm_model_info *info = &s->maker->infos[r];
	int rc;

	for (size_t p = 0, k = 0; p < s->npending; p++)
		if (fp->ranks[p] == r) {
			fp->self[k] = pending_item(s, fp, info, p, k);
			k++;
		}
	if ((rc = set_levels(s, fp->self, n, "insert")) < 0)
		return rc;
	qsort(fp->self, n, sizeof *fp->self, cmp_by_level_then_seq);
	return ORM_OK;
}

/* Sends the INSERTs of the new objects of model r (there are `count`),
 * through fp's batch, in the order added or, in a table referring to
 * itself, referenced rows first. */
static int insert_model(orm_session *s, flush_plan *fp, size_t r, size_t count)
{
	orm_model_info *info = &s->maker->infos[r];
	int rc = ORM_OK;

	if (info->self_referencing && count > 1) {
		if ((rc = order_self_inserts(s, fp, r, count)) < 0)
			return rc;
		for (size_t i = 0; i < count; i++)
			if ((rc = add_to_batch(s, &fp->batch, &fp->self[i])) < 0)
				return rc;
		return send_batch(s, &fp->batch);
	}
	for (size_t p = 0, seq = 0; p < s->npending; p++) {
		work_item it;
		if (fp->ranks[p] != r)
			continue;
		it = pending_item(s, fp, info, p, seq++);
		if ((rc = add_to_batch(s, &fp->batch, &it)) < 0)
			return rc;
	}
	return send_batch(s, &fp->batch);
}

static int flush_nomem(orm_session *s)
{
	return orm_err_set(&s->err, ORM_ENOMEM, "out of memory flushing");
}

/* The info of h's model: the one of the object before when it is of the
 * same model, as a flush's objects mostly come in runs of one model. */
static orm_model_info *info_of(const orm_session *s, const orm_object *h, orm_model_info **last)
{
	if (!*last || (*last)->model != h->model)
		*last = orm_session_find_info(s->maker, h->model);
	assert(*last);
	return *last;
}

/* Phase 1a: every new object checked and its INSERT planned, in one walk
 * in the order added; they are sent model by model in dependency order.
 * A cycle among new rows of a self-referencing table is found now too,
 * before any SQL; the order is worked out again when they are sent. */
static int plan_inserts(orm_session *s, flush_plan *fp)
{
	orm_sessionmaker *maker = s->maker;
	orm_model_info *info = NULL;
	int rc;

	for (size_t p = 0; p < s->npending; p++) {
		orm_object *h = s->pending[p];
		size_t r;
		fp->ranks[p] = NO_MODEL;
		if (!h)
			continue;
		info_of(s, h, &info);
		if ((rc = orm_persist_plan_insert(s, info, h, fp->masks + p * fp->maskbytes)) < 0)
			return rc;
		r = (size_t)(info - maker->infos);
		fp->ranks[p] = (uint32_t)r;
		fp->counts[r]++;
		fp->nins++;
	}
	for (size_t r = 0; r < maker->ninfos; r++) {
		size_t count = fp->counts[r];
		if (!maker->infos[r].self_referencing || count < 2)
			continue;
		if (count > fp->nself) { /* room for the largest such model */
			orm_free(fp->self);
			if (!(fp->self = orm_malloc(count * sizeof *fp->self)))
				return flush_nomem(s);
			fp->nself = count;
		}
		if ((rc = order_self_inserts(s, fp, r, count)) < 0)
			return rc;
	}
	return ORM_OK;
}

/* Phase 1b, in one walk over the objects that are not new: UPDATEs of
 * those that changed (only their changed columns), and DELETEs, gathered
 * from the end of fp->items and then moved after the UPDATEs. */
static int plan_updates_and_deletes(orm_session *s, flush_plan *fp)
{
	uint8_t *upd_masks = fp->masks + s->npending * fp->maskbytes;
	size_t cap = s->nobjs - fp->nins, nupd = 0, ndel = 0;
	orm_model_info *info = NULL;
	int rc;

	fp->items = orm_malloc((cap ? cap : 1) * sizeof *fp->items);
	if (!fp->items)
		return flush_nomem(s);
	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		uint8_t *mask = upd_masks + nupd * fp->maskbytes;
		work_item *it;

		h->flags &= ~ORM_OBJ_LAST_FLUSH;
		if (h->state != ORM_PERSISTENT)
			continue;
		assert(nupd + ndel < cap);
		info_of(s, h, &info);
		if (h->flags & ORM_OBJ_TO_DELETE) {
			it = &fp->items[cap - ++ndel];
			mask = NULL;
		} else if ((rc = orm_persist_plan_update(s, info, h, mask)) <= 0) {
			if (rc < 0)
				return rc;
			continue;
		} else {
			it = &fp->items[nupd++];
		}
		*it = (work_item){h, info, mask, 0, i, 0};
		set_sort_key(it);
	}
	memmove(fp->items + nupd, fp->items + cap - ndel, ndel * sizeof *fp->items);
	fp->nupd = nupd;
	fp->ndel = ndel;
	return ORM_OK;
}

/* Phase 1c: UPDATEs in dependency order, DELETEs in reverse, each model's
 * in key order; the rows of a self-referencing table deleted children
 * first. */
static int order_updates_and_deletes(orm_session *s, flush_plan *fp)
{
	work_item *del = fp->items + fp->nupd;
	int rc;

	qsort(fp->items, fp->nupd, sizeof *fp->items, cmp_by_rank_then_key);
	qsort(del, fp->ndel, sizeof *del, cmp_by_reverse_rank_then_key);
	for (size_t i = 0, j; i < fp->ndel; i = j) {
		for (j = i + 1; j < fp->ndel && del[j].info == del[i].info; j++)
			;
		if (!del[i].info->self_referencing || j - i < 2)
			continue;
		if ((rc = set_levels(s, del + i, j - i, "delete")) < 0)
			return rc;
		qsort(del + i, j - i, sizeof *del, cmp_by_reverse_rank_then_key);
	}
	return ORM_OK;
}

/* Before sending: the connection, with a transaction begun (autobegin),
 * room in the identity map for the new objects, and an INSERT batch.
 * Nothing is sent yet, so a failure here needs no rollback. */
static int prepare_send(orm_session *s, flush_plan *fp)
{
	int rc;

	if ((rc = orm_session_need_conn(s)) < 0 || (rc = orm_map_reserve(s, fp->nins)) < 0)
		return rc;
	fp->batch.items = orm_malloc(BATCH_ROWS * sizeof *fp->batch.items);
	return fp->batch.items ? ORM_OK : flush_nomem(s);
}

/* Phase 2: sends it all, in one transaction. */
static int send_plan(orm_session *s, flush_plan *fp)
{
	orm_sessionmaker *maker = s->maker;
	int rc;

	for (size_t r = 0; r < maker->ninfos; r++)
		if (fp->counts[r] && (rc = insert_model(s, fp, r, fp->counts[r])) < 0)
			return rc;
	if ((rc = orm_persist_run_items(s, ORM_SHAPE_UPDATE, fp->items, fp->nupd)) < 0)
		return rc;
	return orm_persist_run_items(s, 0, fp->items + fp->nupd, fp->ndel);
}

/* A send failed: the transaction is rolled back, and the objects being
 * inserted stay pending with their generated keys back to zero, to be
 * fixed and flushed again. The message is the failure's. */
static void undo_failed_send(orm_session *s)
{
	orm_err saved = s->err;

	for (size_t p = 0; p < s->npending; p++) {
		orm_object *h = s->pending[p];
		orm_model_info *info = h ? orm_session_find_info(s->maker, h->model) : NULL;
		if (info)
			reset_generated_key(info, h);
	}
	orm_uow_rollback(s, ROLLBACK_FAILED_FLUSH);
	orm_err_copy(&s->err, &saved);
}

/* A pending list longer than this is freed before the new objects go into
 * the identity map (apply_new_states): 64 KiB of pointers. */
#define PENDING_BIG 8192

/* The new object h, inserted: persistent, in the identity map. */
static void apply_inserted(orm_session *s, orm_object *h, orm_model_info **info)
{
	info_of(s, h, info);
	orm_object_take_snapshot(h);
	h->state = ORM_PERSISTENT;
	h->flags |= ORM_OBJ_INSERTED | ORM_OBJ_LAST_FLUSH;
	orm_map_insert(s, h, orm_map_object_hash(*info, h));
}

/* Phase 3: it all worked. New objects are persistent and in the identity
 * map, snapshots are taken, deleted objects leave the map. (The null bits
 * were settled when the flush was planned, and the keys written since,
 * generated or filled from references, set their own.)
 *
 * This is where a large flush peaks in memory: the identity map's new
 * slots are touched here for the first time, and all at once (a key's
 * slot is anywhere). So what only the planning needed (masks, ranks) is
 * freed first, and a long pending list too: then the new objects are
 * found in the session's list of objects, where every pending object is,
 * in state pending. 100,000 new objects: the map's 1.5 MB comes without
 * the 1.3 MB of lists. */
static void apply_new_states(orm_session *s, flush_plan *fp)
{
	orm_model_info *info = NULL;

	orm_free(fp->masks);
	orm_free(fp->ranks);
	fp->masks = NULL;
	fp->ranks = NULL;
	if (s->npending > PENDING_BIG) {
		orm_free(s->pending);
		s->pending = NULL;
		s->cappending = 0;
		for (size_t i = 0; i < s->nobjs; i++)
			if (s->objs[i]->state == ORM_PENDING)
				apply_inserted(s, s->objs[i], &info);
	} else {
		for (size_t p = 0; p < s->npending; p++)
			if (s->pending[p])
				apply_inserted(s, s->pending[p], &info);
	}
	s->npending = 0;
	for (size_t i = 0; i < fp->nupd; i++) {
		orm_object_take_snapshot(fp->items[i].h);
		fp->items[i].h->flags |= ORM_OBJ_UPDATED;
	}
	for (size_t i = fp->nupd; i < fp->nupd + fp->ndel; i++) {
		orm_object *h = fp->items[i].h;
		orm_map_remove(s, h);
		h->state = ORM_DELETED;
		h->flags &= ~ORM_OBJ_TO_DELETE;
	}
	if (s->maker->rel)
		s->maker->rel->flush_done(s);
}

/*
 * The unit of work, in its phases: 0. relationships (chapter 4: cascades,
 * orphans, foreign keys from references; it may load and add objects, so
 * it comes first); 1. plan and check everything before any SQL; 2. send;
 * 3. the new states. A failure in 1 sends nothing; one in 2 rolls back.
 */
int orm_uow_flush(orm_session *s)
{
	flush_plan fp = {0};
	int rc;

	if (s->maker->rel && (rc = s->maker->rel->flush_prepare(s)) < 0)
		return rc;
	if (s->nobjs == 0)
		return ORM_OK;
	fp.maskbytes = 1;
	for (size_t r = 0; r < s->maker->ninfos; r++)
		if (s->maker->infos[r].maskbytes > fp.maskbytes)
			fp.maskbytes = s->maker->infos[r].maskbytes;
	/* The masks of the INSERTs (a byte or two each) are kept from planning
	 * to sending; their work items are not (see insert_batch). */
	fp.masks = orm_malloc((s->npending + s->nobjs) * fp.maskbytes);
	fp.ranks = orm_malloc((s->npending ? s->npending : 1) * sizeof *fp.ranks);
	fp.counts = orm_calloc(s->maker->ninfos, sizeof *fp.counts);
	if (!fp.masks || !fp.ranks || !fp.counts)
		rc = flush_nomem(s);
	else if ((rc = plan_inserts(s, &fp)) == ORM_OK &&
	         (rc = plan_updates_and_deletes(s, &fp)) == ORM_OK &&
	         fp.nins + fp.nupd + fp.ndel > 0 &&
	         (rc = order_updates_and_deletes(s, &fp)) == ORM_OK) {
		if ((rc = prepare_send(s, &fp)) < 0)
			; /* nothing sent */
		else if ((rc = send_plan(s, &fp)) < 0)
			undo_failed_send(s);
		else
			apply_new_states(s, &fp);
	}
	orm_free(fp.items);
	orm_free(fp.self);
	orm_free(fp.batch.items);
	orm_free(fp.masks);
	orm_free(fp.ranks);
	orm_free(fp.counts);
	return rc;
}

int orm_session_flush(orm_session *session)
{
	assert(session);
	orm_err_clear(&session->err); /* "" after a success */
	return orm_uow_flush(session);
}

/*
 * Rolls the transaction back and puts objects in the state that matches
 * the database again:
 *   pending                 -> transient, still owned (not for a failed flush,
 *                              whose pending objects stay pending to retry)
 *   inserted in this transaction -> transient, generated key reset (pending
 *                              again when the COMMIT itself failed after the
 *                              flush that inserted them)
 *   marked or flushed deleted -> persistent
 *   changed (in memory or by a flushed UPDATE) -> reloaded now
 *   every other persistent object -> expired, as SQLAlchemy does
 */
/* Makes room for what the rollback brings back: deleted objects return to
 * the identity map (without room they are forgotten, detached), and after
 * a failed COMMIT the objects its flush inserted return to the pending
 * list (without room they become transient: the kind turns explicit). */
static enum rollback_kind make_room(orm_session *s, enum rollback_kind kind)
{
	size_t ndeleted = 0, again = 0;

	for (size_t i = 0; i < s->nobjs; i++)
		if (s->objs[i]->state == ORM_DELETED)
			ndeleted++;
	if (orm_map_reserve(s, ndeleted) < 0)
		for (size_t i = 0; i < s->nobjs; i++)
			if (s->objs[i]->state == ORM_DELETED)
				s->objs[i]->state = ORM_DETACHED;
	if (kind != ROLLBACK_FAILED_COMMIT)
		return kind;
	for (size_t i = 0; i < s->nobjs; i++)
		again += (s->objs[i]->flags & ORM_OBJ_LAST_FLUSH) != 0;
	if (orm_session_grow((void **)&s->pending, &s->cappending, s->npending + again,
	                     sizeof *s->pending) < 0)
		return ROLLBACK_EXPLICIT;
	return kind;
}

/* A persistent object INSERTed in the rolled-back transaction: its row is
 * gone, so it leaves the map with its generated key back to zero, and is
 * pending again (its flush's COMMIT failed) or transient. */
static void undo_insert(orm_session *s, orm_object *h, enum rollback_kind kind)
{
	orm_map_remove(s, h);
	reset_generated_key(orm_session_find_info(s->maker, h->model), h);
	memset(orm_object_snapshot(h), 0, h->model->ncolumns * sizeof(uint64_t));
	if (kind == ROLLBACK_FAILED_COMMIT && (h->flags & ORM_OBJ_LAST_FLUSH)) {
		h->pending_index = (uint32_t)s->npending;
		s->pending[s->npending++] = h;
		h->state = ORM_PENDING;
	} else {
		h->state = ORM_TRANSIENT;
	}
	h->flags = 0;
}

/* Puts one object in the state that matches the database again (see
 * orm_uow_rollback); those whose fields may differ are marked for reload. */
static void roll_back_object(orm_session *s, orm_object *h, enum rollback_kind kind,
                             bool had_transaction)
{
	switch ((orm_state)h->state) {
	case ORM_PENDING:
		if (kind != ROLLBACK_FAILED_FLUSH) {
			orm_session_remove_pending(s, h);
			h->state = ORM_TRANSIENT;
		}
		break;
	case ORM_PERSISTENT:
		if (h->flags & ORM_OBJ_INSERTED) {
			undo_insert(s, h, kind);
			break;
		}
		h->flags &= ~ORM_OBJ_TO_DELETE;
		if (!had_transaction)
			break;
		if ((h->flags & ORM_OBJ_UPDATED) || object_changed(h))
			h->flags |= ORM_OBJ_RELOAD;
		h->flags = (uint8_t)((h->flags & ~ORM_OBJ_UPDATED) | ORM_OBJ_EXPIRED);
		break;
	case ORM_DELETED:
		h->state = ORM_PERSISTENT;
		orm_map_insert(s, h, h->key_hash);
		h->flags |= ORM_OBJ_EXPIRED;
		break;
	default:
		break;
	}
}

/* Reloads what the rollback took back, outside any transaction: the
 * fields show the database again. An object that cannot be read stays
 * expired, to be reloaded when next handed out. The first error. */
static int reload_marked(orm_session *s)
{
	int rc = ORM_OK, rc2;

	for (size_t i = 0; i < s->nobjs; i++) {
		orm_object *h = s->objs[i];
		if (!(h->flags & ORM_OBJ_RELOAD))
			continue;
		h->flags &= ~ORM_OBJ_RELOAD;
		if (s->conn &&
		    (rc2 = orm_session_reload(s, s->conn, orm_session_find_info(s->maker, h->model),
		                              h, false)) < 0 &&
		    rc == ORM_OK)
			rc = rc2;
	}
	return rc;
}

int orm_uow_rollback(orm_session *s, enum rollback_kind kind)
{
	bool had_transaction = s->conn != NULL;
	int rc = ORM_OK, rc2;

	if (s->conn && orm_conn_in_transaction(s->conn) && (rc = orm_conn_rollback(s->conn)) < 0)
		orm_session_conn_error(s, rc, "ROLLBACK");
	kind = make_room(s, kind);
	for (size_t i = 0; i < s->nobjs; i++)
		roll_back_object(s, s->objs[i], kind, had_transaction);
	if (kind == ROLLBACK_EXPLICIT)
		s->npending = 0;
	/* No collection is loaded now; references are recomputed from the
	 * foreign keys as objects are reloaded (chapter 4). */
	if (s->maker->rel)
		s->maker->rel->rollback(s);
	if ((rc2 = reload_marked(s)) < 0 && rc == ORM_OK)
		rc = rc2;
	if (s->conn)
		orm_session_release_conn(s);
	return rc;
}
