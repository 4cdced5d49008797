/*
 * migrate.c - running revisions: upgrade, downgrade, current and stamp.
 *
 * Introduced in chapter 7. The database remembers which revisions it has
 * in Alembic's version table, one row per head. An upgrade works out
 * which revisions the target needs that the database does not have,
 * runs them parents first, and updates the version table after each, the
 * way Alembic does (INSERT for the first revision of a branch, UPDATE
 * when a revision follows the head, DELETE for the parents a merge
 * joins). A downgrade does the reverse, children first.
 *
 * A run is one transaction: the dialect begins it and takes a lock
 * (PostgreSQL's advisory lock, SQLite's BEGIN IMMEDIATE), the version
 * table is read only after that, so a second run started at the same
 * time waits and then finds the work done. On any error the transaction
 * is rolled back: schema and version are as they were.
 *
 * Offline (orm_migrate_options.sql) the same code prints the statements
 * instead, with Alembic's BEGIN; ... COMMIT; around them.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migration_internal.h"

#define VERSION_TABLE_SQL                                                        \
	"CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n" \
	"\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)"

/* One run: the connection (or offline output), the operations context and
 * the heads as they stand. */
typedef struct run {
	orm_revisions *revs;
	orm_engine *engine;
	const orm_dialect *d;
	const orm_migrate_options *opts;
	FILE *out;
	orm_conn *conn; /* NULL offline */
	orm_op *op;
	bool fk_was_on;
	bool have_table; /* the version table exists (read_heads found it) */
	bool *heads;     /* one per revision: in the version table */
	size_t count;
	const orm_revision *const *all;
} run;

static orm_err *err_of(run *r)
{
	return orm_revisions_err(r->revs);
}

/* Runs a statement with no rows to read, or prints it offline. */
static int exec_sql(run *r, const char *what, const char *sql)
{
	return orm_op_run(r->op, what, sql) < 0
	           ? orm_err_set(err_of(r), ORM_ERROR, "%s", orm_op_errmsg(r->op))
	           : ORM_OK;
}

/* A query whose rows are read and dropped (the advisory lock's SELECT). */
static int query_discard(run *r, const char *what, const char *sql, bool *any)
{
	orm_result *res;
	int rc;

	*any = false;
	if ((rc = orm_conn_execute(&res, r->conn, sql, NULL, 0)) < 0)
		return orm_err_set(err_of(r), rc, "%s: %s", what, orm_conn_errmsg(r->conn));
	while ((rc = orm_result_next(res)) == ORM_ROW)
		*any = true;
	orm_result_free(res);
	if (rc < 0)
		return orm_err_set(err_of(r), rc, "%s: %s", what, orm_conn_errmsg(r->conn));
	return ORM_OK;
}

static bool version_table_exists(run *r, int *rc)
{
	orm_value p = orm_text("alembic_version");
	orm_result *res;

	if ((*rc = orm_conn_execute(&res, r->conn, r->d->has_table_sql, &p, 1)) < 0) {
		*rc = orm_err_set(err_of(r), *rc, "reading the version table: %s",
		                  orm_conn_errmsg(r->conn));
		return false;
	}
	*rc = orm_result_next(res);
	orm_result_free(res);
	if (*rc < 0) {
		*rc = orm_err_set(err_of(r), *rc, "reading the version table: %s",
		                  orm_conn_errmsg(r->conn));
		return false;
	}
	bool found = *rc == ORM_ROW;
	*rc = ORM_OK;
	return found;
}

/* Reads the version table's rows into r->heads; a row naming a revision
 * the graph does not have is an error that names it. */
static int read_heads(run *r)
{
	orm_result *res;
	int rc;

	if (!(r->have_table = version_table_exists(r, &rc)))
		return rc;
	if ((rc = orm_conn_execute(&res, r->conn, "SELECT version_num FROM alembic_version", NULL,
	                           0)) < 0)
		return orm_err_set(err_of(r), rc, "reading the version table: %s",
		                   orm_conn_errmsg(r->conn));
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		const char *id = orm_result_text(res, 0);
		size_t i = orm_revisions_index(r->revs, id);
		if (i == SIZE_MAX) {
			rc = orm_err_set(err_of(r), ORM_ENOTFOUND,
			                 "the database is at revision '%s', which no revision file "
			                 "defines (Can't locate revision identified by '%s')",
			                 id, id);
			break;
		}
		r->heads[i] = true;
	}
	orm_result_free(res);
	if (rc < 0 && rc != ORM_ENOTFOUND)
		return orm_err_set(err_of(r), rc, "reading the version table: %s",
		                   orm_conn_errmsg(r->conn));
	return rc < 0 ? rc : ORM_OK;
}

