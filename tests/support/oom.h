/*
 * oom.h - out-of-memory tests: an allocator that fails one chosen
 * allocation.
 *
 * The library routes every allocation through orm_set_allocator() (see
 * orm/alloc.h). An out-of-memory test runs a scenario again and again,
 * failing allocation 1, then 2, then 3, ... until a run gets through
 * without reaching the failing one. Each run must end in ORM_ENOMEM from
 * the step that hit it, then clean up; AddressSanitizer reports anything
 * left behind.
 *
 *     for (long n = 1;; n++) {
 *             oom_start(n);
 *             scenario();            // stops at the first oom_failed()
 *             if (oom_stop() == 0)
 *                     break;         // nothing failed: every allocation had its turn
 *     }
 */
#ifndef ORM_TEST_OOM_H
#define ORM_TEST_OOM_H

#include <stdbool.h>

/* Installs the allocator, failing allocation number `fail_at` counted
 * from this call (0 fails none). */
void oom_start(long fail_at);

/* Restores the C library's allocator; returns how many allocations were
 * failed since oom_start() (0 or 1). */
int oom_stop(void);

/* The allocation being failed, for messages. */
long oom_fail_at(void);

/*
 * Judges a step's return code: false when the step succeeded; true when
 * it failed with ORM_ENOMEM (the scenario should stop and clean up). Any
 * other failure fails the test, naming the step and the message.
 */
bool oom_failed(int rc, const char *step);

#endif
