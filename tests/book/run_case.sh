#!/bin/sh
# run_case.sh - runs booktool on one test case of tests/book/cases/ and compares the result.
#
#   sh run_case.sh BOOKTOOL CASEDIR
#
# A case directory holds book.md and the source files it points at, plus:
#   cmd               the verb to run: check or update (check when absent)
#   expected          what booktool prints (stdout then stderr), then a line "exit N"
#   book.expected.md  optional: what book.md must be afterwards (for update: changed when it
#                     succeeded, untouched when it failed); after a success `check` must pass
# The case is copied to a temporary directory first, so update never touches the source tree.
set -u
tool=$1
case_dir=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/booktool-case.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
cp -R "$case_dir"/. "$work"/ || exit 1
cd "$work" || exit 1
verb=check
[ -f cmd ] && verb=$(cat cmd)

"$tool" "$verb" --book book.md . >actual.out 2>actual.err
echo "exit $?" >actual.status
cat actual.out actual.err actual.status >actual
if ! diff -u expected actual; then
	echo "FAIL: booktool $verb printed something else than $case_dir/expected" >&2
	exit 1
fi
if [ -f book.expected.md ]; then
	if ! diff -u book.expected.md book.md; then
		echo "FAIL: book.md after '$verb' differs from $case_dir/book.expected.md" >&2
		exit 1
	fi
	if [ "$(cat actual.status)" = "exit 0" ] && ! "$tool" check --book book.md . >/dev/null; then
		echo "FAIL: book.md does not pass check after '$verb'" >&2
		exit 1
	fi
fi
echo "ok: $(basename "$case_dir")"