static int start(run *r, orm_revisions *revs, orm_engine *engine, const orm_migrate_options *opts)
{
	static const orm_migrate_options defaults = ORM_MIGRATE_OPTIONS_INIT;
	int rc;

	memset(r, 0, sizeof *r);
	r->revs = revs;
	r->engine = engine;
	r->d = orm_engine_dialect(engine);
	r->opts = opts ? opts : &defaults;
	r->out = r->opts->out ? r->opts->out : stdout;
	r->all = orm_revisions_all(revs, &r->count);
	orm_err_clear(err_of(r));
	if (!(r->heads = orm_calloc(r->count + 1, sizeof *r->heads)))
		return orm_err_set(err_of(r), ORM_ENOMEM, "out of memory");
	return ORM_OK;
	(void)rc;
}

/* Connects, begins and locks; or offline, prints BEGIN. */
static int begin(run *r, bool need_heads)
{
	const orm_migrate_dialect *m = r->d->migrate;
	bool any;
	int rc;

	if (r->opts->sql) {
		fprintf(r->out, "BEGIN;\n\n");
		return orm_op_new(&r->op, r->d, NULL, r->out);
	}
	if ((rc = orm_engine_connect(&r->conn, r->engine)) < 0)
		return orm_err_set(err_of(r), rc, "%s", orm_errmsg(r->engine));
	if ((rc = orm_op_new(&r->op, r->d, r->conn, NULL)) < 0)
		return rc;
	if (m->fk_state_sql) {
		orm_result *res;
		if ((rc = orm_conn_execute(&res, r->conn, m->fk_state_sql, NULL, 0)) < 0)
			return orm_err_set(err_of(r), rc, "%s", orm_conn_errmsg(r->conn));
		if (orm_result_next(res) == ORM_ROW)
			r->fk_was_on = orm_result_int(res, 0) != 0;
		orm_result_free(res);
	}
	if (m->before_sql && (rc = exec_sql(r, "starting the migration", m->before_sql)) < 0)
		return rc;
	if ((rc = query_discard(r, "BEGIN", m->begin_sql, &any)) < 0)
		return rc;
	if (m->lock_sql &&
	    (rc = query_discard(r, "taking the migration lock", m->lock_sql, &any)) < 0)
		return rc;
	return need_heads ? read_heads(r) : ORM_OK;
}

/* Checks (SQLite's foreign keys), commits; or offline, prints COMMIT. */
static int commit(run *r)
{
	const orm_migrate_dialect *m = r->d->migrate;
	bool broken;
	int rc;

	if (!r->conn) {
		fprintf(r->out, "COMMIT;\n\n");
		return ORM_OK;
	}
	if (m->check_sql) {
		if ((rc = query_discard(r, "checking foreign keys", m->check_sql, &broken)) < 0)
			return rc;
		if (broken)
			return orm_err_set(
			    err_of(r), ORM_ECONSTRAINT,
			    "after the migration some rows refer to rows that are not "
			    "there (%s finds them): nothing was changed",
			    m->check_sql);
	}
	return query_discard(r, "COMMIT", "COMMIT", &broken);
}

/* Rolls back if the run failed; gives the connection back; frees. */
static int finish(run *r, int rc)
{
	const orm_migrate_dialect *m = r->d->migrate;
	bool any;

	if (r->conn) {
		if (rc < 0) {
			orm_err saved = *err_of(r);
			(void)query_discard(r, "ROLLBACK", "ROLLBACK", &any);
			orm_err_copy(err_of(r), &saved);
		}
		if (m->after_sql && r->fk_was_on)
			(void)orm_conn_execute(NULL, r->conn, m->after_sql, NULL, 0);
		orm_conn_close(r->conn);
	}
	orm_op_free(r->op);
	orm_free(r->heads);
	return rc;
}

/* ---- the version table, step by step --------------------------------- */

static int version_stmt(run *r, const char *fmt, const char *a, const char *b)
{
	char sql[300];

	snprintf(sql, sizeof sql, fmt, a, b);
	return exec_sql(r, "the version table", sql);
}

static int insert_version(run *r, const char *id)
{
	char sql[300];

	snprintf(sql, sizeof sql, "INSERT INTO alembic_version (version_num) VALUES ('%s')%s", id,
	         r->conn ? "" : r->d->migrate->insert_version_suffix);
	return exec_sql(r, "the version table", sql);
}

