/*
 * erd.c - the diagram writer behind the book's entity-relationship pictures (see erd.h).
 *
 * Each table is one node with an HTML-like label, a row per column: its name, its type as
 * SQLAlchemy spells it (Integer, String(20), Date, Enum(socialstatus)) and its options (PK,
 * FK, unique, index, not null). Rows carry ports on both outer cells (<column> on the left,
 * <column>_r on the right), so with the graph laid out left to right an edge leaves from the
 * right edge of the foreign key's row and arrives at the left edge of the referenced row.
 */
#include "erd.h"

#include <string.h>

#include "orm/relationship.h"

static const char *type_name(const orm_column *c, char *buf, size_t size)
{
	switch (c->type) {
	case ORM_INTEGER:
		return "Integer";
	case ORM_BIGINTEGER:
		return "BigInteger";
	case ORM_STRING:
		if (c->length > 0) {
			snprintf(buf, size, "String(%d)", c->length);
			return buf;
		}
		return "String";
	case ORM_TEXT:
		return "Text";
	case ORM_BOOLEAN:
		return "Boolean";
	case ORM_FLOAT:
		return "Float";
	case ORM_DATE:
		return "Date";
	case ORM_DATETIME:
		return "DateTime";
	case ORM_ENUM:
		snprintf(buf, size, "Enum(%s)", c->enum_type ? c->enum_type->name : "?");
		return buf;
	}
	return "?";
}

/* "PK", "FK users.id, index", ...: the column's options, in the order DDL gives them. */
static void options(const orm_column *c, char *buf, size_t size)
{
	size_t used = 0;
	const char *parts[5];
	size_t n = 0;
	char fk[96];

	if (c->primary_key)
		parts[n++] = "PK";
	if (c->foreign_key) {
		snprintf(fk, sizeof fk, "FK %s", c->foreign_key);
		parts[n++] = fk;
	}
	if (c->unique)
		parts[n++] = "unique";
	if (c->index)
		parts[n++] = "index";
	if (c->nullable == ORM_NULLABLE_NO && !c->primary_key)
		parts[n++] = "not null";
	buf[0] = '\0';
	for (size_t k = 0; k < n && used < size; k++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", k ? ", " : "", parts[k]);
}

static const orm_model *model_by_table(const orm_model *const *models, size_t n, const char *table,
                                       size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(models[i]->tablename) == len &&
		    strncmp(models[i]->tablename, table, len) == 0)
			return models[i];
	return NULL;
}

/* The relationship of `m` that points at model `target`, or NULL. */
static const orm_relationship *relationship_to(const orm_model *m, const orm_model *target)
{
	for (size_t k = 0; k < m->nrelationships; k++)
		if (strcmp(m->relationships[k].target, target->name) == 0)
			return &m->relationships[k];
	return NULL;
}

static void write_table(FILE *out, const orm_model *m)
{
	fprintf(out,
	        "  %s [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" "
	        "cellpadding=\"4\">\n",
	        m->tablename);
	fprintf(out, "    <tr><td colspan=\"3\" bgcolor=\"#dde6f0\"><b>%s</b> (%s)</td></tr>\n",
	        m->tablename, m->name);
	for (size_t k = 0; k < m->ncolumns; k++) {
		const orm_column *c = &m->columns[k];
		char type[64], opts[160];
		options(c, opts, sizeof opts);
		fprintf(out,
		        "    <tr><td port=\"%s\" align=\"left\">%s</td><td align=\"left\">%s</td>"
		        "<td port=\"%s_r\" align=\"left\">%s</td></tr>\n",
		        c->name, c->name, type_name(c, type, sizeof type), c->name, opts);
	}
	fprintf(out, "  </table>>];\n");
}

static void write_foreign_keys(FILE *out, const orm_model *const *models, size_t n,
                               const orm_model *m)
{
	for (size_t k = 0; k < m->ncolumns; k++) {
		const orm_column *c = &m->columns[k];
		const char *dot;
		const orm_model *parent;
		const orm_relationship *down, *up;

		if (!c->foreign_key || !(dot = strchr(c->foreign_key, '.')))
			continue;
		parent = model_by_table(models, n, c->foreign_key, (size_t)(dot - c->foreign_key));
		if (!parent)
			continue;
		/* The many end (crow's foot) is the table holding the key. */
		fprintf(out, "  %s:%s_r:e -> %s:%s:w [dir=both, arrowtail=crow, arrowhead=tee",
		        m->tablename, c->name, parent->tablename, dot + 1);
		up = relationship_to(m, parent);
		down = relationship_to(parent, m);
		if (up || down)
			fprintf(out, ", label=\"one to many\\n%s.%s / %s.%s\"", parent->name,
			        down ? down->name : "-", m->name, up ? up->name : "-");
		else
			fprintf(out, ", label=\"many to one\"");
		fprintf(out, "];\n");
	}
}

static void write_enums(FILE *out, const orm_model *m)
{
	for (size_t k = 0; k < m->ncolumns; k++) {
		const orm_column *c = &m->columns[k];
		if (c->type != ORM_ENUM || !c->enum_type)
			continue;
		fprintf(out,
		        "  enum_%s [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" "
		        "cellpadding=\"4\">\n",
		        c->enum_type->name);
		fprintf(out, "    <tr><td bgcolor=\"#f0e6dd\"><b>%s</b> (enum)</td></tr>\n",
		        c->enum_type->name);
		for (size_t l = 0; l < c->enum_type->nlabels; l++)
			fprintf(out, "    <tr><td align=\"left\">'%s' = %zu</td></tr>\n",
			        c->enum_type->labels[l], l);
		fprintf(out, "  </table>>];\n");
		fprintf(
		    out,
		    "  %s:%s_r:e -> enum_%s:w [style=dashed, arrowhead=open, label=\"one of\"];\n",
		    m->tablename, c->name, c->enum_type->name);
	}
}

void erd_write(FILE *out, const char *title, const orm_model *const *models, size_t nmodels)
{
	fprintf(out, "// %s\n", title);
	fprintf(out, "// Generated by tests/book/erd from the chapter program's models:\n");
	fprintf(out, "// ./workbook book --update rewrites it. Do not edit.\n");
	fprintf(out, "digraph erd {\n");
	fprintf(out,
	        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, label=\"%s\", "
	        "labelloc=t];\n",
	        title);
	fprintf(out, "  node [shape=plain, fontname=\"Helvetica\", fontsize=11];\n");
	fprintf(out, "  edge [fontname=\"Helvetica\", fontsize=10];\n");
	for (size_t i = 0; i < nmodels; i++)
		write_table(out, models[i]);
	for (size_t i = 0; i < nmodels; i++)
		write_foreign_keys(out, models, nmodels, models[i]);
	for (size_t i = 0; i < nmodels; i++)
		write_enums(out, models[i]);
	fprintf(out, "}\n");
}
