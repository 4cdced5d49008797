/*
 * naming.c - naming conventions: constraint and index names from
 * templates such as "ix_%(column_0_label)s", SQLAlchemy's
 * MetaData(naming_convention=...) (its sql/naming.py).
 *
 * Introduced in chapter 3 (the index name ix_users_email) and used again
 * in chapter 7, where a constraint needs a name to be dropped. The
 * metadata checks each template when it is made (orm_naming_check); ddl.c
 * renders a name for each constraint and index (orm_naming_render). A
 * template is literal text with %(token)s tokens; "%%" is a '%'.
 */
#include <stdbool.h>
#include <string.h>

#include "schema_internal.h"

/* The %(...)s tokens SQLAlchemy's naming conventions know, that make
 * sense here. */
typedef enum token {
	TOKEN_UNKNOWN,
	TOKEN_TABLE_NAME,
	TOKEN_CONSTRAINT_NAME,
	TOKEN_REFERRED_TABLE_NAME,
	TOKEN_REFERRED_COLUMN_0_NAME,
	TOKEN_COLUMN_0,  /* column_0_name, column_0_key */
	TOKEN_COLUMN_0N, /* column_0N_name: every column, no separator */
	TOKEN_COLUMN_0_N /* column_0_N_name: every column, '_' between */
} token;

static token classify(const char *t, size_t len, bool *label)
{
	static const struct {
		const char *text;
		token kind;
		bool label;
	} known[] = {
	    {"table_name", TOKEN_TABLE_NAME, false},
	    {"constraint_name", TOKEN_CONSTRAINT_NAME, false},
	    {"referred_table_name", TOKEN_REFERRED_TABLE_NAME, false},
	    {"referred_column_0_name", TOKEN_REFERRED_COLUMN_0_NAME, false},
	    {"column_0_name", TOKEN_COLUMN_0, false},
	    {"column_0_key", TOKEN_COLUMN_0, false},
	    {"column_0_label", TOKEN_COLUMN_0, true},
	    {"column_0N_name", TOKEN_COLUMN_0N, false},
	    {"column_0N_key", TOKEN_COLUMN_0N, false},
	    {"column_0N_label", TOKEN_COLUMN_0N, true},
	    {"column_0_N_name", TOKEN_COLUMN_0_N, false},
	    {"column_0_N_key", TOKEN_COLUMN_0_N, false},
	    {"column_0_N_label", TOKEN_COLUMN_0_N, true},
	};

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strlen(known[i].text) == len && memcmp(known[i].text, t, len) == 0) {
			*label = known[i].label;
			return known[i].kind;
		}
	return TOKEN_UNKNOWN;
}

/*
 * Walks a template: literal text goes to `out` (if not NULL), each token
 * to `fn`. "%%" is a literal '%'. ORM_EINVAL for a malformed '%'.
 */
static int walk_template(const char *tpl, orm_buf *out,
                         int (*fn)(token kind, bool label, const char *t, size_t len, void *ctx),
                         void *ctx, orm_err *err, const char *what)
{
	const char *p = tpl;
	int rc;

	while (*p) {
		const char *end;
		bool label = false;

		if (*p != '%') {
			if (out)
				orm_buf_putc(out, *p);
			p++;
			continue;
		}
		if (p[1] == '%') {
			if (out)
				orm_buf_putc(out, '%');
			p += 2;
			continue;
		}
		if (p[1] != '(' || !(end = strstr(p + 2, ")s")))
			return orm_err_set(
			    err, ORM_EINVAL,
			    "naming convention %s '%s': '%%' must start a %%(token)s", what, tpl);
		if ((rc = fn(classify(p + 2, (size_t)(end - p - 2), &label), label, p + 2,
		             (size_t)(end - p - 2), ctx)) < 0)
			return rc;
		p = end + 2;
	}
	return ORM_OK;
}

struct check_ctx {
	const char *tpl, *kind;
	orm_err *err;
};

static int check_token(token kind, bool label, const char *t, size_t len, void *ctx)
{
	struct check_ctx *c = ctx;

	(void)label;
	if (kind == TOKEN_UNKNOWN)
		return orm_err_set(c->err, ORM_EINVAL,
		                   "naming convention %s '%s': unknown token %%(%.*s)s", c->kind,
		                   c->tpl, (int)len, t);
	return ORM_OK;
}

int orm_naming_check(const char *template_, const char *kind, orm_err *err)
{
	struct check_ctx ctx = {template_, kind, err};

	if (!template_)
		return ORM_OK;
	if (!*template_)
		return orm_err_set(err, ORM_EINVAL,
		                   "naming convention %s is empty (use NULL for none)", kind);
	return walk_template(template_, NULL, check_token, &ctx, err, kind);
}

struct render_ctx {
	orm_buf *out;
	const char *tpl;
	const orm_model *model;
	const orm_column *const *columns;
	size_t ncolumns;
	const orm_model *referred;
	const orm_column *referred_column;
	const char *name;
	orm_err *err;
};

static void put_column(struct render_ctx *c, size_t i, bool label)
{
	if (label) {
		orm_buf_puts(c->out, c->model->tablename);
		orm_buf_putc(c->out, '_');
	}
	orm_buf_puts(c->out, c->columns[i]->name);
}

static int render_token(token kind, bool label, const char *t, size_t len, void *ctx)
{
	struct render_ctx *c = ctx;

	switch (kind) {
	case TOKEN_TABLE_NAME:
		orm_buf_puts(c->out, c->model->tablename);
		return ORM_OK;
	case TOKEN_CONSTRAINT_NAME:
		if (!c->name)
			return orm_err_set(
			    c->err, ORM_EINVAL,
			    "table '%s': naming convention '%s' needs %%(constraint_name)s, "
			    "but the constraint has no name",
			    c->model->tablename, c->tpl);
		orm_buf_puts(c->out, c->name);
		return ORM_OK;
	case TOKEN_REFERRED_TABLE_NAME:
	case TOKEN_REFERRED_COLUMN_0_NAME:
		if (!c->referred)
			break;
		orm_buf_puts(c->out, kind == TOKEN_REFERRED_TABLE_NAME ? c->referred->tablename
		                                                       : c->referred_column->name);
		return ORM_OK;
	case TOKEN_COLUMN_0:
		if (c->ncolumns == 0)
			break;
		put_column(c, 0, label);
		return ORM_OK;
	case TOKEN_COLUMN_0N:
	case TOKEN_COLUMN_0_N:
		if (c->ncolumns == 0)
			break;
		for (size_t i = 0; i < c->ncolumns; i++) {
			if (i > 0 && kind == TOKEN_COLUMN_0_N)
				orm_buf_putc(c->out, '_');
			put_column(c, i, label);
		}
		return ORM_OK;
	case TOKEN_UNKNOWN:
		break;
	}
	return orm_err_set(c->err, ORM_EINVAL,
	                   "table '%s': naming convention '%s': %%(%.*s)s has no value for this "
	                   "constraint",
	                   c->model->tablename, c->tpl, (int)len, t);
}

int orm_naming_render(orm_buf *out, const char *template_, const orm_model *model,
                      const orm_column *const *columns, size_t ncolumns, const orm_model *referred,
                      const orm_column *referred_column, const char *name, orm_err *err)
{
	struct render_ctx ctx = {out,      template_,       model, columns, ncolumns,
	                         referred, referred_column, name,  err};

	return walk_template(template_, out, render_token, &ctx, err, "template");
}
