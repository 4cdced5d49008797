/*
 * migrate_args.c - reads `migrate upgrade|downgrade [--sql] REV|FROM:TO` (chapter 7). See
 * migrate_args.h.
 */
#include "migrate_args.h"

#include <stdio.h>
#include <string.h>

const char *migrate_parse_target(migrate_target *out, bool up, int argc, char **argv)
{
	const char *colon;

	memset(out, 0, sizeof *out);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--sql") == 0)
			out->sql = true;
		else if (!out->target)
			out->target = argv[i];
		else
			return "one revision, please";
	}
	if (!out->target)
		return up ? "upgrade: which revision? e.g. upgrade head"
		          : "downgrade: which revision? e.g. downgrade -1";
	if ((colon = strchr(out->target, ':'))) {
		if (!out->sql)
			return "FROM:TO ranges are for --sql only";
		snprintf(out->from, sizeof out->from, "%.*s", (int)(colon - out->target),
		         out->target);
		out->has_from = true;
		out->target = colon + 1;
	}
	return NULL;
}
