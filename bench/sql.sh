#!/usr/bin/env bash
# sql.sh - how fast scheduled_sync drains a backlog into PostgreSQL through
# unixODBC and psqlODBC (the sql sink), against the target of 5,000 rows/s.
#
# 1. A PostgreSQL of Debian's (tests/integ/pg_lib.sh: initdb in a mktemp -d,
#    a free loopback port, run as an ordinary user), durable as shipped
#    (fsync and synchronous_commit on), tables from sql/schema/postgresql.sql.
# 2. The backlog: SQL_BENCH_EVENTS distinct ManyChat contacts posted through
#    the real server (lighttpd + cgi-bin/hooks.fcgi, the suite's helpers),
#    which is then stopped so that it does not compete for the two cores.
#    Contacts are the sink's heavier kind: an insert-if-absent and an
#    update-if-newer per row (campaigns take the insert only).
# 3. The drain: `scheduled_sync --sink sql --drain` at the shipped SQL_RATE
#    (10,000 rows/s) and SQL_BATCH (500). rows/s = events / wall time of the
#    process, connection and spool bookkeeping included. The table's row
#    count is checked against the events.
#
# A measurement: exit 0 when it measured (target met or not), 1 when it
# could not (PostgreSQL, the server or the tool failed, rows went missing).
#
# Environment:
#   SQL_BENCH_EVENTS   backlog to drain                         (default 10000)
#   SQL_BENCH_ARRAYS   SQL_PARAM_ARRAYS: true (shipped) or false (one row
#                      per execution, for comparison)
#   SQL_BENCH_KEEP     non-empty: keep the temporary directories
set -o pipefail	# not -u: tests/integ/lib.sh reads optional variables

cd "$(dirname "$0")/.." || exit 1
root=$PWD
events=${SQL_BENCH_EVENTS:-10000}
arrays=${SQL_BENCH_ARRAYS:-true}
target=5000
sync_bin=$root/tools/scheduled_sync

case ${1:-} in
-h|--help) sed -n '2,/^set -o/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
[[ $events =~ ^[1-9][0-9]*$ ]] || { echo "sql: SQL_BENCH_EVENTS must be a positive integer" >&2; exit 1; }
case $arrays in true|false) ;; *) echo "sql: SQL_BENCH_ARRAYS must be true or false" >&2; exit 1 ;; esac

