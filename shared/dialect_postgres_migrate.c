/*
 * dialect_postgres_migrate.c - PostgreSQL's half of migrations (chapter 7).
 *
 * PostgreSQL alters columns, constraints and enum types in place, and has
 * transactional DDL: the whole migration is one transaction, and an
 * advisory lock taken at its start (held until COMMIT or ROLLBACK) keeps
 * two migrations apart. Reflection reads pg_catalog: the tables, columns,
 * indexes and constraints of the current schema, and its enum types with
 * their labels in order.
 */
#include <string.h>

#include "dialect.h"
#include "migrate_dialect.h"

/* Any constant will do, as long as every migration uses the same one:
 * "alembic" in ASCII. */
#define MIGRATION_LOCK "SELECT pg_advisory_xact_lock(418464885093)"

static void pg_alter_column(orm_buf *out, const char *table, const char *column,
                            const orm_alter_column *c)
{
	if (c->type) {
		orm_buf_printf(out, "ALTER TABLE %s ALTER COLUMN %s TYPE ", table, column);
		orm_dialect_postgres.column_type(out, c->type, false);
		orm_buf_printf(out, " USING %s::", column);
		orm_dialect_postgres.column_type(out, c->type, false);
		orm_buf_puts(out, ";\n");
	}
	if (c->nullable)
		orm_buf_printf(out, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;\n", table, column,
		               c->nullable == ORM_NULLABLE_NO ? "SET" : "DROP");
	if (c->server_default)
		orm_buf_printf(out, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n", table,
		               column, c->server_default);
	else if (c->drop_server_default)
		orm_buf_printf(out, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n", table,
		               column);
	if (c->new_name)
		orm_buf_printf(out, "ALTER TABLE %s RENAME COLUMN %s TO %s;\n", table, column,
		               c->new_name);
}

static void put_label(orm_buf *out, const char *label)
{
	orm_buf_putc(out, '\'');
	for (; *label; label++) {
		if (*label == '\'')
			orm_buf_putc(out, '\'');
		orm_buf_putc(out, *label);
	}
	orm_buf_putc(out, '\'');
}

/*
 * New labels at the end are ALTER TYPE ... ADD VALUE, which keeps the
 * type and every row. A label removed or moved cannot be done in place:
 * the type is rebuilt - renamed aside, created anew, the column cast
 * across through text (a row holding a removed label makes the cast
 * fail, and the migration with it), the old type dropped.
 */
static void pg_alter_enum(orm_buf *out, const char *table, const char *column, const orm_enum *from,
                          const orm_enum *to)
{
	bool appends = to->nlabels >= from->nlabels;

	for (size_t i = 0; appends && i < from->nlabels; i++)
		appends = strcmp(from->labels[i], to->labels[i]) == 0;
	if (appends) {
		for (size_t i = from->nlabels; i < to->nlabels; i++) {
			orm_buf_printf(out, "ALTER TYPE %s ADD VALUE ", to->name);
			put_label(out, to->labels[i]);
			orm_buf_puts(out, ";\n");
		}
		return;
	}
	orm_buf_printf(out, "ALTER TYPE %s RENAME TO %s_old;\n", to->name, to->name);
	orm_buf_printf(out, "CREATE TYPE %s AS ENUM (", to->name);
	for (size_t i = 0; i < to->nlabels; i++) {
		if (i > 0)
			orm_buf_puts(out, ", ");
		put_label(out, to->labels[i]);
	}
	orm_buf_puts(out, ");\n");
	orm_buf_printf(out, "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text::%s;\n", table,
	               column, to->name, column, to->name);
	orm_buf_printf(out, "DROP TYPE %s_old;\n", to->name);
}

static int pg_type_in_use(bool *out, orm_conn *conn, const char *name, orm_err *err)
{
	orm_value p = orm_text(name);
	orm_result *res;
	int rc;

	if ((rc = orm_conn_execute(&res, conn,
	                           "SELECT a.attname FROM pg_catalog.pg_attribute a"
	                           " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
	                           " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
	                           " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
	                           " WHERE t.typname = ? AND n.nspname = current_schema()"
	                           " AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
	                           &p, 1)) < 0)
		return orm_err_set(err, rc, "enum type '%s': %s", name, orm_conn_errmsg(conn));
	rc = orm_result_next(res);
	orm_result_free(res);
	if (rc < 0)
		return orm_err_set(err, rc, "enum type '%s': %s", name, orm_conn_errmsg(conn));
	*out = rc == ORM_ROW;
	return ORM_OK;
}

