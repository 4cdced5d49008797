/*
 * relationship_resolve.c - what a declared relationship resolves to.
 *
 * Introduced in chapter 4. A relationship names its target model by name
 * and, at most, which foreign key to stand on; the rest is found here, as
 * SQLAlchemy's orm/relationships.py finds a join condition: the target
 * among the registered models, the direction from the foreign key, the
 * primary key it refers to, the cascades, order_by, and that
 * back_populates names this relationship back. orm_metadata_add checks
 * every relationship it can with it; the sessionmaker resolves each once
 * (relationship.c). It needs only the declarations: it sits below the
 * metadata and the session, with the schema code.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "schema_internal.h"

orm_relationship_kind orm_relationship_field_kind(const orm_relationship *rel)
{
	return rel->field_size == sizeof(orm_collection) ? ORM_ONE_TO_MANY : ORM_MANY_TO_ONE;
}

const char *orm_relationship_kind_name(orm_relationship_kind kind)
{
	return kind == ORM_ONE_TO_MANY ? "one-to-many" : "many-to-one";
}

/* The model named `name` among the registered ones and `extra` (a model
 * being registered, or NULL); *count says how many have that name. */
const orm_model *orm_metadata_model_named(const orm_metadata *md, const orm_model *extra,
                                          const char *name, size_t *count)
{
	const orm_model *found = NULL;

	*count = 0;
	for (size_t i = 0; i < md->count; i++)
		if (strcmp(md->models[i]->name, name) == 0 && (*count)++ == 0)
			found = md->models[i];
	if (extra && strcmp(extra->name, name) == 0 && (*count)++ == 0)
		found = extra;
	return found;
}

/* Whether column `c` is a foreign key to table `tablename`. */
static bool refers_to(const orm_column *c, const char *tablename)
{
	const char *dot;

	if (!c->foreign_key || !(dot = strrchr(c->foreign_key, '.')))
		return false;
	return strlen(tablename) == (size_t)(dot - c->foreign_key) &&
	       strncmp(c->foreign_key, tablename, (size_t)(dot - c->foreign_key)) == 0;
}

/*
 * The foreign key columns a relationship of `model` to `target` may stand
 * on, in the direction `want` (ORM_REL_AUTO: either): the columns of
 * `model` referring to the target's table (many-to-one), and those of the
 * target referring to the model's table (one-to-many). For a model
 * referring to itself both are the same columns. Fills up to 8.
 */
typedef struct fk_candidate {
	const orm_model *child;
	size_t column;
	orm_relationship_kind kind;
} fk_candidate;

static size_t fk_candidates(fk_candidate *out, size_t max, const orm_model *model,
                            const orm_model *target, const char *only, orm_relationship_kind want)
{
	const char *only_table = NULL, *only_column = only;
	size_t only_table_len = 0, n = 0;

	if (only && strchr(only, '.')) {
		only_column = strrchr(only, '.') + 1;
		only_table = only;
		only_table_len = (size_t)(only_column - 1 - only);
	}
	for (int side = 0; side < 2; side++) {
		const orm_model *child = side == 0 ? model : target;
		const orm_model *one = side == 0 ? target : model;
		orm_relationship_kind kind = side == 0 ? ORM_MANY_TO_ONE : ORM_ONE_TO_MANY;

		if (want != ORM_REL_AUTO && want != kind)
			continue;
		if (only_table && (strlen(child->tablename) != only_table_len ||
		                   strncmp(child->tablename, only_table, only_table_len) != 0))
			continue;
		for (size_t c = 0; c < child->ncolumns; c++) {
			if (only_column && strcmp(child->columns[c].name, only_column) != 0)
				continue;
			if (!refers_to(&child->columns[c], one->tablename))
				continue;
			if (n < max)
				out[n] = (fk_candidate){child, c, kind};
			n++;
		}
	}
	return n;
}

static int resolve(orm_relationship_link *out, const orm_metadata *md, const orm_model *extra,
                   const orm_model *model, size_t i, bool check_back, orm_err *err);

/* Phase 1: the target, a registered model with a struct. */
static int resolve_target(const orm_model **out, const orm_metadata *md, const orm_model *extra,
                          const orm_model *model, const orm_relationship *rel, orm_err *err)
{
	size_t count;
	const orm_model *target = orm_metadata_model_named(md, extra, rel->target, &count);

	if (!target)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: target model %s is not registered",
		                   model->name, rel->name, rel->target);
	if (count > 1)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: %zu registered models are named %s",
		                   model->name, rel->name, count, rel->target);
	if (target->size == 0)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: target model %s has no struct (size 0)",
		                   model->name, rel->name, target->name);
	*out = target;
	return ORM_OK;
}

