/*
 * metadata.c - the registry of models: the write-up's declarative `Base`
 * and its `Base.metadata`.
 *
 * Introduced in chapter 3 (base and models). Registering a model checks
 * its declaration (schema.c) and files it under its table name in a small
 * hash table. Foreign keys are resolved later, when an order is first
 * asked for, so models can be added in any order - the way SQLAlchemy
 * resolves ForeignKey("users.id") only when the table is needed. The order
 * is SQLAlchemy's too: repeatedly take, in registration order, every table
 * whose referenced tables are all taken already; when a round takes
 * nothing, the rest form a cycle, and the message names it.
 *
 * The naming conventions (ix, uq, ck, fk, pk templates) are kept here,
 * checked by naming.c when the metadata is made; ddl.c asks
 * orm_naming_render() for each constraint's name.
 *
 * Chapter 4 adds the relationships' checks: a relationship is resolved
 * (its target, its direction from the foreign key, back_populates) as soon
 * as both its models are registered, and again when an order is asked
 * for, with SQLAlchemy's NoForeignKeysError as the model for messages.
 */
#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "schema_internal.h"

/* ---- the table-name hash ---------------------------------------------- */

static uint64_t hash_name(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211u;
	}
	return h;
}

/* The index of the model of table `name` (len characters), or -1. */
static long find_table(const orm_metadata *md, const char *name, size_t len)
{
	size_t mask = md->nslots - 1;

	if (md->nslots == 0)
		return -1;
	for (size_t i = hash_name(name, len) & mask;; i = (i + 1) & mask) {
		size_t slot = md->slots[i];
		const char *have;

		if (slot == 0)
			return -1;
		have = md->models[slot - 1]->tablename;
		if (strncmp(have, name, len) == 0 && have[len] == '\0')
			return (long)(slot - 1);
	}
}

static void put_slot(size_t *slots, size_t nslots, const char *name, size_t index)
{
	size_t mask = nslots - 1;
	size_t i = hash_name(name, strlen(name)) & mask;

	while (slots[i] != 0)
		i = (i + 1) & mask;
	slots[i] = index + 1;
}

/* Grows the model array and the hash so one more model fits. */
static int reserve_one(orm_metadata *md)
{
	if (md->count == md->cap) {
		size_t ncap = md->cap ? md->cap * 2 : 8;
		const orm_model **p = orm_realloc(md->models, ncap * sizeof *p);
		const orm_model **s;

		if (!p)
			return ORM_ENOMEM;
		md->models = p;
		if (!(s = orm_realloc(md->sorted, ncap * sizeof *s)))
			return ORM_ENOMEM;
		md->sorted = s;
		md->cap = ncap;
	}
	if ((md->count + 1) * 2 > md->nslots) {
		size_t n = md->nslots ? md->nslots * 2 : 16;
		size_t *slots = orm_calloc(n, sizeof *slots);

		if (!slots)
			return ORM_ENOMEM;
		for (size_t i = 0; i < md->count; i++)
			put_slot(slots, n, md->models[i]->tablename, i);
		orm_free(md->slots);
		md->slots = slots;
		md->nslots = n;
	}
	return ORM_OK;
}

/* ---- metadata --------------------------------------------------------- */

int orm_metadata_new(orm_metadata **out, const orm_metadata_options *options)
{
	static const orm_metadata_options defaults = ORM_METADATA_OPTIONS_INIT;
	const orm_metadata_options *o = options ? options : &defaults;
	orm_metadata *md;
	int rc;

	assert(out);
	*out = NULL;
	if ((rc = orm_naming_check(o->ix, "ix", NULL)) < 0 ||
	    (rc = orm_naming_check(o->uq, "uq", NULL)) < 0 ||
	    (rc = orm_naming_check(o->ck, "ck", NULL)) < 0 ||
	    (rc = orm_naming_check(o->fk, "fk", NULL)) < 0 ||
	    (rc = orm_naming_check(o->pk, "pk", NULL)) < 0)
		return rc;
	if (!(md = orm_calloc(1, sizeof *md)))
		return orm_err_set(NULL, ORM_ENOMEM, "out of memory creating metadata");
	if (pthread_mutex_init(&md->lock, NULL) != 0) {
		orm_free(md);
		return orm_err_set(NULL, ORM_ENOMEM, "cannot create the metadata's lock");
	}
	/* Indexes are always named: without a template, SQLAlchemy's. */
	md->naming.ix = orm_strdup(o->ix ? o->ix : defaults.ix);
	md->naming.uq = orm_strdup(o->uq);
	md->naming.ck = orm_strdup(o->ck);
	md->naming.fk = orm_strdup(o->fk);
	md->naming.pk = orm_strdup(o->pk);
	if (!md->naming.ix || (o->uq && !md->naming.uq) || (o->ck && !md->naming.ck) ||
	    (o->fk && !md->naming.fk) || (o->pk && !md->naming.pk)) {
		orm_metadata_free(md);
		return orm_err_set(NULL, ORM_ENOMEM, "out of memory creating metadata");
	}
	*out = md;
	return ORM_OK;
}