/* format_type()'s words as CREATE TABLE writes them here. */
static void normal_type(char *out, size_t size, const char *t)
{
	static const struct {
		const char *pg, *ours;
	} names[] = {
	    {"integer", "INTEGER"},
	    {"bigint", "BIGINT"},
	    {"text", "TEXT"},
	    {"boolean", "BOOLEAN"},
	    {"double precision", "FLOAT"},
	    {"date", "DATE"},
	    {"timestamp without time zone", "TIMESTAMP WITHOUT TIME ZONE"},
	    {"character varying", "VARCHAR"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i].pg);
		if (strncmp(t, names[i].pg, n) == 0 && (t[n] == '\0' || t[n] == '(')) {
			snprintf(out, size, "%s%s", names[i].ours, t + n);
			return;
		}
	}
	snprintf(out, size, "%s", t);
}

static int fail(orm_err *err, int rc, orm_conn *conn)
{
	return rc == ORM_ENOMEM ? orm_err_set(err, rc, "reflection: out of memory")
	                        : orm_err_set(err, rc, "%s", orm_conn_errmsg(conn));
}

/* The table's columns, in order, with their types as CREATE TABLE writes
 * them and their defaults (but not SERIAL's sequence). */
static int reflect_columns(orm_refl_table *t, orm_conn *conn, orm_err *err)
{
	orm_value p = orm_text(t->name);
	orm_result *res;
	int rc;

	if ((rc = orm_conn_execute(&res, conn,
	                           "SELECT a.attname, format_type(a.atttypid, a.atttypmod),"
	                           " a.attnotnull, pg_get_expr(d.adbin, d.adrelid)"
	                           " FROM pg_catalog.pg_attribute a"
	                           " LEFT JOIN pg_catalog.pg_attrdef d"
	                           " ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
	                           " WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0"
	                           " AND NOT a.attisdropped ORDER BY a.attnum",
	                           &p, 1)) < 0)
		return fail(err, rc, conn);
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		char type[128];
		const char *def = orm_result_is_null(res, 3) ? NULL : orm_result_text(res, 3);

		normal_type(type, sizeof type, orm_result_text(res, 1));
		if (def && strncmp(def, "nextval(", 8) == 0)
			def = NULL; /* SERIAL's sequence */
		if ((rc = orm_refl_add_column(t, orm_result_text(res, 0), type,
		                              !orm_result_bool(res, 2), def, err)) < 0)
			break;
	}
	orm_result_free(res);
	return rc < 0 ? fail(err, rc, conn) : ORM_OK;
}

/* Its indexes that are not a constraint's own (primary key, UNIQUE). */
static int reflect_indexes(orm_refl_table *t, orm_conn *conn, orm_err *err)
{
	orm_value p = orm_text(t->name);
	orm_result *res;
	int rc;

	if ((rc = orm_conn_execute(
	         &res, conn,
	         "SELECT i.relname, ix.indisunique,"
	         " (SELECT string_agg(a.attname, ', ' ORDER BY k.n)"
	         "  FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n)"
	         "  JOIN pg_catalog.pg_attribute a"
	         "  ON a.attrelid = ix.indrelid AND a.attnum = k.attnum)"
	         " FROM pg_catalog.pg_index ix JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid"
	         " WHERE ix.indrelid = CAST(? AS regclass) AND NOT ix.indisprimary"
	         " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c"
	         "  WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u'))"
	         " ORDER BY i.relname",
	         &p, 1)) < 0)
		return fail(err, rc, conn);
	while ((rc = orm_result_next(res)) == ORM_ROW)
		if ((rc = orm_refl_add_constraint(t, ORM_REFL_INDEX, orm_result_text(res, 0),
		                                  orm_result_bool(res, 1), orm_result_text(res, 2),
		                                  NULL, NULL, err)) < 0)
			break;
	orm_result_free(res);
	return rc < 0 ? fail(err, rc, conn) : ORM_OK;
}

