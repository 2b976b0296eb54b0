#!/usr/bin/env bash
# whatsapp.sh - how fast the WhatsApp bot answers through lighttpd, and
# what its traffic costs the ManyChat ingest, against the targets.
#
# The server is the real one (lighttpd/hookspool.conf + cgi-bin/hooks.fcgi
# in a mktemp -d, started with the test suite's helpers, HOOKSPOOL_PROCS
# FastCGI processes, SPOOL_SYNCHRONOUS=FULL), configured for WhatsApp with
# WHATSAPP_GRAPH_URL pointing at the Graph API double
# (tests/doubles/graph_double.py). Meta is tests/helpers/meta_send.py in
# its bench mode: one conversation (a text from a user of its own) every
# 1/WA_BENCH_RATE s for WA_BENCH_SECONDS, each POST on its own connection,
# its start time recorded. No scheduled_sync runs: every reply is the
# handler's own, sent after its answer to Meta.
#
# 1. The reply time: for each conversation, from the start of Meta's POST
#    to the double's log time of the menu for that user (joined on `to`):
#    p50, p99, max; lost replies (a POST answered 200 whose user has no
#    menu once the traffic is over) and doubled ones (a second greeting or
#    menu for a user), greeting/menu order. Targets: p50 <= 50 ms,
#    p99 <= 250 ms, none lost or doubled.
# 2. The ingest with this traffic mixed in: wrk drives the ManyChat contact
#    endpoint (bench/contact.lua, WA_BENCH_CONNS connections, a new contact
#    per request) for WA_BENCH_INGEST_SECONDS alone, then again with the
#    WhatsApp traffic running at the same time, WA_BENCH_ROUNDS times in
#    turn; req/s and p99 of each, the medians and their ratio. Target: the
#    mixed req/s within 10 % of the alone req/s. The reply times of the
#    WhatsApp traffic under that load are printed too (no target).
#
# A measurement: exit 0 when it measured (targets met or not), 1 when it
# could not (server, double or a tool failed, the probe got no reply).
#
# Environment:
#   WA_BENCH_RATE            conversations per second              (20)
#   WA_BENCH_SECONDS         seconds of WhatsApp traffic alone      (30)
#   WA_BENCH_INGEST_SECONDS  seconds of each wrk run                (10)
#   WA_BENCH_CONNS           wrk connections                        (16)
#   WA_BENCH_ROUNDS          alone/mixed rounds, medians reported    (5)
#   HOOKSPOOL_PROCS          FastCGI processes (default 2, as bench/run.sh)
#   WA_BENCH_KEEP            non-empty: keep the temporary directories
#   WA_BENCH_CONF            more KEY=VALUE settings for the server, e.g.
#                            IMMEDIATE_MAX_MS=0 (replies left to cron) to
#                            see what the replies cost the ingest
set -o pipefail	# not -u: tests/integ/lib.sh reads optional variables

cd "$(dirname "$0")/.." || exit 1
root=$PWD
rate=${WA_BENCH_RATE:-20}
secs=${WA_BENCH_SECONDS:-30}
isecs=${WA_BENCH_INGEST_SECONDS:-10}
conns=${WA_BENCH_CONNS:-16}
rounds=${WA_BENCH_ROUNDS:-5}
procs=${HOOKSPOOL_PROCS:-2}
target_p50_ms=50
target_p99_ms=250
target_ratio=0.90
double=$root/tests/doubles/graph_double.py
sender=$root/tests/helpers/meta_send.py
api_path=/api/v1/manychat/webhook/contact

case ${1:-} in
-h|--help) sed -n '2,/^set -o/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
for v in rate secs isecs conns rounds procs; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "whatsapp: $v must be a positive integer" >&2; exit 1; }
done

