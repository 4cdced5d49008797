#!/usr/bin/env bash
# pg_server.sh - a throwaway PostgreSQL server for the tests and the benchmark.
#
#   tests/pg_server.sh start DIR   create a cluster in DIR/data, start it, print its URL
#   tests/pg_server.sh url DIR     print the URL of the server started in DIR
#   tests/pg_server.sh stop DIR    stop the server and remove DIR entirely
#   tests/pg_server.sh restart DIR stop the server (fast: its clients are cut
#                                  off) and start it again, keeping its data;
#                                  the fault tests of issue 10 use it
#
# The server listens only on a unix socket inside DIR (no TCP port at all),
# trusts the user `orm`, and has one database, `ormtest`:
#
#   postgresql://orm@/ormtest?host=DIR
#
# It is made for speed, not safety (fsync off): it is deleted afterwards.
# PostgreSQL refuses to run as root, so when this script runs as root the
# server runs as the `postgres` system user (created by Debian's postgresql
# package), and DIR is handed to that user. `./workbook test` uses this.
set -euo pipefail

usage()
{
	sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
}

die()
{
	echo "pg_server.sh: $*" >&2
	exit 1
}

# The newest installed PostgreSQL's programs (initdb, pg_ctl, ...).
find_bindir()
{
	local dir best=""
	for dir in /usr/lib/postgresql/*/bin; do
		if [ -x "$dir/initdb" ]; then
			# Versions sort as numbers: 9.6 < 15 < 16.
			if [ -z "$best" ] || [ "$(basename "$(dirname "$dir")" | cut -d. -f1)" -gt \
				"$(basename "$(dirname "$best")" | cut -d. -f1)" ]; then
				best=$dir
			fi
		fi
	done
	if [ -z "$best" ] && command -v pg_config >/dev/null; then
		best=$(pg_config --bindir)
		[ -x "$best/initdb" ] || best=""
	fi
	if [ -z "$best" ] && command -v initdb >/dev/null; then
		best=$(dirname "$(command -v initdb)")
	fi
	[ -n "$best" ] || die "no PostgreSQL server found (on Debian: apt-get install postgresql)"
	echo "$best"
}

# Runs a command as the user the server runs as.
as_server_user()
{
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

url_of()
{
	echo "postgresql://orm@/ormtest?host=$1"
}

cmd_start()
{
	local dir=$1 bin
	bin=$(find_bindir)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -e "$dir/data" ] && die "$dir/data already exists: stop that server first"

	# A unix socket path must fit in 107 bytes.
	[ ${#dir} -le 80 ] || die "directory path too long for a unix socket: $dir"

	if [ "$(id -u)" -eq 0 ]; then
		getent passwd postgres >/dev/null ||
			die "running as root, but there is no 'postgres' user to run the server as"
		chown postgres: "$dir"
		runuser -u postgres -- test -w "$dir" ||
			die "user postgres cannot write to $dir (is a parent directory private?)"
	fi
	# Marks DIR as ours, so `stop` never removes a directory it did not make.
	as_server_user touch "$dir/.orm-pg-server"

	if ! as_server_user "$bin/initdb" -D "$dir/data" -U orm --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		die "initdb failed"
	fi

	if ! as_server_user "$bin/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir'" \
		-o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		>/dev/null; then
		echo "--- last lines of $dir/server.log:" >&2
		tail -n 20 "$dir/server.log" >&2 || true
		die "the server did not start"
	fi

	if ! as_server_user "$bin/createdb" -h "$dir" -U orm ormtest; then
		tail -n 20 "$dir/server.log" >&2 || true
		die "could not create database ormtest"
	fi
	url_of "$dir"
}

cmd_stop()
{
	local dir=$1 bin
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd)
	[ -e "$dir/.orm-pg-server" ] || die "$dir was not made by pg_server.sh start: not touching it"
	if [ -e "$dir/data/postmaster.pid" ]; then
		bin=$(find_bindir)
		as_server_user "$bin/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >/dev/null ||
			echo "pg_server.sh: pg_ctl stop failed; see $dir/server.log" >&2
	fi
	rm -rf "$dir"
}

cmd_restart()
{
	local dir=$1 bin
	[ -e "$dir/.orm-pg-server" ] || die "$dir was not made by pg_server.sh start: not touching it"
	[ -e "$dir/data/postmaster.pid" ] || die "no server running in $dir"
	dir=$(cd "$dir" && pwd)
	bin=$(find_bindir)
	# pg_ctl restart keeps the options the server was started with.
	if ! as_server_user "$bin/pg_ctl" restart -D "$dir/data" -l "$dir/server.log" -m fast \
		-w -t 60 >/dev/null; then
		tail -n 20 "$dir/server.log" >&2 || true
		die "the server did not restart"
	fi
}

cmd_url()
{
	local dir=$1
	[ -e "$1/data/postmaster.pid" ] || die "no server running in $dir"
	url_of "$(cd "$dir" && pwd)"
}

main()
{
	if [ $# -ne 2 ]; then
		usage >&2
		exit 2
	fi
	case $1 in
	start) cmd_start "$2" ;;
	stop) cmd_stop "$2" ;;
	restart) cmd_restart "$2" ;;
	url) cmd_url "$2" ;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	usage
	exit 0
fi
main "$@"
