/*
 * create_all.c - create_all and drop_all: running the plan of CREATE or
 * DROP statements that ddl.c writes, and printing it.
 *
 * Introduced in chapter 3 (create_all), with enum types in chapter 5.
 * Everything runs on one connection in one transaction (both databases
 * have transactional DDL), so a failure leaves nothing behind. With
 * checkfirst (the default, as in SQLAlchemy) the database is asked first:
 * create_all skips the tables and enum types that exist, drop_all those
 * that do not.
 */
#include <assert.h>
#include <stdbool.h>

#include "ddl.h"
#include "schema_internal.h"

static const char *kind_name(orm_ddl_kind kind)
{
	switch (kind) {
	case ORM_DDL_TYPE:
		return "enum type";
	case ORM_DDL_TABLE:
		return "table";
	case ORM_DDL_INDEX:
		return "index";
	}
	return "object";
}

/* Asks the database whether the table or type `name` exists. */
static int exists(bool *out, orm_conn *conn, const char *sql, const char *name, const char *verb,
                  const char *what, orm_err *err)
{
	orm_value param = orm_text(name);
	orm_result *res;
	int rc;

	*out = false;
	if ((rc = orm_conn_execute(&res, conn, sql, &param, 1)) < 0)
		return orm_err_set(err, rc, "%s: checking for %s '%s': %s", verb, what, name,
		                   orm_conn_errmsg(conn));
	rc = orm_result_next(res);
	orm_result_free(res);
	if (rc < 0)
		return orm_err_set(err, rc, "%s: checking for %s '%s': %s", verb, what, name,
		                   orm_conn_errmsg(conn));
	*out = rc == ORM_ROW;
	return ORM_OK;
}

/* Whether each registered model's table exists, in registration order
 * (the order SQLAlchemy asks in); all false when not checking first. */
static int tables_existing(bool **out, orm_conn *conn, orm_metadata *md, const orm_dialect *d,
                           bool checkfirst, const char *verb)
{
	size_t n;
	const orm_model *const *models = orm_metadata_models(md, &n);
	bool *have = orm_calloc(n + 1, sizeof *have);

	*out = NULL;
	if (!have) {
		orm_err_set(orm_metadata_err(md), ORM_ENOMEM, "%s: out of memory", verb);
		return ORM_ENOMEM;
	}
	for (size_t i = 0; checkfirst && i < n; i++) {
		int rc = exists(&have[i], conn, d->has_table_sql, models[i]->tablename, verb,
		                "table", orm_metadata_err(md));
		if (rc < 0) {
			orm_free(have);
			return rc;
		}
	}
	*out = have;
	return ORM_OK;
}

static bool table_existed(const bool *have, orm_metadata *md, const orm_model *m)
{
	size_t n;
	const orm_model *const *models = orm_metadata_models(md, &n);

	for (size_t i = 0; i < n; i++)
		if (models[i] == m)
			return have[i];
	return false;
}

/* One run of a plan: what deciding each step needs. */
typedef struct plan_run {
	orm_metadata *md;
	orm_conn *conn;
	const orm_dialect *d;
	const char *verb; /* "create_all" or "drop_all", for messages */
	bool creating;
	bool checkfirst;
	bool *have;      /* per registered model: its table existed */
	bool skip_table; /* the last table was skipped: so are its indexes */
} plan_run;

/* Whether checkfirst leaves the step out: creating, what exists already;
 * dropping, what does not. Without checkfirst nothing is left out. */
static int skip_step(bool *skip, plan_run *r, const orm_ddl_step *step)
{
	bool found = false;
	int rc;

	*skip = false;
	switch (step->kind) {
	case ORM_DDL_TABLE:
		found = table_existed(r->have, r->md, step->model);
		r->skip_table = r->creating ? found : !found && r->checkfirst;
		*skip = r->skip_table;
		break;
	case ORM_DDL_INDEX:
		*skip = r->skip_table;
		break;
	case ORM_DDL_TYPE:
		if (r->checkfirst && r->d->has_type_sql) {
			if ((rc = exists(&found, r->conn, r->d->has_type_sql, step->name, r->verb,
			                 "enum type", orm_metadata_err(r->md))) < 0)
				return rc;
			*skip = r->creating ? found : !found;
		}
		break;
	}
	return ORM_OK;
}

