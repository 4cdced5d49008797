/*
 * replay.c - runs a fuzz target on every file of its corpus, without libFuzzer (issue 10).
 *
 *     fuzz_url_replay DIR|FILE...
 *
 * Linked with one target's source (fuzz/<name>_fuzz.c), whose LLVMFuzzerTestOneInput it calls
 * once per file, in name order. Built by the normal gcc build (fuzz/replay.cmake), so every
 * test run, under the sanitizers too, replays each corpus: the seeds and every crash found by
 * `./workbook fuzz` and added to fuzz/corpus/<name>/. A target reports a failed property by
 * aborting, which fails the test. An empty corpus fails too: it would check nothing.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replayed;

static void replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		exit(1);
	}
	/* An exact-size copy, so AddressSanitizer sees a read past its end. */
	if (!(data = malloc(size ? (size_t)size : 1)) ||
	    fread(data, 1, (size_t)size, f) != (size_t)size) {
		perror(path);
		exit(1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	replayed++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void replay(const char *path)
{
	struct dirent **entries;
	struct stat st;
	int n;

	if (stat(path, &st) != 0) {
		perror(path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	if ((n = scandir(path, &entries, NULL, by_name)) < 0) {
		perror(path);
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		if (entries[i]->d_name[0] != '.') {
			char *full = malloc(strlen(path) + strlen(entries[i]->d_name) + 2);

			if (!full)
				exit(1);
			sprintf(full, "%s/%s", path, entries[i]->d_name);
			replay(full);
			free(full);
		}
		free(entries[i]);
	}
	free(entries);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		replay(argv[i]);
	printf("%d inputs replayed\n", replayed);
	return replayed > 0 ? 0 : 1;
}
