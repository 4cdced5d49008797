#!/bin/sh
# fails_as_shipped.sh PROGRAM - passes when an exercise's test, built from the exercise as
# shipped, fails the way an unsolved exercise should: its own assertions fail, and nothing else
# goes wrong. ctest runs it for every exercise (cmake/Workbook.cmake, the ex<ID>.shipped tests).
#
# A plain non-zero exit is not enough: a crash, a setup that could not run, a test that exits
# in the middle (a database that cannot be reached) or a sanitizer report would all "fail"
# too, and a check that passes on any of them could never fail. So it asks for all of:
#   - cmocka ran to its end: its "[==========] N test(s) run." summary is there;
#   - at least one test failed an assertion: cmocka's "[  FAILED  ]" line, with the
#     "error: Failure!" line it prints at the failing check;
#   - no test crashed ("Test failed with exception"), no setup or teardown failed ("Could not
#     run test", "[  ERROR   ] name"), and no sanitizer report is in the output;
#   - the exit status is cmocka's count of failures (1 to 76): not a signal, not 77.
# Exit status 77 (the test was skipped: no PostgreSQL server was given) is passed on, so
# ctest reports a skip. Leaks are not looked for here: a failed assertion jumps out of the
# test and may leave memory behind, which says nothing about the exercise.
program=$1
[ -n "$program" ] || {
	echo "usage: fails_as_shipped.sh PROGRAM" >&2
	exit 2
}
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
out=$("$program" 2>&1)
status=$?
printf '%s\n' "$out"
echo "---"
if [ $status -eq 77 ]; then
	echo "fails_as_shipped: skipped (exit status 77)"
	exit 77
fi
bad() {
	echo "fails_as_shipped: the exercise as shipped must fail its test's assertions, but $*"
	exit 1
}
[ $status -ne 0 ] || bad "its test passed"
[ $status -lt 77 ] || bad "it stopped with exit status $status (a crash or a signal)"
printf '%s\n' "$out" | grep -q 'Test failed with exception' && bad "a test crashed"
printf '%s\n' "$out" | grep -q -e 'Could not run test' -e 'Test setup failed' \
	-e 'Test teardown failed' -e '^\[  ERROR   \] [^-]' && bad "a setup or teardown failed"
printf '%s\n' "$out" | grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' &&
	bad "a sanitizer reported an error"
printf '%s\n' "$out" | grep -q '^\[==========\] [0-9]* test(s) run\.' ||
	bad "cmocka did not run to its end (the program exited in the middle, exit status $status)"
printf '%s\n' "$out" | grep -q '^\[  FAILED  \] ' || bad "no test reports a failure"
printf '%s\n' "$out" | grep -q 'error: Failure!' || bad "no assertion failed"
echo "fails_as_shipped: as expected, $status test(s) failed their assertions"
exit 0
