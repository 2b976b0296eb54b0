#!/usr/bin/env bash
# drain.sh - how fast scheduled_sync drains a backlog into the Azure queue
# (Azurite), and that its memory does not grow with the backlog.
#
# 1. The backlog: DRAIN_EVENTS distinct ManyChat contacts posted through
#    the real server (lighttpd + cgi-bin/hooks.fcgi, started with the test
#    suite's helpers in a mktemp -d), so every event and delivery row is the
#    handler's own. The server is then stopped: on two cores it would only
#    compete with the drain.
# 2. The drain: `scheduled_sync --sink azure_queue --drain` against a local
#    Azurite (tests/azurite), at AZURE_QUEUE_RATE=DRAIN_RATE; messages/s
#    and time to drain, against the targets (>= 1,000 messages/s, <= 10 s).
#    The queue's message count is checked against the events.
# 3. Memory: max_rss_kb (from the summary line) of a run with
#    DRAIN_SMALL pending deliveries, then of one with DRAIN_BIG pending.
#    These backlogs are copies of a handler-made event and its delivery
#    (every column copied, only the ids and keys made unique), inserted
#    with sqlite3 - posting 100,000 requests would take minutes. The big
#    run is bounded by DRAIN_MEM_SECONDS; it must not need more memory.
#
# A measurement: exit 0 when it measured (targets met or not), 1 when it
# could not (server, Azurite or the tool failed, or events went missing).
#
# Environment:
#   DRAIN_EVENTS       backlog to drain                      (default 10000)
#   DRAIN_RATE         AZURE_QUEUE_RATE for the drain (default 2000, the
#                      shipped default; 100000 to measure the engine alone)
#   DRAIN_SMALL        pending deliveries of the small memory run (1000)
#   DRAIN_BIG          pending deliveries of the big memory run  (100000)
#   DRAIN_MEM_SECONDS  --max-seconds of the big memory run           (5)
#   DRAIN_KEEP         non-empty: keep the temporary directories
set -o pipefail	# not -u: tests/integ/lib.sh reads optional variables

cd "$(dirname "$0")/.." || exit 1
root=$PWD
events=${DRAIN_EVENTS:-10000}
rate=${DRAIN_RATE:-2000}
small=${DRAIN_SMALL:-1000}
big=${DRAIN_BIG:-100000}
mem_secs=${DRAIN_MEM_SECONDS:-5}
target_rate=1000
target_secs=10
sync_bin=$root/tools/scheduled_sync
dump_bin=$root/build/helpers/azq_dump
queue=bench-drain

for v in events rate small big mem_secs; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "drain: $v must be a positive integer" >&2; exit 1; }
done
case ${1:-} in
-h|--help) sed -n '2,/^set -o/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