static int run_steps(plan_run *r, const orm_ddl_plan *plan)
{
	int rc;

	for (size_t i = 0; i < plan->count; i++) {
		const orm_ddl_step *step = &plan->steps[i];
		bool skip;

		if ((rc = skip_step(&skip, r, step)) < 0)
			return rc;
		if (skip)
			continue;
		if ((rc = orm_conn_execute(NULL, r->conn, step->sql, NULL, 0)) < 0)
			return orm_err_set(orm_metadata_err(r->md), rc, "%s: %s '%s': %s", r->verb,
			                   kind_name(step->kind), step->name,
			                   orm_conn_errmsg(r->conn));
	}
	return ORM_OK;
}

/*
 * Runs a plan in one transaction. Creating (`creating`), an existing
 * table is skipped with its indexes and an existing type is skipped;
 * dropping, a missing one is. Without checkfirst nothing is skipped.
 */
static int run_plan(orm_metadata *md, orm_engine *engine, const orm_create_options *options,
                    bool creating)
{
	static const orm_create_options defaults = ORM_CREATE_OPTIONS_INIT;
	const orm_create_options *opts = options ? options : &defaults;
	orm_err *err = orm_metadata_err(md);
	orm_ddl_plan plan = ORM_DDL_PLAN_INIT;
	plan_run r = {md,
	              NULL,
	              orm_engine_dialect(engine),
	              creating ? "create_all" : "drop_all",
	              creating,
	              opts->checkfirst,
	              NULL,
	              false};
	int rc;

	orm_err_clear(err);
	rc = creating ? orm_ddl_plan_create(&plan, md, r.d) : orm_ddl_plan_drop(&plan, md, r.d);
	if (rc < 0)
		return rc;
	if ((rc = orm_engine_connect(&r.conn, engine)) < 0) {
		rc = orm_err_set(err, rc, "%s: %s", r.verb, orm_errmsg(engine));
		goto done;
	}
	if ((rc = orm_conn_begin(r.conn)) < 0) {
		rc = orm_err_set(err, rc, "%s: BEGIN: %s", r.verb, orm_conn_errmsg(r.conn));
		goto done;
	}
	if ((rc = tables_existing(&r.have, r.conn, md, r.d, r.checkfirst, r.verb)) < 0 ||
	    (rc = run_steps(&r, &plan)) < 0)
		goto done;
	if ((rc = orm_conn_commit(r.conn)) < 0)
		rc = orm_err_set(err, rc, "%s: COMMIT: %s", r.verb, orm_conn_errmsg(r.conn));
done:
	/* Nothing of a failed run stays: the transaction is rolled back
	 * (orm_conn_close would too; saying it shows ROLLBACK in echo). */
	if (r.conn && orm_conn_in_transaction(r.conn))
		(void)orm_conn_rollback(r.conn);
	orm_conn_close(r.conn);
	orm_free(r.have);
	orm_ddl_plan_free(&plan);
	return rc;
}

int orm_metadata_create_all(orm_metadata *md, orm_engine *engine, const orm_create_options *options)
{
	assert(md && engine);
	return run_plan(md, engine, options, true);
}

int orm_metadata_drop_all(orm_metadata *md, orm_engine *engine, const orm_create_options *options)
{
	assert(md && engine);
	return run_plan(md, engine, options, false);
}

int orm_metadata_create_sql(char **out, orm_metadata *md, orm_engine *engine)
{
	orm_ddl_plan plan;
	orm_buf b = ORM_BUF_INIT;
	int rc;

	assert(out && md && engine);
	*out = NULL;
	orm_err_clear(orm_metadata_err(md));
	if ((rc = orm_ddl_plan_create(&plan, md, orm_engine_dialect(engine))) < 0)
		return rc;
	for (size_t i = 0; i < plan.count; i++) {
		if (i > 0)
			orm_buf_putc(&b, '\n');
		orm_buf_puts(&b, plan.steps[i].sql);
		orm_buf_puts(&b, ";\n");
	}
	orm_ddl_plan_free(&plan);
	if (b.failed || !(*out = orm_buf_detach(&b))) {
		orm_buf_free(&b);
		return orm_err_set(orm_metadata_err(md), ORM_ENOMEM,
		                   "out of memory writing the CREATE statements");
	}
	return ORM_OK;
}
