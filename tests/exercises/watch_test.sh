#!/bin/sh
# watch_test.sh ROOT PRESET - drives `./workbook watch` in a terminal, the way a learner
# uses it: tmux runs it in a detached session of its own server (never the user's), the
# test reads the screen with capture-pane and types with send-keys.
#
# The watched directory is a temporary one (WORKBOOK_WATCH_DIR), so the test saves a file
# there instead of touching chapters/; the exercise is built in build/PRESET, the tree
# this test belongs to (WORKBOOK_PRESET). It checks: the first check is shown with the keys;
# h shows the hint's first tier, h again the second; saving a file checks again; q quits
# with exit status 0.
root=$1
preset=$2
if ! command -v tmux >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "tmux is not installed (apt-get install tmux): CI tests every verb"
		exit 1
	fi
	echo "skipped: tmux is not installed, so watch cannot be driven in a terminal"
	exit 77
fi
tmp=$(mktemp -d)
sock=orm-watch-test-$$
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/watched"
export TERM="${TERM:-xterm}"
[ "$TERM" != dumb ] || TERM=xterm

tmux -L "$sock" new-session -d -x 160 -y 50 \
	"cd '$root' && WORKBOOK_PRESET='$preset' WORKBOOK_WATCH_DIR='$tmp/watched' ./workbook watch 0.1; echo watch-exited-\$?; sleep 120" ||
	{
		echo "FAIL: tmux could not start a session"
		exit 1
	}

screen() {
	tmux -L "$sock" capture-pane -p -J -S -3000 -t 0
}
# wait_for TEXT SECONDS WHAT: waits until TEXT is on the screen.
wait_for() {
	n=$(($2 * 5))
	while [ $n -gt 0 ]; do
		if screen | grep -qF -- "$1"; then
			echo "ok:   $3"
			return 0
		fi
		sleep 0.2
		n=$((n - 1))
	done
	echo "FAIL: $3: no '$1' on the screen after $2 seconds. The screen:"
	screen | tail -n 40
	exit 1
}
keys() {
	tmux -L "$sock" send-keys -t 0 "$@"
}

wait_for "Keys: h hint, n next, r re-check, q quit" 120 "the first check, with its keys"
wait_for "=== watch: exercise 0.1 (" 1 "it names the exercise, done or not"
keys h
wait_for "Read section 0.2" 20 "h shows the hint's first tier (the book section)"
keys h
wait_for "sqlite3_bind_text" 20 "h again shows the second tier (the functions)"
echo "/* saved */" >"$tmp/watched/probe.c"
wait_for "probe.c was saved: checked again" 60 "saving a file checks again"
keys q
wait_for "watch-exited-0" 20 "q quits, with exit status 0"