void orm_metadata_free(orm_metadata *md)
{
	if (!md)
		return;
	orm_free((char *)md->naming.ix);
	orm_free((char *)md->naming.uq);
	orm_free((char *)md->naming.ck);
	orm_free((char *)md->naming.fk);
	orm_free((char *)md->naming.pk);
	orm_free(md->models);
	orm_free(md->sorted);
	orm_free(md->slots);
	pthread_mutex_destroy(&md->lock);
	orm_free(md);
}

const char *orm_metadata_errmsg(const orm_metadata *md)
{
	return md->err.msg;
}

const orm_model *const *orm_metadata_models(const orm_metadata *md, size_t *count)
{
	*count = md->count;
	return md->models;
}

const orm_metadata_options *orm_metadata_naming(const orm_metadata *md)
{
	return &md->naming;
}

orm_err *orm_metadata_err(orm_metadata *md)
{
	return &md->err;
}

/* Two models may share an enum type (by name) only if it is the same
 * list of labels: the database has one type of that name. */
static int check_enum_types(orm_metadata *md, const orm_model *model)
{
	for (size_t i = 0; i < model->ncolumns; i++) {
		const orm_enum *e = model->columns[i].enum_type;

		if (model->columns[i].type != ORM_ENUM)
			continue;
		for (size_t m = 0; m < md->count; m++)
			for (size_t j = 0; j < md->models[m]->ncolumns; j++) {
				const orm_column *other = &md->models[m]->columns[j];
				const orm_enum *f = other->enum_type;
				bool same;

				if (other->type != ORM_ENUM || f == e ||
				    strcmp(f->name, e->name) != 0)
					continue;
				same = f->nlabels == e->nlabels;
				for (size_t k = 0; same && k < e->nlabels; k++)
					same = strcmp(e->labels[k], f->labels[k]) == 0;
				if (!same)
					return orm_err_set(
					    &md->err, ORM_EINVAL,
					    "model %s: column '%s': enum type '%s' has "
					    "other labels than in model %s, column '%s'",
					    model->name, model->columns[i].name, e->name,
					    md->models[m]->name, other->name);
			}
	}
	return ORM_OK;
}

/* ---- relationships (chapter 4) ----------------------------------------- */

/* A relationship's name: plain, its own (not another relationship's nor
 * a column's); and a target named. */
static int check_relationship_name(orm_metadata *md, const orm_model *model, size_t i)
{
	const orm_relationship *rel = &model->relationships[i];

	if (!orm_schema_is_identifier(rel->name))
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "model %s: relationship name '%s' is not a plain name",
		                   model->name, rel->name ? rel->name : "(null)");
	for (size_t j = 0; j < i; j++)
		if (strcmp(model->relationships[j].name, rel->name) == 0)
			return orm_err_set(&md->err, ORM_EINVAL,
			                   "relationship %s.%s: declared twice", model->name,
			                   rel->name);
	if (orm_model_column(model, rel->name))
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "relationship %s.%s: a column has the same name", model->name,
		                   rel->name);
	if (!rel->target || !*rel->target)
		return orm_err_set(&md->err, ORM_EINVAL, "relationship %s.%s: no target model",
		                   model->name, rel->name);
	return ORM_OK;
}

/* Its field: a pointer (many-to-one) or an orm_collection (one-to-many)
 * inside the struct, agreeing with the kind declared. */
