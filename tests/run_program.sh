#!/bin/sh
# run_program.sh - runs a chapter program and compares what it prints with
# the output kept with the chapter (chapters/<dir>/expected/).
#
#   sh tests/run_program.sh PROGRAM EXPECTED_DIR [RESET]
#
# ctest runs this twice per chapter program (see orm_chapter_program in
# cmake/Workbook.cmake), with ORM_TEST_DATABASE set:
#   sqlite    the program runs in a fresh temporary directory on
#             sqlite:///events.db; its output must equal EXPECTED_DIR/sqlite.txt
#   postgres  the program runs on ORM_TEST_POSTGRES_URL, emptied first by
#             the RESET program (tests/support/reset_db.c) so earlier tests'
#             tables cannot change what it prints; its output must equal
#             EXPECTED_DIR/postgres.txt. Without that variable the test is
#             skipped (exit 77), except under CI=true (exit 1).
# Output is stdout and stderr together (the echo goes to stderr), in order.
# On a difference it prints `diff -u expected actual` and exits 1.
#
# ORM_UPDATE_EXPECTED=1 writes the actual output to the expected file
# instead: that is how `./workbook book --update` regenerates them.
set -eu

if [ $# -ne 2 ] && [ $# -ne 3 ]; then
	echo "usage: run_program.sh PROGRAM EXPECTED_DIR [RESET]" >&2
	exit 2
fi
program=$1
expected_dir=$2
reset=${3:-}
database=${ORM_TEST_DATABASE:-sqlite}
case $program in
/*) ;;
*) program=$(pwd)/$program ;;
esac

case $database in
sqlite)
	url=sqlite:///events.db
	;;
postgres)
	if [ -z "${ORM_TEST_POSTGRES_URL:-}" ]; then
		echo "ORM_TEST_POSTGRES_URL is not set: no PostgreSQL server to run on" \
			"(./workbook test starts one)"
		if [ "${CI:-}" = "true" ]; then
			exit 1
		fi
		exit 77
	fi
	url=$ORM_TEST_POSTGRES_URL
	if [ -n "$reset" ]; then
		"$reset" || exit 1
	fi
	;;
*)
	echo "run_program.sh: ORM_TEST_DATABASE must be sqlite or postgres, not '$database'" >&2
	exit 2
	;;
esac
expected=$expected_dir/$database.txt

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
actual=$workdir/actual.txt

# The program's own exit code matters too: a crash must not pass just
# because the output up to it matched.
status=0
(cd "$workdir" && unset ORM_DATABASE_URL && exec "$program" "$url") >"$actual" 2>&1 || status=$?
if [ $status -ne 0 ]; then
	echo "exit status $status" >>"$actual"
fi

if [ "${ORM_UPDATE_EXPECTED:-}" = "1" ]; then
	if [ $status -ne 0 ]; then
		cat "$actual"
		echo "not updating $expected: the program failed"
		exit 1
	fi
	mkdir -p "$expected_dir"
	if ! cmp -s "$actual" "$expected" 2>/dev/null; then
		cp "$actual" "$expected"
		echo "updated $expected"
	fi
	exit 0
fi

if [ ! -f "$expected" ]; then
	echo "no expected output: $expected does not exist"
	echo "(ORM_UPDATE_EXPECTED=1 or ./workbook book --update creates it). The program printed:"
	cat "$actual"
	exit 1
fi

if ! diff -u --label "$expected" --label "actual output" "$expected" "$actual"; then
	echo "the output of $(basename "$program") differs from $expected (- expected, + actual)"
	exit 1
fi
