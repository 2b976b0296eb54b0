#!/usr/bin/env bash
# `make run` (scripts/run.sh) as a user drives it beyond the first start:
# - the banner's signed-webhook curl works as printed, and so do its
#   spoolctl commands;
# - a user's own configuration with only API_KEY and WEBHOOK_SECRET (what
#   the seed's .env has) runs, with the spool in the checkout, and the
#   banner names that real path;
# - two instances on two ports, each with its configuration and ROOT_PATH,
#   serve their own paths into their own spools; stopping one leaves the
#   other running;
# - a server whose health check fails is never announced as listening;
# - Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
#   says "stopped" and exits 0, so make reports no error.
#
# Each run.sh runs in a copy of the files it uses (its directory is the
# copy's root), so a developer's own local/ is never touched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode

home=$(mktemp -d "${TMPDIR:-/tmp}/hs-makerun.XXXXXX")
hs_dirs+=("$home")
chmod 0755 "$home"
mkdir -p "$home/scripts" "$home/cgi-bin" "$home/tools" "$home/lighttpd" \
    "$home/sql/schema"
cp "$HS_ROOT/scripts/run.sh" "$home/scripts/"
cp "$HS_ROOT/cgi-bin/hooks.fcgi" "$home/cgi-bin/"
cp "$HS_ROOT/tools/scheduled_sync" "$HS_ROOT/tools/spoolctl" "$home/tools/"
cp "$HS_ROOT/lighttpd/hookspool.conf" "$home/lighttpd/"
cp "$HS_ROOT/sql/schema/sqlite.sql" "$home/sql/schema/"

# start NAME PORT [VAR=VALUE...]: run.sh in its own process group, with
# SIGINT at its default disposition (a background job of a script ignores
# it, a terminal's foreground job does not); output in $home/NAME.out.
start()
{
	local name=$1 port=$2
	shift 2
	env -u HOOKSPOOL_CONF -u HOOKSPOOL_HOME -u HOOKSPOOL_USER -u ODBCSYSINI \
	    PORT="$port" SYNC_EVERY=1 "$@" python3 -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execv(sys.argv[1], sys.argv[1:])' "$home/scripts/run.sh" \
	    </dev/null >"$home/$name.out" 2>&1 &
	last_pid=$!
	hs_pids+=("$last_pid")
}
settled() { grep -q 'Press Ctrl-C' "$home/$1.out" 2>/dev/null || ! kill -0 "$2" 2>/dev/null; }
gone() { [ -z "$(hs_group_pids "$1")" ]; }

# --- the generated configuration: the banner's commands work as printed ---
p1=$(hs_free_port) || hs_bail "a free port"
start first "$p1"
first=$last_pid
hs_wait_until 60 settled first "$first"
out=$(cat "$home/first.out")
hs_like "$out" "hookspool is listening on http://127.0.0.1:$p1" "first instance listening" ||
    hs_bail "run.sh output" "$out"
hs_like "$out" "spool:  $home/local/spool/spool.db" "the banner names the spool in local/"
signed=$(sed -n '/^  body=/,/x-webhook-signature/p' <<<"$out")
hs_like "$signed" 'openssl dgst -sha256 -hmac' "the banner prints a signed curl"
answer=$(cd "$home" && bash -c "$signed" 2>&1)
hs_like "$answer" '"success":true' "the banner's signed curl, run as printed, is accepted"
stats=$(sed -n 's/^  \(.*tools\/spoolctl stats\)$/\1/p' <<<"$out")
hs_like "$stats" 'spoolctl stats' "the banner prints the spoolctl command"
# As a new user's shell runs it: no HOOKSPOOL_CONF in the environment.
hs_like "$(cd "$home" && env -u HOOKSPOOL_CONF bash -c "$stats" 2>&1)" \
    'signed +user_info +1 ' \
    "the banner's spoolctl stats, run as printed, shows the signed event"
if [ ! -e /etc/hookspool/hookspool.conf ]; then
	hs_is "$stats" "tools/spoolctl stats" \
	    "the generated configuration needs no HOOKSPOOL_CONF for the tools"
	got=$(cd "$home" && env -u HOOKSPOOL_CONF tools/scheduled_sync --max-seconds 5 2>&1)
	hs_like "$got" "configuration $home/local/hookspool.conf \\(the one make run wrote" \
	    "scheduled_sync from the checkout finds make run's configuration and says so"
	hs_like "$got" 'sink=sql ' "and runs its sink"
fi

# --- a user's configuration with only the two secrets, another port ---
p2=$(hs_free_port) || hs_bail "a second free port"
while [ "$p2" = "$p1" ]; do p2=$(hs_free_port); done
mkdir -p "$home/mine"
printf 'API_KEY=k-%s\nWEBHOOK_SECRET=s-%s\nROOT_PATH=/second\n' "$p2" "$p2" \
    >"$home/mine/seed.env"
start second "$p2" HOOKSPOOL_CONF="$home/mine/seed.env"
second=$last_pid
hs_wait_until 60 settled second "$second"
out=$(cat "$home/second.out")
hs_like "$out" "hookspool is listening on http://127.0.0.1:$p2/second" \
    "a seed-style configuration (no SPOOL_PATH) runs" ||
    hs_bail "run.sh output" "$out"
hs_like "$out" "spool:  $home/local/spool/spool.db" "and the banner names the real spool path"
hs_is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p2/second/health")" 200 \
    "its health check answers 200"
hs_is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p1/health")" 200 \
    "the first instance still answers on its own port"
hs_is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p1/second/health")" 404 \
    "the first instance does not serve the second's ROOT_PATH"
hs_is "$(cat "$home/local/run/$p1/lighttpd.pid" 2>/dev/null || echo none)" \
    "$(pgrep -g "$first" -x lighttpd)" "each instance keeps its own pid file"

# --- Ctrl-C of the second: stopped, exit 0; the first keeps running ---
kill -INT -- "-$second"
hs_wait_until 60 gone "$second"
wait "$second"
hs_is "$?" 0 "Ctrl-C (SIGINT to the group) exits 0"
hs_like "$(tail -n 1 "$home/second.out")" '^hookspool: stopped$' "and says it stopped"
hs_is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p1/health")" 200 \
    "stopping the second leaves the first running"
[ -e "$home/local/run/$p1/lighttpd.pid" ] &&
    hs_ok "the first's pid file is still there" ||
    hs_not_ok "the first's pid file is still there"

# --- a failing health check is never announced as listening ---
p3=$(hs_free_port) || hs_bail "a third free port"
mkdir -p "$home/bad/spool.db"	# a directory where the spool file should be
printf 'API_KEY=k\nWEBHOOK_SECRET=s\nSPOOL_PATH=%s\n' "$home/bad/spool.db" \
    >"$home/mine/bad.conf"
start bad "$p3" HOOKSPOOL_CONF="$home/mine/bad.conf"
bad=$last_pid
hs_wait_until 60 gone "$bad"
wait "$bad"
rc=$?
out=$(cat "$home/bad.out")
hs_cmp "$rc" -ne 0 "a server whose health check fails: run.sh fails"
if grep -q 'is listening' <<<"$out"; then
	hs_not_ok "and never says it is listening" "$out"
else
	hs_ok "and never says it is listening"
fi
hs_like "$out" 'health did not answer 200' "it says the health check failed"

kill -TERM -- "-$first"
hs_wait_until 60 gone "$first"
hs_is "$(hs_group_pids "$first" | wc -l)" 0 "SIGTERM stops the first instance"

hs_done