static int check_relationship_field(orm_metadata *md, const orm_model *model,
                                    const orm_relationship *rel)
{
	orm_relationship_kind field_kind = orm_relationship_field_kind(rel);

	if (rel->field_size != sizeof(void *) && rel->field_size != sizeof(orm_collection))
		return orm_err_set(
		    &md->err, ORM_EINVAL,
		    "relationship %s.%s: field size %zu is neither a pointer (many-to-one) "
		    "nor an orm_collection (one-to-many)",
		    model->name, rel->name, rel->field_size);
	if (rel->offset > model->size || rel->field_size > model->size - rel->offset)
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "relationship %s.%s: field at offset %zu does not lie "
		                   "within the struct (%zu bytes)",
		                   model->name, rel->name, rel->offset, model->size);
	if (rel->kind != ORM_REL_AUTO && rel->kind != ORM_MANY_TO_ONE &&
	    rel->kind != ORM_ONE_TO_MANY)
		return orm_err_set(&md->err, ORM_EINVAL, "relationship %s.%s: unknown kind %d",
		                   model->name, rel->name, (int)rel->kind);
	if (rel->kind != ORM_REL_AUTO && rel->kind != field_kind)
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "relationship %s.%s: declared %s, but its field is %s",
		                   model->name, rel->name, orm_relationship_kind_name(rel->kind),
		                   field_kind == ORM_ONE_TO_MANY ? "an orm_collection (one-to-many)"
		                                                 : "a pointer (many-to-one)");
	return ORM_OK;
}

/* Its options: the loading strategy, the cascade, back_populates. */
static int check_relationship_options(orm_metadata *md, const orm_model *model,
                                      const orm_relationship *rel)
{
	if ((int)rel->lazy < ORM_LAZY || rel->lazy > ORM_NOLOAD)
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "relationship %s.%s: unknown loading strategy %d", model->name,
		                   rel->name, (int)rel->lazy);
	if (rel->cascade &
	    ~(ORM_CASCADE_SAVE_UPDATE | ORM_CASCADE_DELETE | ORM_CASCADE_DELETE_ORPHAN))
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "relationship %s.%s: unknown cascade bits 0x%x", model->name,
		                   rel->name, (unsigned)rel->cascade);
	if (rel->back_populates && !orm_schema_is_identifier(rel->back_populates))
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "relationship %s.%s: back_populates '%s' is not a plain "
		                   "name",
		                   model->name, rel->name, rel->back_populates);
	return ORM_OK;
}

/* The checks that need only the model itself, run by orm_metadata_add. */
static int check_relationship_fields(orm_metadata *md, const orm_model *model)
{
	int rc;

	if (model->nrelationships == 0)
		return ORM_OK;
	if (!model->relationships)
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "model %s: %zu relationships declared but the array is NULL",
		                   model->name, model->nrelationships);
	if (model->size == 0)
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "model %s: relationships need a struct to live in (size is 0)",
		                   model->name);
	for (size_t i = 0; i < model->nrelationships; i++) {
		const orm_relationship *rel = &model->relationships[i];

		if ((rc = check_relationship_name(md, model, i)) < 0 ||
		    (rc = check_relationship_field(md, model, rel)) < 0 ||
		    (rc = check_relationship_options(md, model, rel)) < 0)
			return rc;
	}
	return ORM_OK;
}

/* Every relationship that can be resolved once `model` is registered:
 * its own whose target is known, and those of registered models that
 * name it. Targets registered later are checked when they come. */
static int check_relationships(orm_metadata *md, const orm_model *model)
{
	orm_relationship_link link;
	size_t count;
	int rc;

	for (size_t i = 0; i < model->nrelationships; i++)
		if (orm_metadata_model_named(md, model, model->relationships[i].target, &count) &&
		    (rc = orm_metadata_relationship_at(&link, md, model, model, i, &md->err)) < 0)
			return rc;
	for (size_t m = 0; m < md->count; m++)
		for (size_t i = 0; i < md->models[m]->nrelationships; i++)
			if (strcmp(md->models[m]->relationships[i].target, model->name) == 0 &&
			    (rc = orm_metadata_relationship_at(&link, md, model, md->models[m], i,
			                                       &md->err)) < 0)
				return rc;
	return ORM_OK;
}

/* Whether any registered model has a relationship, or `model` has one. */
static bool any_relationships(const orm_metadata *md, const orm_model *model)
{
	if (model->nrelationships)
		return true;
	for (size_t m = 0; m < md->count; m++)
		if (md->models[m]->nrelationships)
			return true;
	return false;
}

