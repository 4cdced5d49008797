/*
 * revision_fuzz.c - fuzzes chapter 7's revisions and REV arguments (shared/revision.c, the
 * REV handling of shared/migrate.c, and `migrate upgrade|downgrade`'s argument reading in
 * chapters/ch07_migrations/migrate_args.c; issue 10).
 *
 * An input is a revision graph, a line "--", then commands, one a line, words split on
 * spaces:
 *
 *     ID [PARENT [PARENT2]]    a revision ("-" for no parent): ids need not be well formed,
 *     ...                      parents need not exist, the graph may have cycles
 *     --
 *     upgrade ARGS...          migrate's upgrade: [--sql] REV|FROM:TO, run offline (--sql)
 *     downgrade ARGS...        or on an in-memory SQLite database, made for each input
 *     stamp REV                stamp that database
 *     resolve REV              orm_revisions_resolve alone
 *
 * The revisions' upgrades and downgrades do nothing: what is fuzzed is the graph and which
 * revisions a REV selects. For any input: nothing crashes, leaks or overflows; a graph is
 * accepted or refused with a one-line message naming the revision at fault; and every
 * command that fails says so in one line that names the value at fault (the REV, its FROM,
 * or the revision it resolved to).
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "migrate_args.h"
#include "orm/migration.h"
#include "orm/orm.h"

#define MAX_REVISIONS 16
#define MAX_WORDS     8

static FILE *devnull;

static int nothing(orm_op *op)
{
	(void)op;
	return ORM_OK;
}

static char *next_line(char **at, char *end)
{
	char *line = *at, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	if (!nl)
		nl = end;
	*nl = '\0';
	*at = nl + 1;
	return line;
}

static int split_words(char **words, char *line)
{
	int n = 0;

	for (char *w = strtok(line, " "); w && n < MAX_WORDS; w = strtok(NULL, " "))
		words[n++] = w;
	return n;
}

static void check_message(const char *what, const char *message)
{
	if (!message || !*message || strpbrk(message, "\n\r"))
		fuzz_fail("%s: the message is empty or not one line: '%s'", what,
		          message ? message : "(null)");
}

/* Whether `message` names `value`, or a revision id that `value` is a prefix of (the
 * revision it resolved to). Long values may be cut short by the message's size. */
static bool names(const char *message, const char *value, const orm_revisions *revs)
{
	size_t count, len = strlen(value);
	const orm_revision *const *all = revs ? orm_revisions_all(revs, &count) : NULL;
	char shown[61];

	if (len > 60)
		return true;
	/* Messages are one line: the library shows a tab or carriage return as a space. */
	for (size_t i = 0; i <= len; i++)
		shown[i] = value[i] == '\t' || value[i] == '\r' ? ' ' : value[i];
	if (strstr(message, shown))
		return true;
	if (!revs)
		return false;
	for (size_t i = 0; i < count; i++)
		if (len > 0 && strncmp(all[i]->id, value, len) == 0 && strstr(message, all[i]->id))
			return true;
	return false;
}

static void run_command(orm_revisions *revs, orm_engine **engine, char **words, int n)
{
	const char *verb = words[0], *bad;
	migrate_target t;
	const orm_revision *rev;
	int rc;

	if (strcmp(verb, "resolve") == 0 && n == 2) {
		if (orm_revisions_resolve(&rev, revs, words[1]) < 0) {
			check_message(words[1], orm_revisions_errmsg(revs));
			if (!names(orm_revisions_errmsg(revs), words[1], revs))
				fuzz_fail("resolve '%s': the message does not name it: %s",
				          words[1], orm_revisions_errmsg(revs));
		} else if (rev && strncmp(rev->id, words[1], strlen(words[1])) != 0 &&
		           strcmp(words[1], "head") != 0) {
			fuzz_fail("'%s' resolved to %s", words[1], rev->id);
		}
		return;
	}
	if (!*engine && orm_create_engine(engine, "sqlite:///:memory:", NULL) < 0)
		fuzz_fail("an in-memory engine: %s", orm_error_last());
	if (strcmp(verb, "stamp") == 0 && n == 2) {
		if (orm_migrate_stamp(revs, *engine, words[1]) < 0) {
			check_message(words[1], orm_revisions_errmsg(revs));
			if (!names(orm_revisions_errmsg(revs), words[1], revs))
				fuzz_fail("stamp '%s': the message does not name it: %s", words[1],
				          orm_revisions_errmsg(revs));
		}
		return;
	}
	if (strcmp(verb, "upgrade") != 0 && strcmp(verb, "downgrade") != 0)
		return;
	if ((bad = migrate_parse_target(&t, verb[0] == 'u', n - 1, words + 1))) {
		check_message(verb, bad);
		return;
	}
	orm_migrate_options opts = ORM_MIGRATE_OPTIONS_INIT;
	opts.sql = t.sql;
	opts.from = t.has_from ? t.from : NULL;
	opts.out = devnull;
	opts.verbose = true;
	rc = verb[0] == 'u' ? orm_migrate_upgrade(revs, *engine, t.target, &opts)
	                    : orm_migrate_downgrade(revs, *engine, t.target, &opts);
	if (rc < 0) {
		const char *message = orm_revisions_errmsg(revs);
		check_message(t.target, message);
		if (!names(message, t.target, revs) &&
		    !(t.has_from && names(message, t.from, revs)))
			fuzz_fail("%s '%s' (from '%s'): the message names neither: %s", verb,
			          t.target, t.from, message);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *at = text, *end = text + size, *line;
	orm_revision list[MAX_REVISIONS];
	const orm_revision *pointers[MAX_REVISIONS];
	size_t count = 0;
	orm_revisions *revs = NULL;
	orm_engine *engine = NULL;
	char *words[MAX_WORDS];
	int n;

	if (!text)
		return 0;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	while ((line = next_line(&at, end)) && strcmp(line, "--") != 0) {
		if (count == MAX_REVISIONS || (n = split_words(words, line)) == 0)
			continue;
		list[count] = (orm_revision){words[0],
		                             n > 1 && strcmp(words[1], "-") != 0 ? words[1] : NULL,
		                             n > 2 && strcmp(words[2], "-") != 0 ? words[2] : NULL,
		                             "a fuzzed revision",
		                             "2026-01-01 00:00:00",
		                             nothing,
		                             nothing};
		pointers[count] = &list[count];
		count++;
	}
	if (orm_revisions_new(&revs, pointers, count) < 0) {
		const char *message = revs ? orm_revisions_errmsg(revs) : orm_error_last();
		bool named = false;
		check_message("the revisions", message);
		for (size_t i = 0; i < count && !named; i++)
			named = names(message, list[i].id, NULL);
		if (!named)
			fuzz_fail("a refused graph: the message names no revision: %s", message);
		goto done;
	}
	while ((line = next_line(&at, end)))
		if ((n = split_words(words, line)) > 0)
			run_command(revs, &engine, words, n);
done:
	orm_engine_free(engine);
	orm_revisions_free(revs);
	free(text);
	return 0;
}