die()
{
	echo "whatsapp: $1" >&2
	shift
	[ $# -eq 0 ] || printf '  %s\n' "$@" >&2
	exit 1
}

for tool in wrk curl jq sqlite3 python3; do
	command -v "$tool" >/dev/null 2>&1 ||
	    die "missing tool '$tool'; 'make deps' installs it"
done
[ -f "$double" ] || die "the Graph API double '$double' is missing"
[ -x "$root/cgi-bin/hooks.fcgi" ] || die "'cgi-bin/hooks.fcgi' is not built; run 'make all'"

HS_MODE=lighttpd-fcgi
HS_PROCS=$procs
HS_KEEP=${WA_BENCH_KEEP:-}
# shellcheck source=../tests/integ/lib.sh
. "$root/tests/integ/lib.sh"
wb_dir=
g_pid=
load_pid=
cleanup()
{
	[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
	[ -n "$g_pid" ] && kill "$g_pid" 2>/dev/null && wait "$g_pid" 2>/dev/null
	if [ -n "${WA_BENCH_KEEP:-}" ]; then
		[ -n "$wb_dir" ] && echo "whatsapp: kept $wb_dir"
		[ -n "${HS_DIR:-}" ] && echo "whatsapp: kept $HS_DIR"
	else
		[ -n "$wb_dir" ] && rm -rf -- "$wb_dir"
	fi
	hs_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the double and the server ------------------------------------------------------

wb_dir=$(mktemp -d "${TMPDIR:-/tmp}/hs-wa-bench.XXXXXX")
token=bench-token-$RANDOM$RANDOM
secret=bench-secret-$RANDOM$RANDOM
phone=106540352242922
glog=$wb_dir/graph.log
python3 "$double" --port 0 --ready-file "$wb_dir/port" --log "$glog" \
    --token "$token" --phone-id "$phone" --version v25.0 \
    >"$wb_dir/double.out" 2>&1 &
g_pid=$!
for i in $(seq 1 100); do
	[ -s "$wb_dir/port" ] && break
	sleep 0.05
done
[ -s "$wb_dir/port" ] || die "the Graph API double did not start" "$(tail -n 5 "$wb_dir/double.out")"
gurl=http://127.0.0.1:$(tr -d ' \n' <"$wb_dir/port")

hs_server_start WHATSAPP_VERIFY_TOKEN=bench-verify "WHATSAPP_APP_SECRET=$secret" \
    "WHATSAPP_TOKEN=$token" "WHATSAPP_PHONE_NUMBER_ID=$phone" \
    "WHATSAPP_GRAPH_URL=$gurl" WHATSAPP_API_VERSION=v25.0 LOG_LEVEL=warn \
    $WA_BENCH_CONF \
    >/dev/null 2>"$wb_dir/server.err" ||
    die "the server did not start" "$(tail -n 5 "$wb_dir/server.err")"
wa_url=$HS_URL$HS_PREFIX/webhook

# --- helpers ------------------------------------------------------------------------

# menus_for TIMES: how many users of TIMES (meta_send's file) have a menu
# in the double's log so far.
menus_for()
{
	python3 - "$1" "$glog" <<-'EOF'
	import json, sys
	users = {l.split()[1] for l in open(sys.argv[1]) if l.split()[3] == "200"}
	menus = set()
	for line in open(sys.argv[2], encoding="utf-8"):
	    e = json.loads(line)
	    b = e.get("body") or {}
	    if e.get("status") == 200 and b.get("type") == "interactive":
	        menus.add(b.get("to"))
	print(len(users & menus))
	EOF
}

# settle TIMES: wait until every user acknowledged in TIMES has a menu, or
# until 10 s pass without a new one (30 s at most).
settle()
{
	local n last=-1 quiet=0 i
	for i in $(seq 1 300); do
		n=$(menus_for "$1")
		[ "$n" -ge "$(awk '$4 == "200"' "$1" | wc -l)" ] && return 0
		if [ "$n" = "$last" ]; then
			quiet=$((quiet + 1))
			[ "$quiet" -ge 100 ] && return 0
		else
			quiet=0
			last=$n
		fi
		sleep 0.1
	done
}

# analyse LABEL TIMES: the reply-time figures of one WhatsApp run; prints
# them and one line "LABEL p50 p99 max lost doubled acked" to $wb_dir/wa.
analyse()
{
	python3 - "$1" "$2" "$glog" "$wb_dir/wa" <<-'EOF'
	import json, math, sys
	label, times, glog, out = sys.argv[1:5]
	start, status = {}, {}
	for l in open(times):
	    t, user, wamid, st, ms = l.split()
	    start[user] = float(t)
	    status[user] = st
	greet, menu, order_bad = {}, {}, 0
	for line in open(glog, encoding="utf-8"):
	    e = json.loads(line)
	    b = e.get("body") or {}
	    u = b.get("to")
	    if e.get("status") != 200 or u not in start:
	        continue
	    if b.get("type") == "text":
	        greet.setdefault(u, []).append(e["t"])
	    elif b.get("type") == "interactive":
	        menu.setdefault(u, []).append(e["t"])
	acked = [u for u in start if status[u] == "200"]
	lat = sorted((menu[u][0] - start[u]) * 1000.0 for u in acked if u in menu)
	lost = sum(1 for u in acked if u not in menu)
	doubled = sum(1 for u in start if len(menu.get(u, [])) > 1 or
	              len(greet.get(u, [])) > 1)
	order_bad = sum(1 for u in menu if u in greet and greet[u][0] > menu[u][0])
	no_greet = sum(1 for u in menu if u not in greet)
	def pct(p):
	    if not lat:
	        return float("nan")
	    k = max(0, min(len(lat) - 1, math.ceil(p / 100.0 * len(lat)) - 1))
	    return lat[k]
	mx = lat[-1] if lat else float("nan")
	print("  %-6s %d conversations, %d answered 200 by the handler; menu after "
	      "POST start: p50 %.1f ms, p99 %.1f ms, max %.1f ms" %
	      (label, len(start), len(acked), pct(50), pct(99), mx))
	print("         lost (200 but no menu): %d; doubled (a 2nd greeting or menu): %d; "
	      "menu before greeting: %d; menu without greeting: %d" %
	      (lost, doubled, order_bad, no_greet))
	with open(out, "a") as f:
	    f.write("%s %.3f %.3f %.3f %d %d %d %d\n" % (label, pct(50), pct(99), mx,
	            lost, doubled + order_bad + no_greet, len(acked), len(start)))
	EOF
}

# wa_load SECONDS TIMES K: the WhatsApp traffic, WA_BENCH_RATE
# conversations/s, its users 549110K00000, 549110K00001, ... (K: one run).
wa_load()
{
	python3 "$sender" bench "$wa_url" --secret "$secret" --rate "$rate" \
	    --seconds "$1" --times "$2" --prefix "549110$3" --workers 64 \
	    --timeout 10
}

# ingest LABEL: one wrk run on the ManyChat contact endpoint; prints and
# appends "LABEL rps p50_us p99_us non2xx errors" to $wb_dir/ingest.
ingest()
{
	local out=$wb_dir/wrk-$1.out line kv
	local -A r=()
	BENCH_KEY=$HS_API_KEY BENCH_LABEL=wa-$$-$1-$RANDOM \
	    BENCH_ACKED=$wb_dir/acked-$1 BENCH_PATH=$api_path \
	    wrk -t2 -c"$conns" -d"${isecs}s" --timeout 10s \
	    -s "$root/bench/contact.lua" "$HS_URL$HS_PREFIX" >"$out" 2>&1
	line=$(sed -n 's/^bench: //p' "$out")
	[ -n "$line" ] || die "wrk did not finish the $1 run" "$(tail -n 10 "$out")"
	for kv in $line; do
		r[${kv%%=*}]=${kv#*=}
	done
	echo "$1 ${r[rps]} ${r[p50_us]} ${r[p99_us]} ${r[non2xx]}" \
	    "$((r[err_connect] + r[err_read] + r[err_write] + r[err_timeout]))" >>"$wb_dir/ingest"
	awk -v l="$1" -v rps="${r[rps]}" -v p50="${r[p50_us]}" -v p99="${r[p99_us]}" \
	    -v bad="${r[non2xx]}" 'BEGIN { printf "  %-10s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  non-2xx %d\n",
	    l, rps, p50 / 1000, p99 / 1000, bad }'
}

median()	# FILE COLUMN PREFIX
{
	awk -v c="$2" -v p="$3" 'index($1, p) == 1 { print $c }' "$1" | sort -g |
	    awk '{ v[NR] = $1 } END { if (!NR) { print "nan"; exit }
		print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

verdict()	# OK TEXT...
{
	local ok=$1
	shift
	if [ "$ok" -eq 1 ]; then printf '  PASS  %s\n' "$*"; else printf '  FAIL  %s\n' "$*"; fi
}

le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }

# --- 0. a probe -----------------------------------------------------------------------

echo "hookspool WhatsApp benchmark: Meta's POST {ROOT_PATH}/webhook -> the handler's greeting and menu"
echo "  server   lighttpd/hookspool.conf + cgi-bin/hooks.fcgi, HOOKSPOOL_PROCS=$procs,"
echo "           SPOOL_SYNCHRONOUS=FULL, LOG_LEVEL=warn, $HS_URL"
echo "  Graph    tests/doubles/graph_double.py at $gurl (answers at once)"
echo "  load     $rate conversations/s (one text from a new user each, its own"
echo "           connection), $secs s; ingest: wrk $conns connections, $isecs s per run,"
echo "           $rounds round(s) of alone then mixed; no scheduled_sync runs"
echo "  host     $(getconf _NPROCESSORS_ONLN) CPUs, Linux $(uname -r)"
echo
wa_load 1 "$wb_dir/times-probe" 1 >"$wb_dir/probe.out" 2>&1
settle "$wb_dir/times-probe"
[ "$(menus_for "$wb_dir/times-probe")" -ge 1 ] ||
    die "the probe conversation got no menu within 10 s" \
    "$(cat "$wb_dir/probe.out")" "$(tail -n 5 "$HS_ERRLOG" 2>/dev/null)" \
    "$(tail -n 3 "$glog" 2>/dev/null)"

# --- 1. the reply time, WhatsApp alone ------------------------------------------------

echo "1. reply time, $rate conversations/s for $secs s, nothing else running"
wa_load "$secs" "$wb_dir/times-alone" 2 >"$wb_dir/load-alone.out" 2>&1 ||
    echo "  note: $(tail -n 1 "$wb_dir/load-alone.out")"
echo "  Meta's side: $(grep '^meta_send:' "$wb_dir/load-alone.out" | sed 's/^meta_send: //')"
settle "$wb_dir/times-alone"
analyse alone "$wb_dir/times-alone"
pend=$(hs_sql "SELECT count(*) FROM deliveries WHERE sink = 'whatsapp' AND state = 'pending';")
dead=$(hs_sql "SELECT count(*) FROM deliveries WHERE sink = 'whatsapp' AND state = 'dead';")
echo "  spool: whatsapp deliveries pending $pend (left for cron), dead $dead"

# --- 2. the ingest, alone and mixed ---------------------------------------------------

echo
echo "2. ManyChat ingest (wrk, $conns connections, $isecs s), alone and with the WhatsApp traffic"
for r in $(seq 1 "$rounds"); do
	ingest "alone-$r"
	wa_load $((isecs + 2)) "$wb_dir/times-mixed-$r" $((2 + r)) \
	    >"$wb_dir/load-mixed-$r.out" 2>&1 &
	load_pid=$!
	ingest "mixed-$r"
	wait "$load_pid"
	load_pid=
	settle "$wb_dir/times-mixed-$r"
	analyse "mix-$r" "$wb_dir/times-mixed-$r" | sed 's/^/  /'
done

# --- 3. the figures against the targets -------------------------------------------------

read -r _ p50 p99 mx lost bad acked total < <(grep '^alone ' "$wb_dir/wa")
ra=$(median "$wb_dir/ingest" 2 alone-)
rm=$(median "$wb_dir/ingest" 2 mixed-)
ratio=$(awk -v a="$ra" -v m="$rm" 'BEGIN { printf "%.3f", (a > 0 ? m / a : 0) }')
echo
echo "Targets"
le "$p50" "$target_p50_ms" && ok=1 || ok=0
verdict "$ok" "$(printf 'reply time p50 <= %d ms at %d conversations/s: %.1f ms' "$target_p50_ms" "$rate" "$p50")"
le "$p99" "$target_p99_ms" && ok=1 || ok=0
verdict "$ok" "$(printf 'reply time p99 <= %d ms: %.1f ms (max %.1f ms)' "$target_p99_ms" "$p99" "$mx")"
[ "$lost" -eq 0 ] && [ "$bad" -eq 0 ] && [ "$acked" -eq "$total" ] && ok=1 || ok=0
verdict "$ok" "zero lost or doubled replies: $lost lost, $bad doubled or out of order," \
    "$((total - acked)) of $total POSTs not answered 200"
le "$target_ratio" "$ratio" && ok=1 || ok=0
verdict "$ok" "$(printf 'ingest with the WhatsApp traffic within 10%%: %.0f req/s mixed vs %.0f alone (medians) = %.1f%%' \
    "$rm" "$ra" "$(awk -v r="$ratio" 'BEGIN { print r * 100 }')")"
echo "        (ingest p99: $(awk '{ printf "%s %.1f ms  ", $1, $4 / 1000 }' "$wb_dir/ingest"))"
exit 0