die()
{
	echo "drain: $1" >&2
	shift
	[ $# -eq 0 ] || printf '  %s\n' "$@" >&2
	exit 1
}

[ -x "$sync_bin" ] || die "'$sync_bin' is not built; run 'make all'"
if [ ! -x "$dump_bin" ]; then
	make --no-print-directory -s build/helpers/azq_dump >/dev/null ||
	    die "cannot build '$dump_bin'"
fi

# The suite's server helpers (lighttpd in a mktemp -d, free port, user).
HS_MODE=lighttpd-fcgi
HS_KEEP=${DRAIN_KEEP:-}
# shellcheck source=../tests/integ/lib.sh
. "$root/tests/integ/lib.sh"
az_dir=
cleanup()
{
	[ -n "$az_dir" ] && "$root/tests/azurite/start.sh" --stop "$az_dir" \
	    >/dev/null 2>&1
	[ -n "${DRAIN_KEEP:-}" ] && [ -n "$az_dir" ] && echo "drain: kept $az_dir"
	[ -n "${DRAIN_KEEP:-}" ] || { [ -n "$az_dir" ] && rm -rf -- "$az_dir"; }
	hs_cleanup
	[ -n "${DRAIN_KEEP:-}" ] && [ -n "${HS_DIR:-}" ] && echo "drain: kept $HS_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_user=()
[ -n "$HS_RUN_USER" ] && as_user=(setpriv "--reuid=$HS_RUN_USER"
    "--regid=$(id -g "$HS_RUN_USER")" --init-groups --)

# --- Azurite and the server ------------------------------------------------------

az_port=$(hs_free_port) || die "no free port"
az_dir=$(mktemp -d "${TMPDIR:-/tmp}/hs-drain-azurite.XXXXXX")
"$root/tests/azurite/start.sh" "$az_port" "$az_dir" >/dev/null 2>"$az_dir/start.err" ||
    die "azurite did not start" "$(cat "$az_dir/start.err")"
cs="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;QueueEndpoint=http://127.0.0.1:$az_port/devstoreaccount1"

hs_server_start "AZURE_STORAGE_CONNECTION_STRING=$cs" AZURE_QUEUE_CONTACT=$queue \
    "AZURE_QUEUE_RATE=$rate" >/dev/null 2>"$az_dir/server.err" ||
    die "the server did not start" "$(tail -n 5 "$az_dir/server.err")"
work=$HS_DIR
# scheduled_sync runs as the server's user, who may not be able to read
# the checkout: from a copy in the server's directory, and in it.
sync_bin=$(hs_copy_in "$sync_bin" "$work/bin" 0755) || die "cannot copy scheduled_sync into '$work/bin'"

# --- 1. the backlog, through the server ---------------------------------------------

printf 'drain: posting %d contacts through lighttpd + hooks.fcgi ... ' "$events"
url=$HS_URL$HS_PREFIX$HS_API/manychat/webhook/contact
tag=bench-$$-$(date +%s)
for i in $(seq 1 "$events"); do
	printf 'url = "%s"\nheader = "Content-Type: application/json"\n' "$url"
	printf 'header = "X-API-KEY: %s"\n' "$HS_API_KEY"
	printf 'data-binary = "{\\"manychat_id\\":\\"%s-%d\\",\\"nombre_lead\\":\\"Lead %d\\",\\"email\\":\\"lead%d@example.com\\",\\"phone\\":\\"+5691234%04d\\",\\"datetime_actual\\":\\"2025-06-05T12:41:36Z\\"}"\n' \
	    "$tag" "$i" "$i" "$i" "$((i % 10000))"
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
pending=$(hs_sql "SELECT count(*) FROM deliveries WHERE sink = 'azure_queue' AND state = 'pending';")
[ "$pending" -eq "$events" ] || die "$pending pending deliveries for $events events"

# summary FIELD OUTPUT: a field of the azure_queue summary line.
field()
{
	printf '%s\n' "$2" | awk -v f="$1" '$2 == "sink=azure_queue" {
		for (i = 3; i <= NF; i++) if (index($i, f "=") == 1)
			v = substr($i, length(f) + 2) } END { print v }'
}

# sync ARGS...: one run as the server's user; sets out, rc, wall (s).
sync()
{
	local a b
	a=$(date +%s%N)
	out=$(cd "$work" && "${as_user[@]}" "$sync_bin" "$@" 2>"$work/sync.err")
	rc=$?
	b=$(date +%s%N)
	wall=$(awk -v ns=$((b - a)) 'BEGIN { printf "%.2f", ns / 1e9 }')
	[ "$rc" -eq 0 ] || die "scheduled_sync $* exited $rc" "$out" \
	    "$(grep -v 'event=attempt' "$work/sync.err" | tail -n 5)"
}

# --- 2. the drain ------------------------------------------------------------------

echo "drain: scheduled_sync --sink azure_queue --drain, AZURE_QUEUE_RATE=$rate, into azurite"
sync --sink azure_queue --drain --max-seconds 120
delivered=$(field delivered "$out")
rss_drain=$(field max_rss_kb "$out")
echo "  $out"
in_queue=$(HOOKSPOOL_CONF=$HOOKSPOOL_CONF "$dump_bin" --count "$queue") ||
    die "cannot count the queue"
[ "$delivered" -eq "$events" ] && [ "$(field pending "$out")" -eq 0 ] ||
    die "delivered $delivered of $events"
[ "$in_queue" -ge "$events" ] || die "only $in_queue messages in the queue for $events events"
awk -v n="$events" -v s="$wall" -v tr="$target_rate" -v ts="$target_secs" -v q="$in_queue" 'BEGIN {
	r = n / s
	printf "  drained %d events in %.2f s (process wall time) = %.0f messages/s; %d messages in the queue\n", n, s, r, q
	printf "  target >= %d messages/s: %s; target <= %d s: %s\n",
	    tr, (r >= tr ? "met" : "MISSED"), ts, (s <= ts ? "met" : "MISSED")
}'

