#!/bin/sh
# checker_test.sh CHECKER CASES_PROGRAM - the "fails as shipped" check must be a check that can
# fail: fails_as_shipped.sh accepts a program whose assertions fail, and rejects one that
# passes, crashes, fails a setup, or exits because its database cannot be reached.
checker=$1
program=$2
status=0
expect() {
	want=$1
	case_name=$2
	shift 2
	got=0
	out=$(env CHECKER_CASE="$case_name" "$@" sh "$checker" "$program" 2>&1) || got=$?
	verdict=$(printf '%s\n' "$out" | tail -n 1)
	if { [ "$want" = accept ] && [ $got -ne 0 ]; } ||
		{ [ "$want" = reject ] && [ $got -ne 1 ]; }; then
		echo "FAIL: case '$case_name' should be ${want}ed (exit status $got): $verdict"
		status=1
	else
		echo "ok:   case '$case_name' ${want}ed: $verdict"
	fi
}
expect accept assertion
expect reject passes
expect reject crash
expect reject setup
# A closed port: nothing listens on TCP port 1 of this machine.
expect reject database ORM_TEST_DATABASE=postgres \
	ORM_TEST_POSTGRES_URL=postgresql://nobody@127.0.0.1:1/nowhere
exit $status
