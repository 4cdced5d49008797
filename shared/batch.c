/*
 * batch.c - SQLite's batch mode: changing a table by moving and copying it.
 *
 * Introduced in chapter 7. SQLite's ALTER TABLE can add a column and
 * rename things, little else: a column's type, its NOT NULL or DEFAULT, a
 * constraint added or dropped all need the table built again. Batch mode
 * (Alembic's batch_alter_table) does it the way SQLite's documentation
 * says to:
 *
 *     CREATE TABLE _alembic_tmp_events (... the new definition ...);
 *     INSERT INTO _alembic_tmp_events (id, title) SELECT id, title FROM events;
 *     DROP TABLE events;
 *     ALTER TABLE _alembic_tmp_events RENAME TO events;
 *     CREATE INDEX ix_events_title ON events (title);   -- each index again
 *
 * inside the migration's transaction, with foreign keys switched off for
 * its length and checked before COMMIT (the runner does both).
 *
 * The new definition is the table's own CREATE TABLE text, as
 * sqlite_master keeps it, split into its items and edited: the columns and
 * constraints nobody touched are copied character for character, so a
 * CHECK without a name survives (Alembic's batch mode rebuilds the table
 * from reflection and loses it: its issue #1846).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ddl.h"
#include "migration_internal.h"

/* ---- splitting a CREATE TABLE --------------------------------------- */

/*
 * Runs one statement of a migration, or prints it offline (see
 * migration_internal.h). Every operation uses it; it lives here, in the
 * lowest of the migration files, so that batch mode needs nothing from the
 * operations that call it (migration_op.c): calls go one way.
 */
int orm_op_run(orm_op *op, const char *what, const char *sql)
{
	int rc;

	if (!op->conn) {
		fprintf(op->out, "%s;\n\n", sql);
		return ORM_OK;
	}
	if ((rc = orm_conn_execute(NULL, op->conn, sql, NULL, 0)) < 0)
		return orm_err_set(&op->err, rc, "%s: %s", what, orm_conn_errmsg(op->conn));
	return ORM_OK;
}

void orm_sql_items_free(char **items, size_t count)
{
	for (size_t i = 0; i < count; i++)
		orm_free(items[i]);
	orm_free(items);
}

static int push_item(char ***items, size_t *count, size_t *cap, const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		char **p = orm_realloc(*items, ncap * sizeof *p);
		if (!p)
			return ORM_ENOMEM;
		*items = p;
		*cap = ncap;
	}
	if (!((*items)[*count] = orm_malloc(len + 1)))
		return ORM_ENOMEM;
	memcpy((*items)[*count], s, len);
	(*items)[*count][len] = '\0';
	(*count)++;
	return ORM_OK;
}

/* Skips a quoted name or literal starting at p; returns the end. */
static const char *skip_quoted(const char *p)
{
	char close = *p == '[' ? ']' : *p;

	for (p++; *p; p++)
		if (*p == close) {
			if (p[1] == close && close != ']')
				p++;
			else
				return p;
		}
	return p - 1;
}

int orm_sql_split_items(char ***items, size_t *count, const char *sql, orm_err *err)
{
	const char *open = strchr(sql, '('), *start, *p;
	size_t cap = 0;
	int depth = 0, rc = ORM_OK;

	*items = NULL;
	*count = 0;
	if (!open)
		return orm_err_set(err, ORM_EINVAL, "cannot read the table definition '%.60s'",
		                   sql);
	for (p = start = open + 1; *p; p++) {
		if (*p == '\'' || *p == '"' || *p == '`' || *p == '[') {
			p = skip_quoted(p);
			if (!*p)
				break;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && depth > 0) {
			depth--;
		} else if ((*p == ',' && depth == 0) || (*p == ')' && depth == 0)) {
			if ((rc = push_item(items, count, &cap, start, (size_t)(p - start))) < 0)
				break;
			if (*p == ')')
				return ORM_OK;
			start = p + 1;
		}
	}
	orm_sql_items_free(*items, *count);
	*items = NULL;
	*count = 0;
	if (rc == ORM_ENOMEM)
		return orm_err_set(err, rc, "out of memory reading a table definition");
	return orm_err_set(err, ORM_EINVAL, "cannot read the table definition '%.60s'", sql);
}