int orm_metadata_add(orm_metadata *md, const orm_model *model)
{
	size_t same_name;
	long dup;
	int rc;

	assert(md && model);
	if ((rc = orm_model_check(model, &md->err)) < 0)
		return rc;
	dup = find_table(md, model->tablename, strlen(model->tablename));
	if (dup >= 0)
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "model %s: table '%s' is already registered (model %s)",
		                   model->name, model->tablename, md->models[dup]->name);
	if ((rc = check_enum_types(md, model)) < 0)
		return rc;
	if ((rc = check_relationship_fields(md, model)) < 0)
		return rc;
	/* Relationships name their target by model name, so with any
	 * relationship around, names must tell models apart. */
	if (orm_metadata_model_named(md, NULL, model->name, &same_name) &&
	    any_relationships(md, model))
		return orm_err_set(&md->err, ORM_EINVAL,
		                   "model %s: another model of that name is registered, and "
		                   "relationships name models",
		                   model->name);
	if ((rc = check_relationships(md, model)) < 0)
		return rc;
	if (reserve_one(md) < 0)
		return orm_err_set(&md->err, ORM_ENOMEM, "out of memory registering model %s",
		                   model->name);
	md->models[md->count] = model;
	put_slot(md->slots, md->nslots, model->tablename, md->count);
	md->count++;
	pthread_mutex_lock(&md->lock);
	md->sorted_valid = false;
	pthread_mutex_unlock(&md->lock);
	return ORM_OK;
}

const orm_model *orm_metadata_model(const orm_metadata *md, const char *tablename)
{
	long i;

	assert(md && tablename);
	i = find_table(md, tablename, strlen(tablename));
	return i >= 0 ? md->models[i] : NULL;
}

int orm_metadata_foreign_key(const orm_model **out_model, const orm_column **out_column,
                             const orm_metadata *md, const orm_model *model, const orm_column *col,
                             orm_err *err)
{
	const char *target = col->foreign_key;
	const char *dot;
	const orm_model *ref;
	const orm_column *refcol;
	long i;

	assert(target);
	*out_model = NULL;
	*out_column = NULL;
	dot = strrchr(target, '.'); /* checked at registration: "table.column" */
	i = find_table(md, target, (size_t)(dot - target));
	if (i < 0) {
		orm_err_set(err, ORM_EINVAL,
		            "model %s: column '%s': foreign key '%s' names an unknown table '%.*s'",
		            model->name, col->name, target, (int)(dot - target), target);
		return ORM_EINVAL;
	}
	ref = md->models[i];
	if (!(refcol = orm_model_column(ref, dot + 1))) {
		orm_err_set(
		    err, ORM_EINVAL,
		    "model %s: column '%s': foreign key '%s' names an unknown column '%s' of "
		    "table '%s'",
		    model->name, col->name, target, dot + 1, ref->tablename);
		return ORM_EINVAL;
	}
	*out_model = ref;
	*out_column = refcol;
	return ORM_OK;
}

/* ---- dependency order ------------------------------------------------- */

/* deps[i] lists the indices of the tables model i refers to (itself left
 * out: a self-referencing key needs no order), ndeps[i] how many. */
typedef struct graph {
	size_t **deps;
	size_t *ndeps;
	size_t n;
} graph;

static void graph_free(graph *g)
{
	if (g->deps)
		for (size_t i = 0; i < g->n; i++)
			orm_free(g->deps[i]);
	orm_free(g->deps);
	orm_free(g->ndeps);
}

static int graph_build(graph *g, orm_metadata *md)
{
	int rc;

	g->n = md->count;
	g->deps = orm_calloc(md->count ? md->count : 1, sizeof *g->deps);
	g->ndeps = orm_calloc(md->count ? md->count : 1, sizeof *g->ndeps);
	if (!g->deps || !g->ndeps)
		return orm_err_set(&md->err, ORM_ENOMEM, "out of memory ordering tables");
	for (size_t i = 0; i < md->count; i++) {
		const orm_model *m = md->models[i];

		if (!(g->deps[i] = orm_malloc((m->ncolumns + 1) * sizeof **g->deps)))
			return orm_err_set(&md->err, ORM_ENOMEM, "out of memory ordering tables");
		for (size_t c = 0; c < m->ncolumns; c++) {
			const orm_model *ref;
			const orm_column *refcol;
			size_t r;
			bool seen = false;

			if (!m->columns[c].foreign_key)
				continue;
			if ((rc = orm_metadata_foreign_key(&ref, &refcol, md, m, &m->columns[c],
			                                   &md->err)) < 0)
				return rc;
			r = (size_t)find_table(md, ref->tablename, strlen(ref->tablename));
			for (size_t k = 0; k < g->ndeps[i]; k++)
				seen = seen || g->deps[i][k] == r;
			if (r != i && !seen)
				g->deps[i][g->ndeps[i]++] = r;
		}
	}
	return ORM_OK;
}