static int update_version(run *r, const char *from, const char *to)
{
	return version_stmt(
	    r,
	    "UPDATE alembic_version SET version_num='%s' WHERE alembic_version.version_num = '%s'",
	    to, from);
}

static int delete_version(run *r, const char *id)
{
	return version_stmt(
	    r, "DELETE FROM alembic_version WHERE alembic_version.version_num = '%s'%s", id, "");
}

static const char *parent(const orm_revision *rev, int k)
{
	return k ? rev->down_revision2 : rev->down_revision;
}

/* After upgrading to rev: its parents that are heads stop being heads. */
static int record_upgrade(run *r, size_t index)
{
	const orm_revision *rev = r->all[index];
	const char *replaced = NULL;
	int rc;

	for (int k = 0; k < 2; k++) {
		size_t p = parent(rev, k) ? orm_revisions_index(r->revs, parent(rev, k)) : SIZE_MAX;
		if (p == SIZE_MAX || !r->heads[p])
			continue;
		r->heads[p] = false;
		if (!replaced) {
			replaced = r->all[p]->id;
		} else if ((rc = delete_version(r, r->all[p]->id)) < 0) {
			return rc;
		}
	}
	r->heads[index] = true;
	return replaced ? update_version(r, replaced, rev->id) : insert_version(r, rev->id);
}

/* Whether revision p is an ancestor of a head other than `except`. */
static bool below_other_head(run *r, size_t p, size_t except)
{
	bool *marks = orm_calloc(r->count + 1, sizeof *marks);
	bool found = false;

	if (!marks)
		return false;
	for (size_t h = 0; h < r->count && !found; h++) {
		if (!r->heads[h] || h == except)
			continue;
		memset(marks, 0, r->count * sizeof *marks);
		orm_revisions_mark_ancestors(r->revs, h, marks);
		found = marks[p];
	}
	orm_free(marks);
	return found;
}

/* After downgrading rev: its parents become heads again, unless another
 * head still stands on them. */
static int record_downgrade(run *r, size_t index)
{
	const orm_revision *rev = r->all[index];
	bool replaced = false;
	int rc;

	r->heads[index] = false;
	for (int k = 0; k < 2; k++) {
		size_t p = parent(rev, k) ? orm_revisions_index(r->revs, parent(rev, k)) : SIZE_MAX;
		if (p == SIZE_MAX || r->heads[p] || below_other_head(r, p, index))
			continue;
		r->heads[p] = true;
		rc = replaced ? insert_version(r, r->all[p]->id)
		              : update_version(r, rev->id, r->all[p]->id);
		if (rc < 0)
			return rc;
		replaced = true;
	}
	return replaced ? ORM_OK : delete_version(r, rev->id);
}

/* ---- running revisions ----------------------------------------------- */

static int run_one(run *r, size_t index, bool up)
{
	const orm_revision *rev = r->all[index];
	char from[64], to[64];
	int rc;

	if (up) {
		snprintf(from, sizeof from, "%s%s%s", rev->down_revision ? rev->down_revision : "",
		         rev->down_revision2 ? ", " : "",
		         rev->down_revision2 ? rev->down_revision2 : "");
		snprintf(to, sizeof to, "%s", rev->id);
	} else {
		snprintf(from, sizeof from, "%s", rev->id);
		snprintf(to, sizeof to, "%s%s%s", rev->down_revision ? rev->down_revision : "",
		         rev->down_revision2 ? ", " : "",
		         rev->down_revision2 ? rev->down_revision2 : "");
	}
	if (!r->conn)
		fprintf(r->out, "-- Running %s %s -> %s\n\n", up ? "upgrade" : "downgrade", from,
		        to);
	else if (r->opts->verbose)
		fprintf(r->out, "Running %s %s -> %s, %s\n", up ? "upgrade" : "downgrade", from, to,
		        rev->message);
	rc = up ? rev->upgrade(r->op) : rev->downgrade(r->op);
	if (rc == ORM_OK && r->op->batch) {
		rc = orm_err_set(&r->op->err, ORM_ESTATE, "a batch on '%s' was never ended",
		                 orm_batch_table(r->op->batch));
	}
	if (rc < 0)
		return orm_err_set(err_of(r), rc, "%s %s (%s): %s", up ? "upgrade" : "downgrade",
		                   rev->id, rev->message,
		                   r->op->err.msg[0] ? r->op->err.msg : orm_strerror(rc));
	return up ? record_upgrade(r, index) : record_downgrade(r, index);
}