# --- 3. memory against the backlog --------------------------------------------------

# add_pending N: N copies of the first event and its delivery, pending.
add_pending()
{
	local n=$1 ecols dcols esel dsel tpl
	ecols=$(hs_sql "SELECT group_concat(name, ', ') FROM pragma_table_info('events') WHERE name <> 'id';")
	esel=$(hs_sql "SELECT group_concat(CASE name
	    WHEN 'idem_key' THEN 't.idem_key || ' || quote(':copy:') || ' || n.i || ' || quote(':$tag')
	    WHEN 'entity_key' THEN 't.entity_key || ' || quote(':copy:') || ' || n.i || ' || quote(':$tag')
	    ELSE 't.' || name END, ', ') FROM pragma_table_info('events') WHERE name <> 'id';")
	dcols=$(hs_sql "SELECT group_concat(name, ', ') FROM pragma_table_info('deliveries') WHERE name <> 'id';")
	dsel=$(hs_sql "SELECT group_concat(CASE name
	    WHEN 'event_id' THEN 'e.id'
	    WHEN 'entity_key' THEN 'e.entity_key'
	    WHEN 'state' THEN quote('pending')
	    WHEN 'attempts' THEN '0'
	    WHEN 'done_at' THEN 'NULL'
	    WHEN 'receipt' THEN 'NULL'
	    WHEN 'last_error' THEN 'NULL'
	    ELSE 'd.' || name END, ', ') FROM pragma_table_info('deliveries') WHERE name <> 'id';")
	tpl=$(hs_sql "SELECT min(id) FROM events;")
	"${as_user[@]}" sqlite3 -batch -cmd '.timeout 5000' "$SPOOL_PATH" "
	    BEGIN;
	    CREATE TEMP TABLE n (i INTEGER PRIMARY KEY);
	    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $n)
	    INSERT INTO n SELECT i FROM c;
	    INSERT INTO events ($ecols) SELECT $esel FROM n, events t WHERE t.id = $tpl ORDER BY n.i;
	    INSERT INTO deliveries ($dcols) SELECT $dsel FROM events e
	        JOIN deliveries d ON d.event_id = $tpl AND d.sink = 'azure_queue'
	        WHERE e.idem_key LIKE '%:copy:%:$tag' AND NOT EXISTS
	        (SELECT 1 FROM deliveries x WHERE x.event_id = e.id) ORDER BY e.id;
	    COMMIT;" || die "cannot add $n pending deliveries"
	tag=$tag.x
}

echo "drain: memory of a run against the backlog"
add_pending "$small"
sync --sink azure_queue --drain --max-seconds 60
rss_small=$(field max_rss_kb "$out")
echo "  $small pending, --drain:  $out"
add_pending "$big"
before=$(hs_sql "SELECT count(*) FROM deliveries WHERE state = 'pending';")
sync --sink azure_queue --max-seconds "$mem_secs"
rss_big=$(field max_rss_kb "$out")
echo "  $before pending, --max-seconds $mem_secs:  $out"
# A run's memory depends on how much it sends (connections, SQLite's page
# cache filling up), not on what is left: the big run is compared with the
# larger of the two earlier runs.
awk -v a="$rss_small" -v d="$rss_drain" -v b="$rss_big" -v n1="$small" \
    -v n0="$events" -v n2="$before" 'BEGIN {
	ref = a > d ? a : d
	ok = b <= ref * 1.10 + 1024
	printf "  max_rss_kb: %d (%d pending), %d (%d pending), %d (%d pending): %s\n",
	    a, n1, d, n0, b, n2,
	    ok ? "does not grow with the backlog" : "GROWS with the backlog"
}'
exit 0
