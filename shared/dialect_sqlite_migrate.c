/*
 * dialect_sqlite_migrate.c - SQLite's half of migrations (chapter 7).
 *
 * What SQLite does its own way when a schema changes: it cannot alter a
 * column or a constraint in place, so those go through batch mode
 * (batch.c), with foreign keys off for the migration and checked before
 * COMMIT; its write lock is taken at BEGIN IMMEDIATE, which keeps two
 * migrations apart. Reflection reads sqlite_master and the PRAGMAs, and
 * the CREATE TABLE text itself for what the PRAGMAs do not tell (the
 * names of constraints, and CHECKs).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "dialect.h"
#include "migrate_dialect.h"

/* Runs `sql` with one text parameter and collects column 0 of each row. */
static int query_texts(char ***out, size_t *count, orm_conn *conn, const char *sql,
                       const char *param, orm_err *err)
{
	orm_value p = orm_text(param ? param : "");
	orm_result *res;
	char **list = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	*count = 0;
	if ((rc = orm_conn_execute(&res, conn, sql, param ? &p : NULL, param ? 1 : 0)) < 0)
		return orm_err_set(err, rc, "%s", orm_conn_errmsg(conn));
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		char **grown = orm_realloc(list, (n + 1) * sizeof *grown);
		const char *text = orm_result_text(res, 0);
		if (!grown || !(grown[n] = orm_strdup(text ? text : ""))) {
			if (grown)
				list = grown;
			rc = ORM_ENOMEM;
			break;
		}
		list = grown;
		n++;
	}
	orm_result_free(res);
	if (rc < 0) {
		orm_sql_items_free(list, n);
		return orm_err_set(err, rc, "reading the schema: %s",
		                   rc == ORM_ENOMEM ? "out of memory" : orm_conn_errmsg(conn));
	}
	*out = list;
	*count = n;
	return ORM_OK;
}

static int sqlite_table_sql(char **create, char ***indexes, size_t *nindexes, orm_conn *conn,
                            const char *table, orm_err *err)
{
	char **rows;
	size_t n;
	int rc;

	*create = NULL;
	if ((rc = query_texts(&rows, &n, conn,
	                      "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
	                      table, err)) < 0)
		return rc;
	if (n == 0) {
		orm_free(rows);
		return orm_err_set(err, ORM_ENOTFOUND, "no table '%s' in the database", table);
	}
	*create = rows[0];
	for (size_t i = 1; i < n; i++)
		orm_free(rows[i]);
	orm_free(rows);
	/* Indexes made by CREATE INDEX have their text; automatic ones
	 * (UNIQUE, PRIMARY KEY) come back with the table. */
	return query_texts(indexes, nindexes, conn,
	                   "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
	                   " AND sql IS NOT NULL ORDER BY name",
	                   table, err);
}

/* The names of the columns of an index, "a, b". */
static int index_columns(orm_buf *out, orm_conn *conn, const char *index, orm_err *err)
{
	char sql[300];
	orm_result *res;
	int rc;

	snprintf(sql, sizeof sql, "SELECT name FROM pragma_index_info('%s') ORDER BY seqno", index);
	if ((rc = orm_conn_execute(&res, conn, sql, NULL, 0)) < 0)
		return orm_err_set(err, rc, "%s", orm_conn_errmsg(conn));
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		orm_buf_puts(out, out->len ? ", " : "");
		orm_buf_puts(out, orm_result_text(res, 0));
	}
	orm_result_free(res);
	return rc < 0 ? orm_err_set(err, rc, "%s", orm_conn_errmsg(conn)) : ORM_OK;
}

/* The text between the first '(' after p and its ')'. */
static char *paren_text(const char *p)
{
	const char *open = strchr(p, '('), *q;
	int depth = 0;
	char *s;

	if (!open)
		return NULL;
	for (q = open; *q; q++) {
		if (*q == '(')
			depth++;
		else if (*q == ')' && --depth == 0)
			break;
	}
	if (!(s = orm_malloc((size_t)(q - open))))
		return NULL;
	memcpy(s, open + 1, (size_t)(q - open - 1));
	s[q - open - 1] = '\0';
	return s;
}

/* Table constraints from the CREATE TABLE text: UNIQUE and CHECK (named
 * or not). Foreign keys come from the PRAGMA, indexes from index_list. */
