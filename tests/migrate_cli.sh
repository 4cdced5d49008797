#!/bin/sh
# migrate_cli.sh - `./workbook migrate`'s verbs, end to end (chapter 7).
#
#   sh tests/migrate_cli.sh MIGRATE RESET
#
# Runs the migrate program (chapters/ch07_migrations/migrate.c) on a fresh database -
# a temporary SQLite file, or ORM_TEST_POSTGRES_URL emptied by RESET - through every
# verb, checking exit codes and the lines that matter. Revision files are written to a
# temporary directory (--versions), never into the shipped versions/.
set -eu

migrate=$1
reset=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case ${ORM_TEST_DATABASE:-sqlite} in
sqlite) url=sqlite:///$work/app.db ;;
postgres)
	if [ -z "${ORM_TEST_POSTGRES_URL:-}" ]; then
		echo "ORM_TEST_POSTGRES_URL is not set: no PostgreSQL server to run on"
		[ "${CI:-}" = "true" ] && exit 1
		exit 77
	fi
	url=$ORM_TEST_POSTGRES_URL
	"$reset"
	;;
*) echo "ORM_TEST_DATABASE must be sqlite or postgres" >&2; exit 2 ;;
esac

failures=0
# expect STATUS TEXT -- ARGS...: runs migrate, checks its exit status and that its
# output (stdout and stderr) contains TEXT.
expect()
{
	want_status=$1 want_text=$2
	shift 3
	status=0
	"$migrate" --url "$url" --versions "$work" "$@" >"$work/out" 2>&1 || status=$?
	if [ "$status" -ne "$want_status" ] ||
		{ [ -n "$want_text" ] && ! grep -qF -- "$want_text" "$work/out"; }; then
		echo "FAILED: migrate $* (exit $status, wanted $want_status and '$want_text'):"
		cat "$work/out"
		failures=$((failures + 1))
	fi
}

expect 0 "4f2a9c1d7b3e -> 9c7e5b2a1f04 (head), create events" -- history
expect 0 "Create Date: 2024-07-02 09:30:00" -- history --verbose
expect 0 '"9c7e5b2a1f04" -> "4f2a9c1d7b3e";' -- history --graph
expect 0 "9c7e5b2a1f04 (head)" -- heads
expect 0 "Parent: 4f2a9c1d7b3e" -- show 9c7e
expect 1 "Target database is not up to date." -- check
expect 0 "Running upgrade  -> 4f2a9c1d7b3e, create users" -- upgrade +1
expect 0 "4f2a9c1d7b3e" -- current
expect 0 "Running upgrade 4f2a9c1d7b3e -> 9c7e5b2a1f04, create events" -- upgrade head
expect 0 "9c7e5b2a1f04 (head)" -- current
expect 0 "No new upgrade operations detected." -- check
expect 0 "No changes in schema detected." -- revision -m "nothing yet" --autogenerate
expect 0 "Running downgrade 9c7e5b2a1f04 -> 4f2a9c1d7b3e, create events" -- downgrade -1
expect 0 "" -- stamp head
expect 0 "9c7e5b2a1f04 (head)" -- current
expect 0 "" -- stamp 4f2a
expect 0 "4f2a9c1d7b3e" -- current
expect 0 "Running downgrade 4f2a9c1d7b3e -> , create users" -- downgrade base
expect 0 "" -- current
expect 0 "Running upgrade 4f2a9c1d7b3e -> 9c7e5b2a1f04" -- upgrade heads
expect 0 "" -- stamp base
expect 0 "INSERT INTO alembic_version (version_num) VALUES ('4f2a9c1d7b3e')" -- upgrade --sql head
expect 0 "DROP TABLE alembic_version;" -- downgrade --sql 9c7e:base
expect 0 "UPDATE alembic_version SET version_num='9c7e5b2a1f04'" -- upgrade --sql 4f2a:9c7e
# --sql before the verb, as alembic also takes it
expect 0 "DROP TABLE alembic_version;" -- --sql downgrade 9c7e:base
expect 2 "unknown option '--sqll'" -- --sqll upgrade head
expect 0 "Generating $work/" -- revision -m "by hand"
expect 0 "Generating $work/" -- merge 4f2a 9c7e -m "merge test"

expect 1 "unknown revision 'zz'" -- upgrade zz
expect 1 "would go below base" -- downgrade -1
# counted from where the database is, not from where the count stopped
expect 1 "upgrade +5: only 2 revision(s) above base" -- upgrade +5
expect 1 "downgrade --sql 'base' needs FROM:TO" -- downgrade --sql base
expect 2 "FROM:TO ranges are for --sql only" -- upgrade 4f2a:9c7e
expect 2 "unknown verb 'fly'" -- fly
expect 2 "a revision needs a message" -- revision

grep -q "const orm_revision revision_" "$work"/*_by_hand.c ||
	{ echo "FAILED: revision -m wrote no revision struct"; failures=$((failures + 1)); }
grep -q '.down_revision2 = "9c7e5b2a1f04"' "$work"/*_merge_test.c ||
	{ echo "FAILED: merge wrote no second parent"; failures=$((failures + 1)); }

if [ $failures -gt 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all migrate verbs behaved"
