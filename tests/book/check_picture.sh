#!/bin/sh
# check_picture.sh - keeps one of the book's pictures true to the code (chapter 7).
#
#   sh tests/book/check_picture.sh PROGRAM ARG DOT SVG
#
# PROGRAM ARG prints a graph in Graphviz's dot language; DOT is the copy the book shows and
# SVG the picture `dot -Tsvg DOT` draws from it. Fails (exit 1, with a diff) when either
# differs from what the code makes now. ORM_UPDATE_EXPECTED=1 (./workbook book --update)
# rewrites both instead. Without graphviz's dot the test is skipped (77), except under
# CI=true.
set -eu

[ $# -eq 4 ] || { echo "usage: check_picture.sh PROGRAM ARG DOT SVG" >&2; exit 2; }
program=$1 arg=$2 dot_file=$3 svg_file=$4

if ! command -v dot >/dev/null 2>&1; then
	echo "graphviz's dot is not installed (apt-get install graphviz)"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$program" "$arg" >"$work/graph.dot"
dot -Tsvg "$work/graph.dot" >"$work/graph.svg"

if [ "${ORM_UPDATE_EXPECTED:-}" = "1" ]; then
	for kind in dot svg; do
		target=$dot_file
		[ $kind = svg ] && target=$svg_file
		if ! cmp -s "$work/graph.$kind" "$target" 2>/dev/null; then
			cp "$work/graph.$kind" "$target"
			echo "updated $target"
		fi
	done
	exit 0
fi
status=0
diff -u --label "$dot_file" --label "the revisions now" "$dot_file" "$work/graph.dot" || status=1
if ! cmp -s "$svg_file" "$work/graph.svg"; then
	echo "$svg_file is not what dot draws from the graph now"
	status=1
fi
[ $status -eq 0 ] || echo "./workbook book --update draws them again"
exit $status
