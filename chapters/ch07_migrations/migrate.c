/*
 * migrate.c - the command behind `./workbook migrate`: Alembic's verbs in C.
 *
 * Chapter 7 (BOOK.md, "Chapter 7 - Migrations"). It knows the revisions in
 * versions/ (versions.h, collected by the build) and the application's
 * models (app_models.h), and does what `alembic VERB` does:
 *
 *     migrate [--url URL] upgrade [--sql] REV | FROM:TO
 *     migrate [--url URL] downgrade [--sql] REV | FROM:TO
 *     migrate [--url URL] current
 *     migrate history [--verbose] [--graph]
 *     migrate heads
 *     migrate show REV
 *     migrate [--url URL] stamp REV
 *     migrate [--url URL] revision -m MSG [--autogenerate]
 *     migrate merge REV REV -m MSG
 *     migrate [--url URL] check
 *
 * REV is head, heads, base, +N, -N, a revision id or a unique prefix of
 * one. The URL is --url, else ORM_DATABASE_URL, else sqlite:///migrate.db.
 * Exit status: 0, 1 for an error (or `check` finding differences), 2 for
 * bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_models.h"
#include "migrate_args.h"
#include "orm/autogenerate.h"
#include "orm/migration.h"
#include "orm/orm.h"
#include "versions.h"

#ifndef CH07_VERSIONS_DIR
#define CH07_VERSIONS_DIR "versions"
#endif

static const char usage[] =
    "usage: migrate [--url URL] [--versions DIR] [--sql] VERB ...\n"
    "  upgrade [--sql] REV|FROM:TO     run revisions up to REV (head, heads, +N, an id)\n"
    "  downgrade [--sql] REV|FROM:TO   run downgrades to REV (base, -N, an id)\n"
    "  current                         the database's revision(s)\n"
    "  history [--verbose] [--graph]   every revision, newest first (--graph: Graphviz dot)\n"
    "  heads                           the revisions nothing follows\n"
    "  show REV                        one revision\n"
    "  stamp REV                       set the database's revision without running any\n"
    "  revision -m MSG [--autogenerate]  write a new revision file\n"
    "  merge REV REV -m MSG            write a revision joining two heads\n"
    "  check                           exit 1 when the models and the database differ\n";

static int fail(const char *what, const char *message)
{
	fprintf(stderr, "error: %s: %s\n", what, message);
	return 1;
}

static int usage_error(const char *message)
{
	fprintf(stderr, "migrate: %s\n%s", message, usage);
	return 2;
}

/* A fresh revision id: 12 hex digits, like Alembic's uuid4()[-12:]. */
static void new_id(char id[13])
{
	unsigned char bytes[6] = {0};
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(bytes, 1, sizeof bytes, f) != sizeof bytes) {
		unsigned long t = (unsigned long)time(NULL) ^ (unsigned long)clock();
		for (int i = 0; i < 6; i++)
			bytes[i] = (unsigned char)(t >> (i * 5));
	}
	if (f)
		fclose(f);
	for (int i = 0; i < 6; i++)
		snprintf(id + 2 * i, 3, "%02x", bytes[i]);
}

/* "add location to events" -> "add_location_to_events" */
static void slug(char *out, size_t size, const char *message)
{
	size_t n = 0;

	for (const char *p = message; *p && n + 1 < size && n < 40; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[n++] = c;
		else if (n > 0 && out[n - 1] != '_')
			out[n++] = '_';
	}
	while (n > 0 && out[n - 1] == '_')
		n--;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "revision");
}

/* Writes `text` to DIR/<id>_<slug>.c, refusing to overwrite. */
static int write_revision(const char *dir, const char *id, const char *message, const char *text)
{
	char name[64], path[4096];
	FILE *f;

	slug(name, sizeof name, message);
	snprintf(path, sizeof path, "%s/%s_%s.c", dir, id, name);
	if (!(f = fopen(path, "wx")))
		return fail("revision", "cannot create the file (does the directory exist?)");
	if (fputs(text, f) == EOF || fclose(f) != 0) {
		remove(path);
		return fail("revision", "cannot write the file");
	}
	printf("Generating %s ...  done\n", path);
	return 0;
}