static int reflect_text_constraints(orm_refl_table *t, const char *create, orm_err *err)
{
	char **items;
	size_t n;
	int rc;

	if ((rc = orm_sql_split_items(&items, &n, create, err)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == ORM_OK; i++) {
		const char *p = items[i];
		char *name = NULL, *inner;

		if (!orm_sql_item_is_constraint(p))
			continue;
		if (strncasecmp(p, "CONSTRAINT", 10) == 0) {
			name = orm_sql_item_name(p);
			p += 10;
			while (isspace((unsigned char)*p))
				p++;
			p += name ? strlen(name) : 0;
			while (isspace((unsigned char)*p))
				p++;
		}
		if (name && strncasecmp(p, "FOREIGN", 7) == 0 && (inner = paren_text(p))) {
			/* PRAGMA foreign_key_list has no names: take this one's from
			 * the text, for the foreign key over the same columns. */
			for (size_t k = 0; k < t->nconstraints; k++) {
				orm_refl_constraint *c = &t->constraints[k];
				if (c->kind == ORM_REFL_FOREIGN && !c->name && c->columns &&
				    strcmp(c->columns, inner) == 0) {
					if (!(c->name = orm_strdup(name)))
						rc = orm_err_set(err, ORM_ENOMEM,
						                 "reflection: out of memory");
					break;
				}
			}
			orm_free(inner);
		} else if (strncasecmp(p, "CHECK", 5) == 0 || strncasecmp(p, "UNIQUE", 6) == 0) {
			bool check = strncasecmp(p, "CHECK", 5) == 0;
			if (!(inner = paren_text(p)))
				rc = orm_err_set(err, ORM_ENOMEM, "reflection: out of memory");
			else
				rc = orm_refl_add_constraint(
				    t, check ? ORM_REFL_CHECK : ORM_REFL_UNIQUE, name, false,
				    check ? NULL : inner, NULL, check ? inner : NULL, err);
			orm_free(inner);
		}
		orm_free(name);
	}
	orm_sql_items_free(items, n);
	return rc;
}

/* The end of a catalogue read: ORM_ENOMEM keeps the message the reflection
 * set, another failure is the connection's own. */
static int read_done(int rc, orm_conn *conn, orm_err *err)
{
	if (rc == ORM_ENOMEM)
		return rc;
	return rc < 0 ? orm_err_set(err, rc, "%s", orm_conn_errmsg(conn)) : ORM_OK;
}

/* The table's columns, in order (PRAGMA table_info), their types in
 * capitals. */
static int reflect_columns(orm_refl_table *t, orm_conn *conn, orm_err *err)
{
	orm_result *res;
	char sql[300];
	int rc;

	snprintf(sql, sizeof sql,
	         "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('%s')"
	         " ORDER BY cid",
	         t->name);
	if ((rc = orm_conn_execute(&res, conn, sql, NULL, 0)) < 0)
		return orm_err_set(err, rc, "%s", orm_conn_errmsg(conn));
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		char type[128];
		size_t k;
		snprintf(type, sizeof type, "%s", orm_result_text(res, 1));
		for (k = 0; type[k]; k++)
			type[k] = (char)toupper((unsigned char)type[k]);
		if ((rc = orm_refl_add_column(
		         t, orm_result_text(res, 0), type,
		         !orm_result_int(res, 2) && !orm_result_int(res, 4),
		         orm_result_is_null(res, 3) ? NULL : orm_result_text(res, 3), err)) < 0)
			break;
	}
	orm_result_free(res);
	return read_done(rc, conn, err);
}

/* Indexes made by CREATE INDEX (origin 'c'); UNIQUE constraints'
 * automatic indexes (origin 'u') are read from the text instead. */
static int reflect_indexes(orm_refl_table *t, orm_conn *conn, orm_err *err)
{
	char **names = NULL;
	bool *uniq = NULL;
	size_t n = 0;
	orm_result *res;
	char sql[300];
	int rc;

	snprintf(sql, sizeof sql,
	         "SELECT name, \"unique\" FROM pragma_index_list('%s') WHERE origin = 'c'"
	         " ORDER BY name",
	         t->name);
	if ((rc = orm_conn_execute(&res, conn, sql, NULL, 0)) < 0)
		return orm_err_set(err, rc, "%s", orm_conn_errmsg(conn));
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		char **gn = orm_realloc(names, (n + 1) * sizeof *gn);
		bool *gu;
		if (gn)
			names = gn;
		gu = gn ? orm_realloc(uniq, (n + 1) * sizeof *gu) : NULL;
		if (gu)
			uniq = gu;
		if (!gn || !gu || !(names[n] = orm_strdup(orm_result_text(res, 0)))) {
			rc = ORM_ENOMEM;
			break;
		}
		uniq[n++] = orm_result_int(res, 1) != 0;
	}
	orm_result_free(res);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		orm_buf cols = ORM_BUF_INIT;
		if ((rc = index_columns(&cols, conn, names[i], err)) == ORM_OK)
			rc = orm_refl_add_constraint(t, ORM_REFL_INDEX, names[i], uniq[i],
			                             orm_buf_cstr(&cols), NULL, NULL, err);
		orm_buf_free(&cols);
	}
	orm_sql_items_free(names, n);
	orm_free(uniq);
	if (rc == ORM_ENOMEM)
		return orm_err_set(err, rc, "reflection: out of memory");
	return rc < 0 ? rc : ORM_OK;
}