/* Whether `s` starts with the word `w` (any case), followed by a non-word. */
static bool starts_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	return strncasecmp(s, w, n) == 0 && !isalnum((unsigned char)s[n]) && s[n] != '_';
}

bool orm_sql_item_is_constraint(const char *item)
{
	return starts_word(item, "CONSTRAINT") || starts_word(item, "PRIMARY") ||
	       starts_word(item, "UNIQUE") || starts_word(item, "CHECK") ||
	       starts_word(item, "FOREIGN");
}

/* The word at s (a name, maybe quoted) into a new string; *end after it. */
static char *read_name(const char *s, const char **end)
{
	const char *e;
	char *name;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '"' || *s == '`' || *s == '[') {
		e = skip_quoted(s);
		s++;
	} else {
		for (e = s; *e && (isalnum((unsigned char)*e) || *e == '_'); e++)
			;
	}
	if (e == s)
		return NULL;
	if (end)
		*end = *e && (*e == '"' || *e == '`' || *e == ']') ? e + 1 : e;
	if (!(name = orm_malloc((size_t)(e - s) + 1)))
		return NULL;
	memcpy(name, s, (size_t)(e - s));
	name[e - s] = '\0';
	return name;
}

char *orm_sql_item_name(const char *item)
{
	if (starts_word(item, "CONSTRAINT"))
		return read_name(item + strlen("CONSTRAINT"), NULL);
	if (orm_sql_item_is_constraint(item))
		return NULL;
	return read_name(item, NULL);
}

/* Whether the word `w` occurs in `s` as a whole word, outside quotes. */
static const char *find_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			p = skip_quoted(p);
			if (!*p)
				break;
			continue;
		}
		if ((p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
		    strncasecmp(p, w, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_')
			return p;
	}
	return NULL;
}

/* ---- the batch ------------------------------------------------------- */

/* One item of the new definition; a column also says where its rows
 * come from (the old column's name, NULL for a new column). */
typedef struct batch_item {
	char *text;
	char *column; /* NULL for a constraint */
	char *source;
} batch_item;

struct orm_batch {
	char *table;
	batch_item *items;
	size_t nitems, cap;
	char **indexes; /* CREATE INDEX texts */
	size_t nindexes;
	bool changed;
};

const char *orm_batch_table(const orm_batch *b)
{
	return b->table;
}

void orm_batch_free(orm_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nitems; i++) {
		orm_free(b->items[i].text);
		orm_free(b->items[i].column);
		orm_free(b->items[i].source);
	}
	orm_free(b->items);
	orm_sql_items_free(b->indexes, b->nindexes);
	orm_free(b->table);
	orm_free(b);
}

static int add_item(orm_batch *b, char *text, char *column, char *source)
{
	if (b->nitems == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 8;
		batch_item *p = orm_realloc(b->items, ncap * sizeof *p);
		if (!p)
			return ORM_ENOMEM;
		b->items = p;
		b->cap = ncap;
	}
	b->items[b->nitems++] = (batch_item){text, column, source};
	return ORM_OK;
}

int orm_batch_load(orm_batch **out, orm_op *op, const char *table)
{
	orm_batch *b = NULL;
	char *create = NULL, **items = NULL;
	size_t nitems = 0;
	int rc;

	*out = NULL;
	if (!op->conn)
		return orm_err_set(&op->err, ORM_EINVAL,
		                   "batch mode on '%s' needs the database: SQLite rebuilds the "
		                   "table from its definition, which offline (--sql) cannot read",
		                   table);
	if (!(b = orm_calloc(1, sizeof *b)) || !(b->table = orm_strdup(table)))
		goto nomem;
	if ((rc = op->m->table_sql(&create, &b->indexes, &b->nindexes, op->conn, table, &op->err)) <
	        0 ||
	    (rc = orm_sql_split_items(&items, &nitems, create, &op->err)) < 0)
		goto done;
	for (size_t i = 0; i < nitems; i++) {
		char *column = NULL, *source = NULL;

		if (!orm_sql_item_is_constraint(items[i])) {
			if (!(column = orm_sql_item_name(items[i])) ||
			    !(source = orm_strdup(column))) {
				orm_free(column);
				goto nomem;
			}
		}
		if (add_item(b, items[i], column, source) < 0) {
			orm_free(column);
			orm_free(source);
			goto nomem;
		}
		items[i] = NULL; /* now the batch's */
	}
	rc = ORM_OK;
	goto done;
nomem:
	rc = orm_err_set(&op->err, ORM_ENOMEM, "batch mode on '%s': out of memory", table);
done:
	orm_sql_items_free(items, nitems);
	orm_free(create);
	if (rc < 0)
		orm_batch_free(b);
	else
		*out = b;
	return rc;
}

