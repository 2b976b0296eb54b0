#!/usr/bin/env bash
# `make run` (scripts/run.sh) as a user drives it beyond the first start:
# - the banner's signed-webhook curl works as printed, and so do its
#   spoolctl commands; the signed event becomes exactly one row of
#   Webhook_Event in local/sql.db, shown by the banner's sqlite3 line, also
#   when the sender sends it again and when it is replayed;
# - a configuration whose SQL driver is not installed (the seed's
#   DATABASE_URL naming ODBC Driver 17, nothing registered) gets the hint
#   that says what to install, and the server still starts;
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
cp "$HS_ROOT/scripts/run.sh" "$HS_ROOT/scripts/sql-driver.sh" "$home/scripts/"
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

# --- the signed event reaches the embedded default, once ---
query=$(sed -n 's/^  \(sqlite3 .*Webhook_Event.*\)$/\1/p' <<<"$out")
hs_like "$query" "^sqlite3 $home/local/sql.db \".*FROM Webhook_Event WHERE source = 'signed';\"$" \
    "the banner prints the sqlite3 query of signed events"
signed_rows() { (cd "$home" && bash -c "$query" 2>/dev/null); }
has_signed() { [ -n "$(signed_rows)" ]; }
hs_wait_until 60 has_signed
spool_db=$home/local/spool/spool.db
key=$(sqlite3 "$spool_db" "SELECT idem_key FROM events WHERE source = 'signed';")
recv=$(sqlite3 "$spool_db" "SELECT replace(replace(received_at, 'T', ' '), 'Z', '') FROM events WHERE source = 'signed';")
hs_is "$(signed_rows)" "user_info|user:u-1|$recv|{\"type\":\"user_info\",\"content\":\"hola\",\"user_id\":\"u-1\"}" \
    "the banner's query, run as printed, shows the signed event as a row"
hs_is "$(sqlite3 "$home/local/sql.db" "SELECT count(*) || '|' || idem_key FROM Webhook_Event;")" \
    "1|$key" "one row, with the spool's idempotency key"
none_pending() { [ "$(sqlite3 "$spool_db" "SELECT count(*) FROM deliveries WHERE state <> 'done';")" = 0 ]; }
hs_wait_until 60 none_pending
answer=$(cd "$home" && bash -c "$signed" 2>&1)
hs_like "$answer" '"success":true' "the same signed curl again (a sender's retry) is answered"
(cd "$home" && env -u HOOKSPOOL_CONF tools/spoolctl replay "$key" >/dev/null 2>&1)
hs_is "$?" 0 "spoolctl replay pushes the signed event to the sql sink again"
hs_wait_until 60 none_pending
hs_is "$(sqlite3 "$spool_db" "SELECT count(*) FROM history WHERE action = 'replay';")" 1 \
    "the replay is in the spool's history"
hs_is "$(sqlite3 "$spool_db" "SELECT count(*) FROM events WHERE source = 'signed';")/$(sqlite3 "$home/local/sql.db" 'SELECT count(*) FROM Webhook_Event;')" \
    1/1 "after the retry and the replay: one event in the spool, one row in local/sql.db"

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

# --- the seed's DATABASE_URL with no driver for it: the hint ---
p4=$(hs_free_port) || hs_bail "a fourth free port"
while [ "$p4" = "$p1" ]; do p4=$(hs_free_port); done
mkdir -p "$home/odbc"
: >"$home/odbc/odbcinst.ini"	# no driver registered at all
printf 'API_KEY=k\nWEBHOOK_SECRET=s\nSPOOL_PATH=%s\nDATABASE_URL=%s\n' \
    "$home/nodriver/spool.db" \
    'mssql+pyodbc://usuario:p%40ss@servidor.database.windows.net:1433/basedatos?driver=ODBC+Driver+17+for+SQL+Server' \
    >"$home/mine/nodriver.conf"
start nodriver "$p4" HOOKSPOOL_CONF="$home/mine/nodriver.conf" \
    ODBCSYSINI="$home/odbc"
nodriver=$last_pid
hs_wait_until 60 settled nodriver "$nodriver"
out=$(cat "$home/nodriver.out")
hs_like "$out" "ODBC driver 'ODBC Driver 17 for SQL Server' is not installed" \
    "a configuration naming an absent SQL driver: make run says so"
hs_like "$out" 'sudo apt-get install tdsodbc' "and how to install FreeTDS"
hs_like "$out" 'msodbcsql18, from Microsoft.s apt repository' "or Microsoft's driver"
if grep -q 'p@ss\|p%40ss' <<<"$out"; then
	hs_not_ok "the hint shows no password" "$out"
else
	hs_ok "the hint shows no password"
fi
hs_like "$out" "hookspool is listening on http://127.0.0.1:$p4" \
    "the server starts anyway: events wait in the spool"
kill -INT -- "-$nodriver"
hs_wait_until 60 gone "$nodriver"
hs_like "$(cat "$home/first.out")" "hookspool is listening" "the first instance's banner is untouched"
hs_is "$(grep -c 'is not installed' "$home/first.out")" 0 \
    "an installed driver (the embedded default's) gets no hint"

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