/* The index of the database's one current head for a relative target
 * (+N, -N), SIZE_MAX at base; ORM_EINVAL when there are several. */
static int single_head(size_t *out, run *r, const char *target)
{
	size_t nheads = 0;

	*out = SIZE_MAX;
	for (size_t i = 0; i < r->count; i++)
		if (r->heads[i]) {
			*out = i;
			nheads++;
		}
	if (nheads > 1)
		return orm_err_set(err_of(r), ORM_EINVAL,
		                   "'%s' counts from the current revision, but the database has "
		                   "%zu heads: name a revision",
		                   target, nheads);
	return ORM_OK;
}

/* The revision N steps from the single current head (up or down); for
 * down, NULL means base. */
static int relative(const orm_revision **out, run *r, const char *target, bool up)
{
	long n = strtol(target + 1, NULL, 10);
	const orm_revision *at = NULL;
	size_t head;
	int rc;

	*out = NULL;
	if ((rc = single_head(&head, r, target)) < 0)
		return rc;
	if (head != SIZE_MAX)
		at = r->all[head];
	const char *from = at ? at->id : "base";
	for (long step = 0; step < n; step++) {
		const orm_revision *next = NULL;
		size_t found = 0;
		if (up) {
			for (size_t i = 0; i < r->count; i++)
				if ((at == NULL && !r->all[i]->down_revision) ||
				    (at && ((r->all[i]->down_revision &&
				             strcmp(r->all[i]->down_revision, at->id) == 0) ||
				            (r->all[i]->down_revision2 &&
				             strcmp(r->all[i]->down_revision2, at->id) == 0)))) {
					next = r->all[i];
					found++;
				}
			if (found == 0)
				return orm_err_set(err_of(r), ORM_EINVAL,
				                   "upgrade %s: only %ld revision(s) above %s",
				                   target, step, from);
			if (found > 1)
				return orm_err_set(
				    err_of(r), ORM_EINVAL,
				    "upgrade %s: %s has %zu children: name a revision", target,
				    at ? at->id : "base", found);
		} else {
			if (!at)
				return orm_err_set(err_of(r), ORM_EINVAL,
				                   "downgrade %s would go below base: only %ld "
				                   "revision(s) are applied",
				                   target, step);
			if (at->down_revision2)
				return orm_err_set(
				    err_of(r), ORM_EINVAL,
				    "downgrade %s: %s is a merge of two revisions: name "
				    "one",
				    target, at->id);
			if (at->down_revision) {
				size_t p = orm_revisions_index(r->revs, at->down_revision);
				next = r->all[p];
			}
		}
		at = next;
	}
	*out = at;
	return ORM_OK;
}

/*
 * downgrade -N: the N revisions below the single head go, the rest stay
 * (keep). A merge can be the last of them (its parents are both kept),
 * never one in the middle: which branch would the count follow?
 */
static int steps_down(bool *keep, run *r, const bool *applied, const char *target)
{
	long n = strtol(target + 1, NULL, 10);
	size_t at;
	int rc;

	if ((rc = single_head(&at, r, target)) < 0)
		return rc;
	memcpy(keep, applied, r->count * sizeof *keep);
	for (long step = 0; step < n; step++) {
		const orm_revision *rev;
		if (at == SIZE_MAX)
			return orm_err_set(
			    err_of(r), ORM_EINVAL,
			    "downgrade %s would go below base: only %ld revision(s) are "
			    "applied",
			    target, step);
		rev = r->all[at];
		keep[at] = false;
		if (rev->down_revision2 && step + 1 < n)
			return orm_err_set(
			    err_of(r), ORM_EINVAL,
			    "downgrade %s: %s merges two branches: name the revision to "
			    "go down to",
			    target, rev->id);
		at = rev->down_revision ? orm_revisions_index(r->revs, rev->down_revision)
		                        : SIZE_MAX;
	}
	return ORM_OK;
}

static bool is_relative(const char *target, char sign)
{
	return target[0] == sign && target[1] >= '0' && target[1] <= '9' &&
	       strspn(target + 1, "0123456789") == strlen(target + 1);
}

/* Offline, the database is assumed to be at opts->from (NULL: base). */
static int offline_heads(run *r)
{
	const orm_revision *from;
	int rc;

	if (!r->opts->from || strcmp(r->opts->from, "base") == 0)
		return ORM_OK;
	if ((rc = orm_revisions_resolve(&from, r->revs, r->opts->from)) < 0)
		return rc;
	if (from)
		r->heads[orm_revisions_index(r->revs, from->id)] = true;
	return ORM_OK;
}

