/*
 * fuzz.h - what every fuzz target defines (issue 10): libFuzzer's entry point, called with
 * one input at a time. A target checks its properties and calls fuzz_fail() when one does
 * not hold; libFuzzer, or replay.c, reports the abort as a failure with the input.
 */
#ifndef ORM_FUZZ_H
#define ORM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints what went wrong, then aborts. */
#define fuzz_fail(...)                                     \
	do {                                               \
		fprintf(stderr, "fuzz property failed: "); \
		fprintf(stderr, __VA_ARGS__);              \
		fputc('\n', stderr);                       \
		abort();                                   \
	} while (0)

#endif
