/*
 * migrate_args.h - the arguments of `migrate upgrade` and `migrate downgrade` (chapter 7):
 *
 *     [--sql] REV        REV is head, heads, base, +N, -N, an id or a unique prefix of one
 *     --sql FROM:TO      offline, from FROM (assumed to be the database's) to TO
 *
 * Read apart from migrate.c's main() so that a test and a fuzzer (fuzz/revision_fuzz.c) can
 * call it with any argv. What REV means is the library's to say (orm_migrate_upgrade).
 */
#ifndef CH07_MIGRATE_ARGS_H
#define CH07_MIGRATE_ARGS_H

#include <stdbool.h>

typedef struct migrate_target {
	bool sql;           /* --sql: print the SQL instead of running it */
	const char *target; /* REV, or TO of a range: borrowed from argv */
	bool has_from;      /* a FROM:TO range was given */
	char from[128];     /* FROM (may be empty), cut short at 127 bytes */
} migrate_target;

/*
 * Reads upgrade's (`up`) or downgrade's arguments into *out. Returns NULL, or the usage
 * error: one line, a static string.
 */
const char *migrate_parse_target(migrate_target *out, bool up, int argc, char **argv);

#endif