int orm_migrate_upgrade(orm_revisions *revs, orm_engine *engine, const char *target,
                        const orm_migrate_options *opts)
{
	bool *applied = NULL, *wanted = NULL;
	const orm_revision *to = NULL;
	bool base_start;
	run r;
	int rc;

	assert(revs && engine && target);
	if ((rc = start(&r, revs, engine, opts)) < 0)
		return finish(&r, rc);
	/* What the target means does not depend on the database, except +N:
	 * resolve it first so a typo fails before any connection. */
	if (!is_relative(target, '+') && strcmp(target, "heads") != 0 &&
	    (rc = orm_revisions_resolve(&to, revs, target)) < 0)
		return finish(&r, rc);
	if (r.opts->sql && (rc = offline_heads(&r)) < 0)
		return finish(&r, rc);
	if (!(applied = orm_calloc(r.count + 1, 1)) || !(wanted = orm_calloc(r.count + 1, 1))) {
		rc = orm_err_set(err_of(&r), ORM_ENOMEM, "out of memory");
		goto done;
	}
	base_start = true;
	for (size_t i = 0; i < r.count; i++)
		base_start = base_start && !r.heads[i];
	if ((rc = begin(&r, !r.opts->sql)) < 0)
		goto done;
	if (!r.opts->sql) {
		if (!r.have_table &&
		    (rc = exec_sql(&r, "creating the version table", VERSION_TABLE_SQL)) < 0)
			goto done;
	} else if (base_start && (rc = exec_sql(&r, "version table", VERSION_TABLE_SQL)) < 0) {
		goto done;
	}
	if (is_relative(target, '+') && (rc = relative(&to, &r, target, true)) < 0)
		goto done;
	for (size_t i = 0; i < r.count; i++)
		if (r.heads[i])
			orm_revisions_mark_ancestors(revs, i, applied);
	if (strcmp(target, "heads") == 0) {
		size_t nh;
		const orm_revision *const *heads = orm_revisions_heads(revs, &nh);
		for (size_t i = 0; i < nh; i++)
			orm_revisions_mark_ancestors(revs, orm_revisions_index(revs, heads[i]->id),
			                             wanted);
	} else if (to) {
		orm_revisions_mark_ancestors(revs, orm_revisions_index(revs, to->id), wanted);
	}
	for (size_t i = 0; i < r.count && rc == ORM_OK; i++)
		if (wanted[i] && !applied[i])
			rc = run_one(&r, i, true);
	if (rc == ORM_OK)
		rc = commit(&r);
done:
	orm_free(applied);
	orm_free(wanted);
	return finish(&r, rc);
}

/* Where a downgrade goes (*to, or NULL for base and -N), checked before
 * any connection; offline (--sql), where it starts, from opts->from. */
static int downgrade_target(const orm_revision **to, run *r, const char *target)
{
	int rc;

	*to = NULL;
	if (is_relative(target, '+') || strcmp(target, "heads") == 0 || strcmp(target, "head") == 0)
		return orm_err_set(err_of(r), ORM_EINVAL,
		                   "downgrade '%s': a downgrade goes to base, -N or a revision",
		                   target);
	if (!is_relative(target, '-') && (rc = orm_revisions_resolve(to, r->revs, target)) < 0)
		return rc;
	if (!r->opts->sql)
		return ORM_OK;
	if (!r->opts->from)
		return orm_err_set(err_of(r), ORM_EINVAL,
		                   "downgrade --sql '%s' needs FROM:TO (e.g. "
		                   "head:%s): offline there is no database "
		                   "to say where it starts",
		                   target, target);
	return offline_heads(r);
}