/* Foreign keys, from PRAGMA foreign_key_list (which has no names: those
 * come from the text, reflect_text_constraints). */
static int reflect_foreign_keys(orm_refl_table *t, orm_conn *conn, orm_err *err)
{
	orm_result *res;
	char sql[300];
	int rc;

	snprintf(sql, sizeof sql,
	         "SELECT id, \"from\", \"table\", \"to\" FROM pragma_foreign_key_list('%s')"
	         " ORDER BY id, seq",
	         t->name);
	if ((rc = orm_conn_execute(&res, conn, sql, NULL, 0)) < 0)
		return orm_err_set(err, rc, "%s", orm_conn_errmsg(conn));
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		orm_buf ref = ORM_BUF_INIT;
		orm_buf_printf(&ref, "%s (%s)", orm_result_text(res, 2), orm_result_text(res, 3));
		rc =
		    orm_refl_add_constraint(t, ORM_REFL_FOREIGN, NULL, false,
		                            orm_result_text(res, 1), orm_buf_cstr(&ref), NULL, err);
		orm_buf_free(&ref);
		if (rc < 0)
			break;
	}
	orm_result_free(res);
	return read_done(rc, conn, err);
}

static int reflect_table(orm_reflection *r, orm_conn *conn, const char *name, const char *create,
                         orm_err *err)
{
	orm_refl_table *t;
	int rc;

	if ((rc = orm_refl_add_table(r, name, err)) < 0)
		return rc;
	t = &r->tables[r->ntables - 1];
	if ((rc = reflect_columns(t, conn, err)) < 0 || (rc = reflect_indexes(t, conn, err)) < 0 ||
	    (rc = reflect_foreign_keys(t, conn, err)) < 0)
		return rc;
	return reflect_text_constraints(t, create, err);
}

static int sqlite_reflect(orm_reflection *r, orm_conn *conn, orm_err *err)
{
	orm_result *res;
	char **names = NULL, **sqls = NULL;
	size_t n = 0;
	int rc;

	if ((rc = orm_conn_execute(&res, conn,
	                           "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
	                           " AND name NOT LIKE 'sqlite_%' AND name <> 'alembic_version'"
	                           " ORDER BY name",
	                           NULL, 0)) < 0)
		return orm_err_set(err, rc, "%s", orm_conn_errmsg(conn));
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		char **gn = orm_realloc(names, (n + 1) * sizeof *gn), **gs;
		if (gn)
			names = gn;
		gs = gn ? orm_realloc(sqls, (n + 1) * sizeof *gs) : NULL;
		if (gs)
			sqls = gs;
		if (!gn || !gs || !(names[n] = orm_strdup(orm_result_text(res, 0)))) {
			rc = ORM_ENOMEM;
			break;
		}
		if (!(sqls[n] = orm_strdup(orm_result_text(res, 1)))) {
			orm_free(names[n]);
			rc = ORM_ENOMEM;
			break;
		}
		n++;
	}
	orm_result_free(res);
	if (rc == ORM_ENOMEM)
		rc = orm_err_set(err, rc, "reflection: out of memory");
	else if (rc < 0)
		rc = orm_err_set(err, rc, "%s", orm_conn_errmsg(conn));
	for (size_t i = 0; i < n && rc >= 0; i++)
		rc = reflect_table(r, conn, names[i], sqls[i], err);
	orm_sql_items_free(names, n);
	orm_sql_items_free(sqls, n);
	return rc < 0 ? rc : ORM_OK;
}

const orm_migrate_dialect orm_migrate_sqlite = {
    .before_sql = "PRAGMA foreign_keys = OFF",
    .after_sql = "PRAGMA foreign_keys = ON",
    .fk_state_sql = "PRAGMA foreign_keys",
    .begin_sql = "BEGIN IMMEDIATE",
    .lock_sql = NULL,
    .check_sql = "PRAGMA foreign_key_check",
    .insert_version_suffix = "",
    .batch = true,
    .alter_column = NULL,
    .alter_enum = NULL,
    .table_sql = sqlite_table_sql,
    .type_in_use = NULL,
    .reflect = sqlite_reflect,
};