static void now(char *out, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Whether the database is at the head(s) (Alembic refuses to autogenerate
 * or check otherwise: "Target database is not up to date."). */
static int up_to_date(bool *out, orm_revisions *revs, orm_engine *engine)
{
	char **current;
	size_t ncurrent, nheads;
	const orm_revision *const *heads = orm_revisions_heads(revs, &nheads);
	int rc = orm_migrate_current(&current, &ncurrent, revs, engine);

	if (rc < 0)
		return rc;
	*out = ncurrent == nheads;
	for (size_t i = 0; i < nheads && *out; i++) {
		bool found = false;
		for (size_t j = 0; j < ncurrent; j++)
			found = found || strcmp(current[j], heads[i]->id) == 0;
		*out = found;
	}
	orm_migrate_current_free(current, ncurrent);
	return ORM_OK;
}

/* The models compared with the database, for check and autogenerate. */
static int compare(orm_autogen **out, orm_revisions *revs, orm_engine *engine)
{
	orm_metadata *md = NULL;
	bool current;
	int rc;

	*out = NULL;
	if ((rc = up_to_date(&current, revs, engine)) < 0)
		return fail("reading the version table", orm_revisions_errmsg(revs));
	if (!current)
		return fail("check", "Target database is not up to date.");
	if ((rc = orm_metadata_new(&md, NULL)) < 0 || (rc = ch07_register_models(md)) < 0) {
		orm_metadata_free(md);
		return fail("models", orm_error_last());
	}
	rc = orm_autogen_compare(out, md, engine);
	orm_metadata_free(md);
	if (rc < 0)
		return fail("autogenerate", orm_error_last());
	return 0;
}

static int cmd_revision(orm_revisions *revs, orm_engine *engine, const char *dir,
                        const char *message, bool autogenerate)
{
	orm_autogen *diff = NULL;
	orm_autogen_file file = {0};
	size_t nheads;
	const orm_revision *const *heads = orm_revisions_heads(revs, &nheads);
	const orm_revision *head = nheads == 1 ? heads[0] : NULL;
	char id[13], date[32], *text = NULL;
	int status;

	if (nheads > 1)
		return fail("revision", "Multiple heads are present; please specify the head "
		                        "revision on which the new revision should be based, or "
		                        "perform a merge.");
	if (autogenerate && (status = compare(&diff, revs, engine)) != 0) {
		orm_autogen_free(diff);
		return status;
	}
	new_id(id);
	now(date, sizeof date);
	file = (orm_autogen_file){id, head ? head->id : NULL, NULL, message, date};
	if (diff) {
		orm_autogen_describe(stdout, diff);
		if (orm_autogen_count(diff) == 0)
			printf("No changes in schema detected.\n");
	}
	if (orm_autogen_write(&text, diff, &file) < 0) {
		orm_autogen_free(diff);
		return fail("revision", orm_error_last());
	}
	status = write_revision(dir, id, message, text);
	orm_free(text);
	orm_autogen_free(diff);
	return status;
}

static int cmd_merge(orm_revisions *revs, const char *dir, const char *a, const char *b,
                     const char *message)
{
	const orm_revision *ra, *rb;
	orm_autogen_file file;
	char id[13], date[32], *text = NULL;
	int status;

	if (orm_revisions_resolve(&ra, revs, a) < 0 || orm_revisions_resolve(&rb, revs, b) < 0)
		return fail("merge", orm_revisions_errmsg(revs));
	if (!ra || !rb || ra == rb)
		return fail("merge", "name two different revisions to merge");
	new_id(id);
	now(date, sizeof date);
	file = (orm_autogen_file){id, ra->id, rb->id, message, date};
	if (orm_autogen_write(&text, NULL, &file) < 0)
		return fail("merge", orm_error_last());
	status = write_revision(dir, id, message, text);
	orm_free(text);
	return status;
}

static void show(const orm_revisions *revs, const orm_revision *rev)
{
	size_t nheads;
	const orm_revision *const *heads = orm_revisions_heads(revs, &nheads);
	bool head = false;

	for (size_t i = 0; i < nheads; i++)
		head = head || heads[i] == rev;
	printf("Rev: %s%s\n", rev->id, head ? " (head)" : "");
	printf("Parent: %s%s%s\n", rev->down_revision ? rev->down_revision : "<base>",
	       rev->down_revision2 ? ", " : "", rev->down_revision2 ? rev->down_revision2 : "");
	printf("Create Date: %s\n\n    %s\n", rev->create_date, rev->message);
}

/* upgrade/downgrade [--sql] REV|FROM:TO (read by migrate_args.c) */
static int cmd_migrate(orm_revisions *revs, orm_engine *engine, bool up, bool sql, int argc,
                       char **argv)
{
	orm_migrate_options opts = ORM_MIGRATE_OPTIONS_INIT;
	migrate_target t;
	const char *bad = migrate_parse_target(&t, up, argc, argv);
	int rc;

	/* `migrate --sql upgrade ...` as well as `migrate upgrade --sql ...`, as alembic takes both */
	if (bad && sql && !t.sql && argc < 8) {
		char *with_sql[8];

		with_sql[0] = "--sql";
		for (int k = 0; k < argc; k++)
			with_sql[k + 1] = argv[k];
		bad = migrate_parse_target(&t, up, argc + 1, with_sql);
	}
	if (bad)
		return usage_error(bad);
	opts.sql = t.sql || sql;
	opts.from = t.has_from ? t.from : NULL;
	opts.verbose = true;
	rc = up ? orm_migrate_upgrade(revs, engine, t.target, &opts)
	        : orm_migrate_downgrade(revs, engine, t.target, &opts);
	return rc < 0 ? fail(up ? "upgrade" : "downgrade", orm_revisions_errmsg(revs)) : 0;
}

int main(int argc, char **argv)
{
	const char *url = getenv("ORM_DATABASE_URL"), *dir = CH07_VERSIONS_DIR;
	orm_revisions *revs = NULL;
	orm_engine *engine = NULL;
	const orm_revision *rev;
	int i = 1, status = 0;
	bool sql = false;
	char bad_option[160];

	if (!url || !*url)
		url = "sqlite:///migrate.db";
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--versions") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--sql") == 0)
			sql = true;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else {
			snprintf(bad_option, sizeof bad_option, "unknown option '%.100s'%s",
			         argv[i],
			         strcmp(argv[i], "--url") == 0 || strcmp(argv[i], "--versions") == 0
			             ? " (it needs a value)"
			             : "");
			return usage_error(bad_option);
		}
	}
	if (i == argc)
		return usage_error("which verb?");
	if (orm_revisions_new(&revs, ch07_revisions, ch07_nrevisions) < 0) {
		status = fail("the revisions in versions/", orm_revisions_errmsg(revs));
		goto done;
	}
	if (orm_create_engine(&engine, url, NULL) < 0) {
		status = fail("--url", orm_error_last());
		goto done;
	}

	const char *verb = argv[i++];
	int nargs = argc - i;
	char **args = argv + i;

	if (strcmp(verb, "upgrade") == 0 || strcmp(verb, "downgrade") == 0) {
		status = cmd_migrate(revs, engine, verb[0] == 'u', sql, nargs, args);
	} else if (strcmp(verb, "current") == 0) {
		char **current;
		size_t n;
		if (orm_migrate_current(&current, &n, revs, engine) < 0) {
			status = fail("current", orm_revisions_errmsg(revs));
			goto done;
		}
		for (size_t k = 0; k < n; k++) {
			size_t nheads;
			const orm_revision *const *heads = orm_revisions_heads(revs, &nheads);
			bool head = false;
			for (size_t h = 0; h < nheads; h++)
				head = head || strcmp(heads[h]->id, current[k]) == 0;
			printf("%s%s\n", current[k], head ? " (head)" : "");
		}
		orm_migrate_current_free(current, n);
	} else if (strcmp(verb, "history") == 0) {
		bool verbose = false, graph = false;
		for (int k = 0; k < nargs; k++) {
			if (strcmp(args[k], "--verbose") == 0 || strcmp(args[k], "-v") == 0)
				verbose = true;
			else if (strcmp(args[k], "--graph") == 0)
				graph = true;
			else {
				status = usage_error("history takes --verbose or --graph");
				goto done;
			}
		}
		if (graph)
			orm_revisions_graph(stdout, revs);
		else
			orm_revisions_history(stdout, revs, verbose);
	} else if (strcmp(verb, "heads") == 0) {
		size_t n;
		const orm_revision *const *heads = orm_revisions_heads(revs, &n);
		for (size_t k = 0; k < n; k++)
			printf("%s (head)\n", heads[k]->id);
	} else if (strcmp(verb, "show") == 0) {
		if (nargs != 1) {
			status = usage_error("show: which revision?");
			goto done;
		}
		if (orm_revisions_resolve(&rev, revs, args[0]) < 0) {
			status = fail("show", orm_revisions_errmsg(revs));
			goto done;
		}
		if (!rev) {
			status = fail("show", "base is not a revision");
			goto done;
		}
		show(revs, rev);
	} else if (strcmp(verb, "stamp") == 0) {
		if (nargs != 1) {
			status = usage_error("stamp: which revision?");
			goto done;
		}
		if (orm_migrate_stamp(revs, engine, args[0]) < 0)
			status = fail("stamp", orm_revisions_errmsg(revs));
	} else if (strcmp(verb, "revision") == 0 || strcmp(verb, "merge") == 0) {
		const char *message = NULL, *a = NULL, *b = NULL;
		bool autogenerate = false;
		for (int k = 0; k < nargs; k++) {
			if (strcmp(args[k], "-m") == 0 && k + 1 < nargs)
				message = args[++k];
			else if (strcmp(args[k], "--autogenerate") == 0 && verb[0] == 'r')
				autogenerate = true;
			else if (verb[0] == 'm' && !a)
				a = args[k];
			else if (verb[0] == 'm' && !b)
				b = args[k];
			else {
				status = usage_error("unknown argument");
				goto done;
			}
		}
		if (!message) {
			status = usage_error("a revision needs a message: -m MSG");
			goto done;
		}
		if (verb[0] == 'r')
			status = cmd_revision(revs, engine, dir, message, autogenerate);
		else if (!a || !b)
			status =
			    usage_error("merge: which two revisions? e.g. merge heads... REV REV");
		else
			status = cmd_merge(revs, dir, a, b, message);
	} else if (strcmp(verb, "check") == 0) {
		orm_autogen *diff = NULL;
		if ((status = compare(&diff, revs, engine)) == 0) {
			if (orm_autogen_count(diff) > 0) {
				orm_autogen_describe(stdout, diff);
				printf("New upgrade operations detected.\n");
				status = 1;
			} else {
				printf("No new upgrade operations detected.\n");
			}
		}
		orm_autogen_free(diff);
	} else {
		fprintf(stderr, "migrate: unknown verb '%s'\n%s", verb, usage);
		status = 2;
	}
done:
	orm_engine_free(engine);
	orm_revisions_free(revs);
	return status;
}