/* "users.organizer_id, events.parent_id": the candidates, for a message. */
static void candidate_names(char *names, size_t size, const fk_candidate *cand, size_t n)
{
	size_t len = 0;

	names[0] = '\0';
	for (size_t k = 0; k < n && k < 8 && len < size; k++) {
		int w =
		    snprintf(names + len, size - len, "%s%s.%s", k ? ", " : "",
		             cand[k].child->tablename, cand[k].child->columns[cand[k].column].name);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/*
 * Phase 2: the direction and the foreign key. Between two tables the
 * foreign key says it (only one table can refer to the other: the
 * metadata refuses cycles); a table referring to itself has its key on
 * both sides, and the field says which end this is (SQLAlchemy asks for
 * remote_side there). Fills out->kind, child and fk.
 */
static int resolve_direction(orm_relationship_link *out, const orm_model *model,
                             const orm_relationship *rel, orm_err *err)
{
	const orm_model *target = out->target;
	orm_relationship_kind field_kind = orm_relationship_field_kind(rel), want;
	fk_candidate cand[8];
	size_t n;

	want =
	    rel->kind != ORM_REL_AUTO ? rel->kind : (target == model ? field_kind : ORM_REL_AUTO);
	n = fk_candidates(cand, 8, model, target, rel->foreign_key, want);
	if (n == 0 && rel->foreign_key)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: .foreign_key '%s' names no column of %s or "
		                   "%s that refers to the other table",
		                   model->name, rel->name, rel->foreign_key, model->tablename,
		                   target->tablename);
	if (n == 0 && fk_candidates(cand, 8, model, target, NULL, ORM_REL_AUTO) > 0)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: declared %s, but the foreign key between "
		                   "%s and %s makes it %s",
		                   model->name, rel->name, orm_relationship_kind_name(want),
		                   model->tablename, target->tablename,
		                   orm_relationship_kind_name(want == ORM_ONE_TO_MANY
		                                                  ? ORM_MANY_TO_ONE
		                                                  : ORM_ONE_TO_MANY));
	if (n == 0)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: no foreign key links %s and %s; add a "
		                   "ForeignKey column or name one with .foreign_key",
		                   model->name, rel->name, model->tablename, target->tablename);
	if (n > 1) {
		char names[256];
		candidate_names(names, sizeof names, cand, n);
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: several foreign keys link %s and %s (%s); "
		                   "name one with .foreign_key",
		                   model->name, rel->name, model->tablename, target->tablename,
		                   names);
	}
	out->kind = cand[0].kind;
	out->child = cand[0].child;
	out->fk = cand[0].column;
	if (out->kind != field_kind)
		return orm_err_set(
		    err, ORM_EINVAL,
		    "relationship %s.%s: the foreign key %s.%s makes it %s, so its "
		    "field must be %s",
		    model->name, rel->name, out->child->tablename,
		    out->child->columns[out->fk].name, orm_relationship_kind_name(out->kind),
		    out->kind == ORM_ONE_TO_MANY ? "an orm_collection" : "a pointer");
	return ORM_OK;
}

/* Phase 3: the key the foreign key refers to must be the other side's
 * one-column primary key: that is what the identity map is keyed by. */
static int resolve_reference(orm_relationship_link *out, const orm_model *model,
                             const orm_relationship *rel, orm_err *err)
{
	const orm_column *fkcol = &out->child->columns[out->fk];
	const orm_model *one = out->kind == ORM_MANY_TO_ONE ? out->target : model;
	const char *dot = strrchr(fkcol->foreign_key, '.');
	const orm_column *refcol = orm_model_column(one, dot + 1);

	if (!refcol || !refcol->primary_key || orm_model_primary_key_count(one) != 1)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: the foreign key %s.%s refers to %s, which "
		                   "is not the one-column primary key of %s",
		                   model->name, rel->name, out->child->tablename, fkcol->name,
		                   fkcol->foreign_key, one->tablename);
	out->ref = (size_t)(refcol - one->columns);
	return ORM_OK;
}

/* Phase 4: the cascades (delete ones on the one-to-many side only) and
 * order_by (a column of the target, for a collection). */