static batch_item *find_column(orm_batch *b, const char *column)
{
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].column && strcasecmp(b->items[i].column, column) == 0)
			return &b->items[i];
	return NULL;
}

static int no_column(orm_batch *b, const char *column, orm_err *err)
{
	return orm_err_set(err, ORM_ENOTFOUND, "table '%s' has no column '%s'", b->table, column);
}

/* Whether an index's column list (after ON t) names `column`. */
static bool index_uses(const char *index_sql, const char *column)
{
	const char *on = find_word(index_sql, "ON");
	const char *paren = on ? strchr(on, '(') : NULL;

	return paren && find_word(paren, column);
}

int orm_batch_drop_column(orm_batch *b, const char *column, orm_err *err)
{
	batch_item *item = find_column(b, column);
	size_t keep = 0;

	if (!item)
		return no_column(b, column, err);
	/* A table constraint over the column cannot stay; say so rather than
	 * drop it quietly. */
	for (size_t i = 0; i < b->nitems; i++)
		if (!b->items[i].column && find_word(b->items[i].text, column))
			return orm_err_set(
			    err, ORM_EINVAL,
			    "drop_column %s.%s: the constraint '%s' uses it: drop that "
			    "first",
			    b->table, column, b->items[i].text);
	orm_free(item->text);
	orm_free(item->column);
	orm_free(item->source);
	memmove(item, item + 1, (size_t)(&b->items[b->nitems] - (item + 1)) * sizeof *item);
	b->nitems--;
	/* Indexes over the column go with it. */
	for (size_t i = 0; i < b->nindexes; i++) {
		if (index_uses(b->indexes[i], column))
			orm_free(b->indexes[i]);
		else
			b->indexes[keep++] = b->indexes[i];
	}
	b->nindexes = keep;
	b->changed = true;
	return ORM_OK;
}

/* Removes [start, start+len) from the string *s. */
static void cut(char *s, size_t start, size_t len)
{
	memmove(s + start, s + start + len, strlen(s + start + len) + 1);
}

/* Where a column definition's constraints start (after name and type). */
static size_t type_end(const char *text)
{
	static const char *const words[] = {"NOT",     "NULL",     "DEFAULT",    "PRIMARY",
	                                    "UNIQUE",  "CHECK",    "REFERENCES", "CONSTRAINT",
	                                    "COLLATE", "GENERATED"};
	const char *after;
	size_t best;
	char *name = read_name(text, &after);

	orm_free(name);
	best = strlen(text);
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		const char *w = find_word(after, words[i]);
		if (w && (size_t)(w - text) < best)
			best = (size_t)(w - text);
	}
	return best;
}