int orm_migrate_downgrade(orm_revisions *revs, orm_engine *engine, const char *target,
                          const orm_migrate_options *opts)
{
	bool *applied = NULL, *keep = NULL;
	const orm_revision *to = NULL;
	run r;
	int rc;

	assert(revs && engine && target);
	if ((rc = start(&r, revs, engine, opts)) < 0 ||
	    (rc = downgrade_target(&to, &r, target)) < 0)
		return finish(&r, rc);
	if (!(applied = orm_calloc(r.count + 1, 1)) || !(keep = orm_calloc(r.count + 1, 1))) {
		rc = orm_err_set(err_of(&r), ORM_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = begin(&r, !r.opts->sql)) < 0)
		goto done;
	for (size_t i = 0; i < r.count; i++)
		if (r.heads[i])
			orm_revisions_mark_ancestors(revs, i, applied);
	if (is_relative(target, '-')) {
		if ((rc = steps_down(keep, &r, applied, target)) < 0)
			goto done;
	} else if (to) {
		size_t t = orm_revisions_index(revs, to->id);
		if (!applied[t]) {
			rc = orm_err_set(
			    err_of(&r), ORM_EINVAL,
			    "downgrade to %s: that revision is not applied, so there is "
			    "nothing to go back to",
			    to->id);
			goto done;
		}
		orm_revisions_mark_ancestors(revs, t, keep);
	}
	for (size_t i = r.count; i-- > 0 && rc == ORM_OK;)
		if (applied[i] && !keep[i])
			rc = run_one(&r, i, false);
	if (rc == ORM_OK && r.opts->sql && !to)
		rc = exec_sql(&r, "version table", "DROP TABLE alembic_version");
	if (rc == ORM_OK)
		rc = commit(&r);
done:
	orm_free(applied);
	orm_free(keep);
	return finish(&r, rc);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void orm_migrate_current_free(char **heads, size_t count)
{
	for (size_t i = 0; i < count; i++)
		orm_free(heads[i]);
	orm_free(heads);
}

int orm_migrate_current(char ***out, size_t *count, orm_revisions *revs, orm_engine *engine)
{
	orm_result *res = NULL;
	char **list = NULL;
	size_t n = 0;
	run r;
	int rc;

	*out = NULL;
	*count = 0;
	if ((rc = start(&r, revs, engine, NULL)) < 0)
		return finish(&r, rc);
	if ((rc = orm_engine_connect(&r.conn, engine)) < 0) {
		rc = orm_err_set(err_of(&r), rc, "%s", orm_errmsg(engine));
		return finish(&r, rc);
	}
	if (!version_table_exists(&r, &rc) || rc < 0)
		return finish(&r, rc);
	if ((rc = orm_conn_execute(&res, r.conn, "SELECT version_num FROM alembic_version", NULL,
	                           0)) < 0)
		return finish(&r, orm_err_set(err_of(&r), rc, "reading the version table: %s",
		                              orm_conn_errmsg(r.conn)));
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		char **grown = orm_realloc(list, (n + 1) * sizeof *grown);
		if (!grown || !(grown[n] = orm_strdup(orm_result_text(res, 0)))) {
			if (grown)
				list = grown;
			rc = orm_err_set(err_of(&r), ORM_ENOMEM, "out of memory");
			break;
		}
		list = grown;
		n++;
	}
	orm_result_free(res);
	if (rc < 0) {
		orm_migrate_current_free(list, n);
		return finish(&r, rc == ORM_ENOMEM
		                      ? rc
		                      : orm_err_set(err_of(&r), rc, "%s", orm_conn_errmsg(r.conn)));
	}
	if (n > 1)
		qsort(list, n, sizeof *list, by_text);
	*out = list;
	*count = n;
	return finish(&r, ORM_OK);
}

int orm_migrate_stamp(orm_revisions *revs, orm_engine *engine, const char *target)
{
	const orm_revision *to = NULL;
	run r;
	int rc;

	if ((rc = start(&r, revs, engine, NULL)) < 0)
		return finish(&r, rc);
	if (strcmp(target, "heads") != 0 && (rc = orm_revisions_resolve(&to, revs, target)) < 0)
		return finish(&r, rc);
	/* The current rows need not be known revisions: stamping is how a
	 * database at an unknown revision is put right. */
	if ((rc = begin(&r, false)) < 0)
		return finish(&r, rc);
	if (!version_table_exists(&r, &rc)) {
		if (rc < 0 ||
		    (rc = exec_sql(&r, "creating the version table", VERSION_TABLE_SQL)) < 0)
			return finish(&r, rc);
	}
	if ((rc = exec_sql(&r, "the version table", "DELETE FROM alembic_version")) < 0)
		return finish(&r, rc);
	if (strcmp(target, "heads") == 0) {
		size_t nh;
		const orm_revision *const *heads = orm_revisions_heads(revs, &nh);
		for (size_t i = 0; i < nh && rc == ORM_OK; i++)
			rc = insert_version(&r, heads[i]->id);
	} else if (to) {
		rc = insert_version(&r, to->id);
	}
	if (rc == ORM_OK)
		rc = commit(&r);
	return finish(&r, rc);
}
