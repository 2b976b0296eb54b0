#!/bin/sh
# start.sh - run the pinned Azurite queue service for one test, and stop it.
#
#   tests/azurite/start.sh PORT DIR     start on 127.0.0.1:PORT, print the pid
#   tests/azurite/start.sh --stop DIR   stop the instance started with DIR
#
# Only the queue service runs, in memory, loopback only, telemetry off. DIR
# (created if missing) holds azurite.pid and azurite.log and is Azurite's
# working directory. node_modules is installed from the committed lockfile
# (npm ci) the first time; concurrent callers wait on a lock taken on this
# script itself, so no lock file is left behind.
#
# Exit codes: 0 ok, 1 installed but did not start or answer, 100 usage,
# 111 node/npm missing or npm ci failed (callers may skip on 111 only).
set -u

here=$(cd "$(dirname "$0")" && pwd)

die() {
	code=$1
	shift
	echo "azurite: $*" >&2
	exit "$code"
}

install_modules() {
	[ -x "$here/node_modules/.bin/azurite-queue" ] && return 0
	command -v npm >/dev/null 2>&1 ||
		die 111 "cannot install azurite: npm not found (apt-get install nodejs npm)"
	(
		flock 9
		[ -x "$here/node_modules/.bin/azurite-queue" ] && exit 0
		cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2
	) 9<"$here/start.sh" ||
		die 111 "cannot install azurite: 'npm ci' failed in '$here'"
}

answers() {
	# Any HTTP status means the service is up (a 4xx for this request).
	code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' \
		"http://127.0.0.1:$1/devstoreaccount1?comp=list" 2>/dev/null)
	[ -n "$code" ] && [ "$code" != "000" ]
}

start() {
	port=$1
	dir=$2
	case $port in
	'' | *[!0-9]*) die 100 "bad port '$port'" ;;
	esac
	mkdir -p "$dir" || die 1 "cannot create '$dir'"
	install_modules
	command -v node >/dev/null 2>&1 || die 111 "node not found (apt-get install nodejs)"
	(
		cd "$dir" &&
			exec node "$here/node_modules/azurite/dist/src/queue/main.js" \
				--queueHost 127.0.0.1 --queuePort "$port" \
				--inMemoryPersistence --disableTelemetry --silent \
				</dev/null >"$dir/azurite.log" 2>&1
	) &
	pid=$!
	echo "$pid" >"$dir/azurite.pid"
	i=0
	while [ $i -lt 300 ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 5 "$dir/azurite.log" >&2
			die 1 "azurite exited while starting on port $port"
		fi
		answers "$port" && { echo "$pid"; exit 0; }
		sleep 0.1
		i=$((i + 1))
	done
	kill "$pid" 2>/dev/null
	die 1 "azurite did not answer on port $port within 30 s"
}

stop() {
	dir=$1
	[ -f "$dir/azurite.pid" ] || die 100 "no '$dir/azurite.pid'"
	pid=$(cat "$dir/azurite.pid")
	case $pid in
	'' | *[!0-9]*) die 100 "bad pid in '$dir/azurite.pid'" ;;
	esac
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	rm -f "$dir/azurite.pid"
	exit 0
}

case ${1-} in
--stop) [ $# -eq 2 ] || die 100 "usage: start.sh --stop DIR"; stop "$2" ;;
*) [ $# -eq 2 ] || die 100 "usage: start.sh PORT DIR | start.sh --stop DIR"
	start "$1" "$2" ;;
esac