die()
{
	echo "sql: $1" >&2
	shift
	[ $# -eq 0 ] || printf '  %s\n' "$@" >&2
	exit 1
}

[ -x "$sync_bin" ] || die "'$sync_bin' is not built; run 'make all'"

HS_MODE=lighttpd-fcgi
HS_KEEP=${SQL_BENCH_KEEP:-}
# shellcheck source=../tests/integ/lib.sh
. "$root/tests/integ/lib.sh"
# shellcheck source=../tests/integ/pg_lib.sh
. "$root/tests/integ/pg_lib.sh"
trap 'exit 130' INT
trap 'exit 143' TERM

as_user=()
[ -n "$HS_RUN_USER" ] && as_user=(setpriv "--reuid=$HS_RUN_USER"
    "--regid=$(id -g "$HS_RUN_USER")" --init-groups --)

# --- 1. PostgreSQL --------------------------------------------------------------

hs_pg_start || die "PostgreSQL did not start"
hs_pg_schema >/dev/null || die "cannot create the tables"
echo "sql: PostgreSQL $(hs_pg_psql 'SHOW server_version;' | awk '{ print $1 }') on 127.0.0.1:$HS_PG_PORT (fsync=$(hs_pg_psql 'SHOW fsync;'), synchronous_commit=$(hs_pg_psql 'SHOW synchronous_commit;')), psqlODBC $(dpkg-query -W -f='${Version}' odbc-postgresql 2>/dev/null)"

# --- 2. the backlog, through the server -------------------------------------------

hs_server_start "ODBC_CONNECTION_STRING=$HS_PG_CS" "SQL_PARAM_ARRAYS=$arrays" \
    LOG_LEVEL=warn >/dev/null 2>"$HS_PG_DIR/server.err" ||
    die "the server did not start" "$(tail -n 5 "$HS_PG_DIR/server.err")"
work=$HS_DIR
# scheduled_sync runs as the server's user, who may not be able to read
# the checkout: from a copy in the server's directory, and in it.
sync_bin=$(hs_copy_in "$sync_bin" "$work/bin" 0755) || die "cannot copy scheduled_sync into '$work/bin'"
printf 'sql: posting %d contacts through lighttpd + hooks.fcgi ... ' "$events"
url=$HS_URL$HS_PREFIX$HS_API/manychat/webhook/contact
tag=bench-$$-$(date +%s)
for i in $(seq 1 "$events"); do
	printf 'url = "%s"\nheader = "Content-Type: application/json"\n' "$url"
	printf 'header = "X-API-KEY: %s"\n' "$HS_API_KEY"
	printf 'data-binary = "{\\"manychat_id\\":\\"%s-%d\\",\\"nombre_lead\\":\\"Lead %d\\",\\"first_name\\":\\"Lead\\",\\"last_name\\":\\"N%d\\",\\"ultimo_estado\\":\\"Nuevo\\",\\"email\\":\\"lead%d@example.com\\",\\"phone\\":\\"+5691234%04d\\",\\"datetime_actual\\":\\"2025-06-05T12:41:36Z\\"}"\n' \
	    "$tag" "$i" "$i" "$i" "$i" "$((i % 10000))"
	printf 'output = "/dev/null"\nsilent\nmax-time = 60\nwrite-out = "%%{http_code}\\n"\n'
	[ "$i" -lt "$events" ] && echo next
done >"$work/post.cfg"
t0=$(date +%s%N)
accepted=$(curl --parallel --parallel-max 32 -K "$work/post.cfg" 2>/dev/null |
    grep -c '^2[0-9][0-9]$')
t1=$(date +%s%N)
awk -v n="$accepted" -v ns=$((t1 - t0)) \
    'BEGIN { printf "%d accepted in %.1f s\n", n, ns / 1e9 }'
[ "$accepted" -eq "$events" ] || die "only $accepted of $events contacts accepted"
hs_server_stop
pending=$(hs_sql "SELECT count(*) FROM deliveries WHERE sink = 'sql' AND state = 'pending';")
[ "$pending" -eq "$events" ] || die "$pending pending sql deliveries for $events events"

# --- 3. the drain --------------------------------------------------------------------

echo "sql: scheduled_sync --sink sql --drain (SQL_RATE=10000, SQL_BATCH=500, SQL_PARAM_ARRAYS=$arrays) into PostgreSQL"
a=$(date +%s%N)
out=$(cd "$work" && HOOKSPOOL_CONF=$HOOKSPOOL_CONF "${as_user[@]}" "$sync_bin" --sink sql \
    --drain --max-seconds 300 2>"$work/sync.err")
rc=$?
b=$(date +%s%N)
[ "$rc" -eq 0 ] || die "scheduled_sync exited $rc" "$out" \
    "$(grep -v 'event=attempt' "$work/sync.err" | tail -n 5)"
echo "  $out"
grep 'event=sql_connect' "$work/sync.err" | head -n 1 |
    sed 's/.*dbms=/  connected: dbms=/'
delivered=$(printf '%s\n' "$out" | awk '$2 == "sink=sql" { for (i = 3; i <= NF; i++)
    if (index($i, "delivered=") == 1) print substr($i, 11) }')
rows=$(hs_pg_psql 'SELECT count(*) FROM Contact;' "$HS_PG_DB")
[ "$delivered" = "$events" ] || die "delivered $delivered of $events"
[ "$rows" = "$events" ] || die "$rows rows in Contact for $events events"
awk -v n="$events" -v ns=$((b - a)) -v t="$target" -v r="$rows" 'BEGIN {
	s = ns / 1e9; rate = n / s
	printf "  drained %d events in %.2f s (process wall time): %.0f rows/s; %d rows in Contact\n", n, s, rate, r
	printf "  target >= %d rows/s: %s\n", t, (rate >= t ? "met" : "MISSED")
}'
exit 0