static int resolve_options(orm_relationship_link *out, const orm_model *model,
                           const orm_relationship *rel, orm_err *err)
{
	const orm_model *target = out->target;
	const orm_column *col;

	out->cascade = orm_relationship_cascade(rel);
	if (out->kind == ORM_MANY_TO_ONE &&
	    (out->cascade & (ORM_CASCADE_DELETE | ORM_CASCADE_DELETE_ORPHAN)))
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: the delete cascades belong on the "
		                   "one-to-many side (%s)",
		                   model->name, rel->name, "the parent deletes its children");
	if (!rel->order_by)
		return ORM_OK;
	col = orm_model_column(target, rel->order_by);
	if (out->kind != ORM_ONE_TO_MANY)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: order_by is for one-to-many "
		                   "collections",
		                   model->name, rel->name);
	if (!col)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: order_by '%s' is not a column of %s",
		                   model->name, rel->name, rel->order_by, target->name);
	out->order_by = (int)(col - target->columns);
	return ORM_OK;
}

/* Phase 5: back_populates names a relationship of the target that names
 * this one back, and the two are the two ends of one foreign key. */
static int resolve_back(orm_relationship_link *out, const orm_metadata *md, const orm_model *extra,
                        const orm_model *model, const orm_relationship *rel, orm_err *err)
{
	const orm_model *target = out->target;
	orm_relationship_link back;
	const orm_relationship *b = NULL;
	int rc;

	for (size_t k = 0; k < target->nrelationships; k++)
		if (strcmp(target->relationships[k].name, rel->back_populates) == 0) {
			b = &target->relationships[k];
			out->back = (int)k;
		}
	if (!b)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: back_populates '%s' names no "
		                   "relationship of %s",
		                   model->name, rel->name, rel->back_populates, target->name);
	if (strcmp(b->target, model->name) != 0)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: back_populates '%s', but %s.%s "
		                   "refers to %s, not %s",
		                   model->name, rel->name, rel->back_populates, target->name,
		                   b->name, b->target, model->name);
	if (!b->back_populates || strcmp(b->back_populates, rel->name) != 0)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: back_populates '%s', but %s.%s does "
		                   "not name %s back (its back_populates is %s)",
		                   model->name, rel->name, rel->back_populates, target->name,
		                   b->name, rel->name,
		                   b->back_populates ? b->back_populates : "not set");
	if ((rc = resolve(&back, md, extra, target, (size_t)out->back, false, err)) < 0)
		return rc;
	if (back.kind == out->kind || back.child != out->child || back.fk != out->fk)
		return orm_err_set(err, ORM_EINVAL,
		                   "relationship %s.%s: back_populates '%s', but %s.%s is "
		                   "%s on %s.%s: the two sides must be one-to-many and "
		                   "many-to-one on the same foreign key",
		                   model->name, rel->name, rel->back_populates, target->name,
		                   b->name, orm_relationship_kind_name(back.kind),
		                   back.child->tablename, back.child->columns[back.fk].name);
	return ORM_OK;
}

/* Relationship i of `model`, resolved phase by phase (`extra` is a model
 * being registered, seen as if it were). */
static int resolve(orm_relationship_link *out, const orm_metadata *md, const orm_model *extra,
                   const orm_model *model, size_t i, bool check_back, orm_err *err)
{
	const orm_relationship *rel = &model->relationships[i];
	int rc;

	memset(out, 0, sizeof *out);
	out->back = out->order_by = -1;
	if ((rc = resolve_target(&out->target, md, extra, model, rel, err)) < 0 ||
	    (rc = resolve_direction(out, model, rel, err)) < 0 ||
	    (rc = resolve_reference(out, model, rel, err)) < 0 ||
	    (rc = resolve_options(out, model, rel, err)) < 0)
		return rc;
	if (rel->back_populates && check_back)
		return resolve_back(out, md, extra, model, rel, err);
	return ORM_OK;
}

int orm_metadata_relationship(orm_relationship_link *out, const orm_metadata *md,
                              const orm_model *model, size_t i, orm_err *err)
{
	assert(out && md && model && i < model->nrelationships);
	return resolve(out, md, NULL, model, i, true, err);
}

int orm_metadata_relationship_at(orm_relationship_link *out, const orm_metadata *md,
                                 const orm_model *extra, const orm_model *model, size_t i,
                                 orm_err *err)
{
	return resolve(out, md, extra, model, i, true, err);
}