/* Names the cycle among the tables not yet placed: each of them refers
 * to at least one other that is not placed either (or it would have
 * been), so following such references from any of them must come back
 * to a table already visited. */
static int cycle_error(orm_metadata *md, const graph *g, const bool *placed)
{
	size_t *path = orm_malloc(g->n * sizeof *path);
	size_t len = 0, start = 0, at = 0;
	orm_buf msg = ORM_BUF_INIT;
	int rc;

	if (!path)
		return orm_err_set(&md->err, ORM_ENOMEM, "out of memory ordering tables");
	while (placed[at])
		at++;
	for (;;) {
		bool again = false;

		for (size_t k = 0; k < len; k++)
			if (path[k] == at) {
				start = k;
				again = true;
			}
		if (again)
			break;
		path[len++] = at;
		for (size_t k = 0; k < g->ndeps[at]; k++)
			if (!placed[g->deps[at][k]]) {
				at = g->deps[at][k];
				break;
			}
	}
	for (size_t k = start; k < len; k++)
		orm_buf_printf(&msg, "%s -> ", md->models[path[k]]->tablename);
	orm_buf_puts(&msg, md->models[path[start]]->tablename);
	rc = orm_err_set(&md->err, ORM_EINVAL,
	                 "the foreign keys of tables form a cycle, so no order can create them: "
	                 "%s",
	                 msg.failed ? "(out of memory)" : orm_buf_cstr(&msg));
	orm_buf_free(&msg);
	orm_free(path);
	return rc;
}

static int sort_models(orm_metadata *md)
{
	graph g = {0};
	bool *placed = NULL, *ready = NULL;
	size_t nplaced = 0;
	int rc;

	if ((rc = graph_build(&g, md)) < 0)
		goto done;
	placed = orm_calloc(md->count + 1, sizeof *placed);
	ready = orm_calloc(md->count + 1, sizeof *ready);
	if (!placed || !ready) {
		rc = orm_err_set(&md->err, ORM_ENOMEM, "out of memory ordering tables");
		goto done;
	}
	/* Round by round, as SQLAlchemy does: every table whose references
	 * were all placed in earlier rounds, in registration order. */
	while (nplaced < md->count) {
		size_t before = nplaced;

		for (size_t i = 0; i < md->count; i++) {
			ready[i] = !placed[i];
			for (size_t k = 0; ready[i] && k < g.ndeps[i]; k++)
				ready[i] = placed[g.deps[i][k]];
		}
		for (size_t i = 0; i < md->count; i++)
			if (ready[i]) {
				placed[i] = true;
				md->sorted[nplaced++] = md->models[i];
			}
		if (nplaced == before) {
			rc = cycle_error(md, &g, placed);
			goto done;
		}
	}
	/* Relationships are resolved here too: every target is registered
	 * by the time an order is asked for (create_all, a sessionmaker). */
	for (size_t m = 0; m < md->count; m++)
		for (size_t i = 0; i < md->models[m]->nrelationships; i++) {
			orm_relationship_link link;
			if ((rc = orm_metadata_relationship_at(&link, md, NULL, md->models[m], i,
			                                       &md->err)) < 0)
				goto done;
		}
	rc = ORM_OK;
done:
	orm_free(placed);
	orm_free(ready);
	graph_free(&g);
	return rc;
}

int orm_metadata_sorted(const orm_model *const **out, size_t *count, orm_metadata *md)
{
	int rc = ORM_OK;

	assert(out && count && md);
	*out = NULL;
	*count = 0;
	pthread_mutex_lock(&md->lock);
	if (!md->sorted_valid && (rc = sort_models(md)) == ORM_OK)
		md->sorted_valid = true;
	pthread_mutex_unlock(&md->lock);
	if (rc < 0)
		return rc;
	*out = md->sorted;
	*count = md->count;
	return ORM_OK;
}
