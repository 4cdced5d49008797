#!/bin/sh
# diagram_check.sh check|update PROGRAM DOT SVG DOT_EXECUTABLE
#
# update: writes PROGRAM's dot output to DOT and renders it with Graphviz to SVG.
# check:  fails when DOT is not what PROGRAM writes now (a model changed and the diagram was
#         not redrawn), or when SVG does not show the same text as a fresh rendering of DOT
#         (the picture is stale). The SVG's bytes are not compared: two Graphviz versions lay
#         the same graph out a little differently, but the words in it are the same.
# Without Graphviz, check compares the dot only and says so; under CI=true that is a failure.
mode=$1
program=$2
dot_file=$3
svg_file=$4
dot_exe=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$program" >"$tmp/erd.dot" || {
	echo "diagram_check: $program failed"
	exit 1
}
# The words of an SVG, one per line: what <text> elements hold.
svg_words() {
	tr -d '\n' <"$1" | sed 's/<text/\n<text/g' | sed -n 's/^<text[^>]*>\([^<]*\)<\/text>.*$/\1/p'
}
if [ "$mode" = update ]; then
	[ -n "$dot_exe" ] || {
		echo "diagram_check: Graphviz's dot is not installed (apt-get install graphviz)"
		exit 1
	}
	cp "$tmp/erd.dot" "$dot_file" && "$dot_exe" -Tsvg "$dot_file" >"$tmp/erd.svg" &&
		mv "$tmp/erd.svg" "$svg_file" || exit 1
	echo "diagram_check: wrote $dot_file and $svg_file"
	exit 0
fi

status=0
if ! diff -u "$dot_file" "$tmp/erd.dot"; then
	echo "diagram_check: $dot_file is not what the models give now (diff above, - stored," \
		"+ now): run ./workbook book --update"
	status=1
fi
if [ -z "$dot_exe" ]; then
	if [ "${CI:-}" = true ]; then
		echo "diagram_check: Graphviz's dot is not installed, so $svg_file cannot be checked"
		exit 1
	fi
	echo "diagram_check: Graphviz's dot is not installed: $svg_file not checked"
	exit $status
fi
if [ ! -f "$svg_file" ]; then
	echo "diagram_check: $svg_file is missing: run ./workbook book --update"
	exit 1
fi
"$dot_exe" -Tsvg "$tmp/erd.dot" >"$tmp/erd.svg" || exit 1
svg_words "$tmp/erd.svg" >"$tmp/fresh.txt"
svg_words "$svg_file" >"$tmp/stored.txt"
if [ ! -s "$tmp/fresh.txt" ] || ! diff -u "$tmp/stored.txt" "$tmp/fresh.txt"; then
	echo "diagram_check: $svg_file does not show what a fresh rendering of the models shows" \
		"(diff above): run ./workbook book --update"
	status=1
fi
[ $status -ne 0 ] || echo "diagram_check: $dot_file and $svg_file match the models"
exit $status