/* Removes "DEFAULT <value>" from a column definition. */
static void remove_default(char *text)
{
	char *d = (char *)find_word(text, "DEFAULT");
	char *p;

	if (!d)
		return;
	p = d + strlen("DEFAULT");
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\'') {
		p = (char *)skip_quoted(p) + 1;
	} else if (*p == '(') {
		int depth = 0;
		for (; *p; p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	} else {
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	while (d > text && isspace((unsigned char)d[-1]))
		d--;
	cut(text, (size_t)(d - text), (size_t)(p - d));
}

static int replace_text(batch_item *item, orm_buf *b, orm_err *err)
{
	char *text;

	if (b->failed || !(text = orm_buf_detach(b))) {
		orm_buf_free(b);
		return orm_err_set(err, ORM_ENOMEM, "batch mode: out of memory");
	}
	orm_free(item->text);
	item->text = text;
	return ORM_OK;
}

int orm_batch_alter_column(orm_batch *b, const orm_dialect *d, const char *column,
                           const orm_alter_column *changes, orm_err *err)
{
	batch_item *item = find_column(b, column);
	orm_buf nb = ORM_BUF_INIT;
	const char *after;
	char *name;
	int rc;

	if (!item)
		return no_column(b, column, err);
	if (changes->drop_server_default || changes->server_default)
		remove_default(item->text);
	if (changes->nullable == ORM_NULLABLE_YES) {
		const char *n = find_word(item->text, "NOT");
		if (n && starts_word(n + 3 + strspn(n + 3, " \t"), "NULL")) {
			size_t start = (size_t)(n - item->text);
			size_t len = 3 + strspn(n + 3, " \t") + 4;
			while (start > 0 && isspace((unsigned char)item->text[start - 1]))
				start--, len++;
			cut(item->text, start, len);
		}
	}
	/* Rebuild: name, type, the rest, then what is added. */
	if (!(name = read_name(item->text, &after)))
		return orm_err_set(err, ORM_ENOMEM, "batch mode: out of memory");
	orm_buf_puts(&nb, changes->new_name ? changes->new_name : name);
	orm_free(name);
	if (changes->type) {
		size_t end = type_end(item->text);
		orm_buf_putc(&nb, ' ');
		d->column_type(&nb, changes->type, false);
		orm_buf_puts(&nb, item->text + end - (end > 0 && item->text[end - 1] == ' '));
	} else {
		orm_buf_puts(&nb, after);
	}
	if (changes->server_default)
		orm_buf_printf(&nb, " DEFAULT %s", changes->server_default);
	if (changes->nullable == ORM_NULLABLE_NO && !find_word(orm_buf_cstr(&nb), "NOT"))
		orm_buf_puts(&nb, " NOT NULL");
	if ((rc = replace_text(item, &nb, err)) < 0)
		return rc;
	if (changes->new_name) {
		char *n = orm_strdup(changes->new_name);
		if (!n)
			return orm_err_set(err, ORM_ENOMEM, "batch mode: out of memory");
		orm_free(item->column);
		item->column = n;
	}
	b->changed = true;
	return ORM_OK;
}

int orm_batch_add_constraint(orm_batch *b, const char *definition, orm_err *err)
{
	char *text = orm_strdup(definition);

	if (!text || add_item(b, text, NULL, NULL) < 0) {
		orm_free(text);
		return orm_err_set(err, ORM_ENOMEM, "batch mode: out of memory");
	}
	b->changed = true;
	return ORM_OK;
}

int orm_batch_add_index(orm_batch *b, const char *sql, orm_err *err)
{
	char **grown = orm_realloc(b->indexes, (b->nindexes + 1) * sizeof *grown);

	if (grown)
		b->indexes = grown;
	if (!grown || !(b->indexes[b->nindexes] = orm_strdup(sql)))
		return orm_err_set(err, ORM_ENOMEM, "batch mode: out of memory");
	b->nindexes++;
	b->changed = true;
	return ORM_OK;
}

int orm_batch_drop_constraint(orm_batch *b, const char *name, orm_err *err)
{
	for (size_t i = 0; i < b->nitems; i++) {
		char *have;
		bool match;

		if (b->items[i].column || !starts_word(b->items[i].text, "CONSTRAINT"))
			continue;
		have = orm_sql_item_name(b->items[i].text);
		match = have && strcasecmp(have, name) == 0;
		orm_free(have);
		if (match) {
			orm_free(b->items[i].text);
			memmove(&b->items[i], &b->items[i + 1],
			        (b->nitems - i - 1) * sizeof b->items[0]);
			b->nitems--;
			b->changed = true;
			return ORM_OK;
		}
	}
	/* A unique index is SQLite's other way to say UNIQUE. */
	for (size_t i = 0; i < b->nindexes; i++) {
		const char *after = b->indexes[i] + strlen("CREATE ");
		char *have;
		bool match;

		if (starts_word(after, "UNIQUE"))
			after += strlen("UNIQUE ");
		after += strlen("INDEX ");
		have = read_name(after, NULL);
		match = have && strcasecmp(have, name) == 0;
		orm_free(have);
		if (match) {
			orm_free(b->indexes[i]);
			b->indexes[i] = b->indexes[--b->nindexes];
			b->changed = true;
			return ORM_OK;
		}
	}
	return orm_err_set(err, ORM_ENOTFOUND, "table '%s' has no constraint named '%s'", b->table,
	                   name);
}

int orm_batch_set_enum(orm_batch *b, const char *column, const orm_enum *to, orm_err *err)
{
	batch_item *item = find_column(b, column);
	orm_column type = {.name = column, .type = ORM_ENUM, .enum_type = to};
	orm_alter_column changes = ORM_ALTER_COLUMN_INIT;
	orm_buf check = ORM_BUF_INIT;
	int rc;

	if (!item)
		return no_column(b, column, err);
	/* The enum's CHECK is named after the enum (SQLAlchemy's way). */
	if ((rc = orm_batch_drop_constraint(b, to->name, err)) < 0)
		return orm_err_set(err, rc,
		                   "table '%s' has no CHECK named '%s' for enum column '%s'",
		                   b->table, to->name, column);
	changes.type = &type;
	if ((rc = orm_batch_alter_column(b, &orm_dialect_sqlite, column, &changes, err)) < 0)
		return rc;
	orm_buf_printf(&check, "CONSTRAINT %s CHECK (%s IN (", to->name, column);
	orm_ddl_enum_labels(&check, to);
	orm_buf_puts(&check, "))");
	rc = check.failed ? orm_err_set(err, ORM_ENOMEM, "batch mode: out of memory")
	                  : orm_batch_add_constraint(b, orm_buf_cstr(&check), err);
	orm_buf_free(&check);
	return rc;
}

/* ---- the rebuild ----------------------------------------------------- */

int orm_batch_run(orm_op *op, orm_batch *b)
{
	orm_buf sql = ORM_BUF_INIT, cols = ORM_BUF_INIT, from = ORM_BUF_INIT;
	char what[160];
	int rc = ORM_OK;

	if (!b->changed)
		return ORM_OK;
	snprintf(what, sizeof what, "batch mode on '%s'", b->table);
	orm_buf_printf(&sql, "CREATE TABLE _alembic_tmp_%s (", b->table);
	for (size_t i = 0; i < b->nitems; i++) {
		orm_buf_puts(&sql, i > 0 ? ", \n\t" : "\n\t");
		orm_buf_puts(&sql, b->items[i].text);
		if (!b->items[i].column || !b->items[i].source)
			continue;
		orm_buf_puts(&cols, cols.len ? ", " : "");
		orm_buf_puts(&cols, b->items[i].column);
		orm_buf_puts(&from, from.len ? ", " : "");
		orm_buf_puts(&from, b->items[i].source);
	}
	orm_buf_puts(&sql, "\n)");
	if (sql.failed || cols.failed || from.failed) {
		rc = orm_err_set(&op->err, ORM_ENOMEM, "%s: out of memory", what);
		goto done;
	}
	if ((rc = orm_op_run(op, what, orm_buf_cstr(&sql))) < 0)
		goto done;
	orm_buf_reset(&sql);
	orm_buf_printf(&sql, "INSERT INTO _alembic_tmp_%s (%s) SELECT %s FROM %s", b->table,
	               orm_buf_cstr(&cols), orm_buf_cstr(&from), b->table);
	if ((rc = orm_op_run(op, what, orm_buf_cstr(&sql))) < 0)
		goto done;
	orm_buf_reset(&sql);
	orm_buf_printf(&sql, "DROP TABLE %s", b->table);
	if ((rc = orm_op_run(op, what, orm_buf_cstr(&sql))) < 0)
		goto done;
	orm_buf_reset(&sql);
	orm_buf_printf(&sql, "ALTER TABLE _alembic_tmp_%s RENAME TO %s", b->table, b->table);
	if ((rc = orm_op_run(op, what, orm_buf_cstr(&sql))) < 0)
		goto done;
	for (size_t i = 0; i < b->nindexes && rc == ORM_OK; i++)
		rc = orm_op_run(op, what, b->indexes[i]);
done:
	orm_buf_free(&sql);
	orm_buf_free(&cols);
	orm_buf_free(&from);
	return rc;
}
