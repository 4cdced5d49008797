#!/bin/sh
# tour_sequence.sh - the chapter programs run one after another on ONE
# database, as `./workbook tour` runs them, and each prints exactly what its
# own test expects (chapters/<dir>/expected/): what a chapter leaves in the
# database must not change what a later chapter prints. Then the whole tour
# again on the same database after tour_reset, as a learner re-running
# `./workbook tour` gets it.
#
#   sh tests/tour_sequence.sh CHAPTERS_SRC CHAPTERS_BIN TOUR_RESET [RESET]
#
# ORM_TEST_DATABASE is sqlite or postgres, as for run_program.sh (RESET
# empties the PostgreSQL test database first).
set -eu

if [ $# -lt 3 ]; then
	echo "usage: tour_sequence.sh CHAPTERS_SRC CHAPTERS_BIN TOUR_RESET [RESET]" >&2
	exit 2
fi
src=$1
bin=$2
tour_reset=$3
reset=${4:-}
database=${ORM_TEST_DATABASE:-sqlite}

case $database in
sqlite) url=sqlite:///events.db ;;
postgres)
	if [ -z "${ORM_TEST_POSTGRES_URL:-}" ]; then
		echo "ORM_TEST_POSTGRES_URL is not set: no PostgreSQL server to run on" \
			"(./workbook test starts one)"
		[ "${CI:-}" = "true" ] && exit 1
		exit 77
	fi
	url=$ORM_TEST_POSTGRES_URL
	if [ -n "$reset" ]; then
		"$reset" || exit 1
	fi
	;;
*)
	echo "tour_sequence.sh: ORM_TEST_DATABASE must be sqlite or postgres, not '$database'" >&2
	exit 2
	;;
esac

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
failed=0
ran=0
for pass in 1 2; do
	if [ $pass -eq 2 ]; then
		(cd "$workdir" && "$tour_reset" "$url") >"$workdir/reset.txt" 2>&1 || {
			cat "$workdir/reset.txt"
			echo "tour_reset failed on $url"
			exit 1
		}
	fi
	for dir in "$src"/ch[0-9][0-9]_*/; do
		name=$(basename "$dir")
		program=$bin/$name/$name
		[ -x "$program" ] || continue
		expected=$dir/expected/$database.txt
		actual=$workdir/$name.txt
		status=0
		(cd "$workdir" && unset ORM_DATABASE_URL && exec "$program" "$url") >"$actual" 2>&1 ||
			status=$?
		[ $status -eq 0 ] || echo "exit status $status" >>"$actual"
		ran=$((ran + 1))
		if ! diff -u --label "$expected" --label "$name, pass $pass" "$expected" "$actual"; then
			echo "pass $pass: $name prints something else after the chapters before it" \
				"on the same database (- expected, + actual)"
			failed=1
		fi
	done
done
if [ $ran -lt 16 ]; then
	echo "only $ran chapter runs: expected the 8 chapter programs twice"
	exit 1
fi
exit $failed