/* Its UNIQUE, FOREIGN KEY and CHECK constraints, by name. */
static int reflect_constraints(orm_refl_table *t, orm_conn *conn, orm_err *err)
{
	orm_value p = orm_text(t->name);
	orm_result *res;
	int rc;

	if ((rc = orm_conn_execute(
	         &res, conn,
	         "SELECT c.conname, c.contype,"
	         " (SELECT string_agg(a.attname, ', ' ORDER BY k.n)"
	         "  FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)"
	         "  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),"
	         " CASE WHEN c.contype = 'f' THEN c.confrelid::regclass::text || ' (' ||"
	         "  (SELECT string_agg(a.attname, ', ' ORDER BY k.n)"
	         "   FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)"
	         "   JOIN pg_catalog.pg_attribute a"
	         "   ON a.attrelid = c.confrelid AND a.attnum = k.attnum) || ')' END,"
	         " pg_get_constraintdef(c.oid)"
	         " FROM pg_catalog.pg_constraint c"
	         " WHERE c.conrelid = CAST(? AS regclass) AND c.contype IN ('u', 'f', 'c')"
	         " ORDER BY c.conname",
	         &p, 1)) < 0)
		return fail(err, rc, conn);
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		const char *kind = orm_result_text(res, 1);
		orm_refl_kind k = kind[0] == 'u'   ? ORM_REFL_UNIQUE
		                  : kind[0] == 'f' ? ORM_REFL_FOREIGN
		                                   : ORM_REFL_CHECK;
		char check[512] = "";
		if (k == ORM_REFL_CHECK) {
			/* "CHECK ((x > 0))" -> "x > 0" */
			const char *def = orm_result_text(res, 4);
			size_t n = strlen(def);
			if (n > 10 && strncmp(def, "CHECK ((", 8) == 0)
				snprintf(check, sizeof check, "%.*s", (int)(n - 10), def + 8);
			else
				snprintf(check, sizeof check, "%s", def);
		}
		if ((rc = orm_refl_add_constraint(
		         t, k, orm_result_text(res, 0), false, orm_result_text(res, 2),
		         orm_result_is_null(res, 3) ? NULL : orm_result_text(res, 3),
		         k == ORM_REFL_CHECK ? check : NULL, err)) < 0)
			break;
	}
	orm_result_free(res);
	return rc < 0 ? fail(err, rc, conn) : ORM_OK;
}

static int reflect_table(orm_refl_table *t, orm_conn *conn, orm_err *err)
{
	int rc;

	if ((rc = reflect_columns(t, conn, err)) < 0 || (rc = reflect_indexes(t, conn, err)) < 0)
		return rc;
	return reflect_constraints(t, conn, err);
}

static int pg_reflect(orm_reflection *r, orm_conn *conn, orm_err *err)
{
	orm_result *res;
	int rc;

	if ((rc = orm_conn_execute(&res, conn,
	                           "SELECT c.relname FROM pg_catalog.pg_class c"
	                           " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	                           " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
	                           " AND c.relname <> 'alembic_version' ORDER BY c.relname",
	                           NULL, 0)) < 0)
		return fail(err, rc, conn);
	while ((rc = orm_result_next(res)) == ORM_ROW)
		if ((rc = orm_refl_add_table(r, orm_result_text(res, 0), err)) < 0)
			break;
	orm_result_free(res);
	if (rc < 0)
		return fail(err, rc, conn);
	for (size_t i = 0; i < r->ntables; i++)
		if ((rc = reflect_table(&r->tables[i], conn, err)) < 0)
			return rc;

	if ((rc = orm_conn_execute(&res, conn,
	                           "SELECT t.typname, e.enumlabel FROM pg_catalog.pg_type t"
	                           " JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid"
	                           " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
	                           " WHERE n.nspname = current_schema()"
	                           " ORDER BY t.typname, e.enumsortorder",
	                           NULL, 0)) < 0)
		return fail(err, rc, conn);
	while ((rc = orm_result_next(res)) == ORM_ROW) {
		const char *name = orm_result_text(res, 0);
		if ((r->nenums == 0 || strcmp(r->enums[r->nenums - 1].name, name) != 0) &&
		    (rc = orm_refl_add_enum(r, name, err)) < 0)
			break;
		if ((rc = orm_refl_add_label(&r->enums[r->nenums - 1], orm_result_text(res, 1),
		                             err)) < 0)
			break;
	}
	orm_result_free(res);
	return rc < 0 ? fail(err, rc, conn) : ORM_OK;
}

const orm_migrate_dialect orm_migrate_postgres = {
    .before_sql = NULL,
    .after_sql = NULL,
    .fk_state_sql = NULL,
    .begin_sql = "BEGIN",
    .lock_sql = MIGRATION_LOCK,
    .check_sql = NULL,
    .insert_version_suffix = " RETURNING alembic_version.version_num",
    .batch = false,
    .alter_column = pg_alter_column,
    .alter_enum = pg_alter_enum,
    .table_sql = NULL,
    .type_in_use = pg_type_in_use,
    .reflect = pg_reflect,
};
