# wa_lib.sh - helpers for the WhatsApp tests (t7xxx-whatsapp-*); sourced
# after lib.sh and sync_lib.sh, bash.
#
# The bot's promise is a reply within a second from the handler itself,
# after its answer to Meta, under every server the suite runs: so, unlike
# the sync tests, these scripts run in every mode (lighttpd + FastCGI,
# Apache + mod_fcgid, Apache + plain CGI). Each script starts its own Graph
# API double (tests/doubles/graph_double.py, Python standard library only)
# on a free loopback port, then its own server whose configuration points
# WHATSAPP_GRAPH_URL at it. Meta is played by tests/helpers/meta_send.py,
# which builds the notification envelopes and signs the exact bytes it
# sends. What the users would have received is the double's /received (the
# messages it answered 200, in arrival order); its log (one JSON line per
# request) says what was tried, refused, held or throttled, and when.
#
# A test waits for what the handler does after its answer with a bounded
# poll (hs_wait_until), never a fixed sleep. "Nothing was sent" is shown
# twice: structurally (the event has no delivery, or its delivery's state)
# and by a sentinel - a later message from another user that is answered
# while the first user still has nothing.
#
# scheduled_sync runs as in sync_lib.sh (as the handler's user, from a
# copy), with the test clock (HOOKSPOOL_TEST_NOW) when a test must be past
# a backoff or a lease without waiting for it.
#
#   HS_WA_PY     the Python 3 to run the double and meta_send with
#                (default python3)
#   HS_CTL       spoolctl (default build/san/tools/spoolctl, as t5001)

HS_WA_PY=${HS_WA_PY:-python3}
HS_WA_DOUBLE=${HS_WA_DOUBLE:-$HS_ROOT/tests/doubles/graph_double.py}
HS_WA_SEND=$HS_ROOT/tests/helpers/meta_send.py
HS_WA_VERIFY_TOKEN=verify-Tok.en_3x9
HS_WA_SECRET=meta-app-secret-7Qk2
HS_WA_TOKEN=graph-Test-Token-5d1
HS_WA_PHONE_ID=106540352242922
HS_WA_VERSION=v25.0
HS_WA_PID=
HS_WA_PORT=
HS_WA_DIR=
HS_WA_LOG=
HS_WA_URL=
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}
# The bot's defaults (the seed's texts, spec "Configuration keys").
HS_WA_GREETING='Hola!'
HS_WA_PROMPT='Por favor elije una opción:'
HS_WA_MENU="button:$HS_WA_PROMPT:pileta=Pileta,tenis=Tenis,sum=SUM"

wa_cleanup()
{
	[ -n "$HS_WA_PID" ] && kill "$HS_WA_PID" 2>/dev/null &&
	    wait "$HS_WA_PID" 2>/dev/null
	HS_WA_PID=
	hs_sync_cleanup
}
trap wa_cleanup EXIT

# wa_setup: what every WhatsApp script needs, in any mode: Python 3 for the
# double and for meta_send, the double itself, scheduled_sync (copied where
# the handler's user can run it, as hs_sync_one_mode does, without
# skipping the mode).
wa_setup()
{
	"$HS_WA_PY" -c 'import http.server, hmac, json, threading' 2>/dev/null ||
	    hs_skip_all "python3 is missing ('make deps' installs it)"
	[ -f "$HS_WA_DOUBLE" ] || hs_bail "the Graph API double is there" \
	    "missing $HS_WA_DOUBLE"
	[ -x "$HS_SYNC_BIN" ] || hs_bail "'$HS_SYNC_BIN' is built" "make all"
	hs_sync_tmp=$(mktemp -d "${TMPDIR:-/tmp}/hs-wa.XXXXXX")
	hs_dirs+=("$hs_sync_tmp")
	chmod 0755 "$hs_sync_tmp"
	HS_SYNC_BIN=$(hs_copy_in "$HS_SYNC_BIN" "$hs_sync_tmp/bin" 0755) ||
	    hs_bail "copy '$HS_SYNC_BIN' into '$hs_sync_tmp/bin'"
}

# --- the Graph API double --------------------------------------------------------

# wa_double_start [ARGS...]: start the double on a free port (its own pick);
# sets HS_WA_PID, HS_WA_PORT, HS_WA_URL (what WHATSAPP_GRAPH_URL names),
# HS_WA_LOG. Bails if it does not listen within 30 s.
wa_double_start()
{
	if [ -z "$HS_WA_DIR" ]; then
		HS_WA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hs-graph.XXXXXX")
		hs_dirs+=("$HS_WA_DIR")
	fi
	HS_WA_LOG=$HS_WA_DIR/graph.log
	rm -f "$HS_WA_DIR/port"
	"$HS_WA_PY" "$HS_WA_DOUBLE" --port 0 --ready-file "$HS_WA_DIR/port" \
	    --log "$HS_WA_LOG" --token "$HS_WA_TOKEN" \
	    --phone-id "$HS_WA_PHONE_ID" --version "$HS_WA_VERSION" "$@" \
	    >>"$HS_WA_DIR/double.out" 2>&1 &
	HS_WA_PID=$!
	hs_wait_until 30 wa_double_listening
	[ -s "$HS_WA_DIR/port" ] || hs_bail "start the Graph API double" \
	    "$(tail -n 5 "$HS_WA_DIR/double.out")"
	HS_WA_PORT=$(tr -d ' \n' <"$HS_WA_DIR/port")
	HS_WA_URL=http://127.0.0.1:$HS_WA_PORT
}

# wa_double_listening: the double wrote its port, or it is gone.
wa_double_listening()
{
	[ -s "$HS_WA_DIR/port" ] || ! kill -0 "$HS_WA_PID" 2>/dev/null
}

# wa_graph_ctl JSON: switch the double (POST /control; see graph_double.py):
# {"script": [...]}, {"delay_ms": N}, {"token": T}, {"release": true},
# {"clear": true}. Fails unless the double says ok.
wa_graph_ctl()
{
	curl -s --max-time 5 -H 'Content-Type: application/json' \
	    --data-binary "$1" "$HS_WA_URL/control" | jq -e '.ok == true' >/dev/null
}

# wa_received_all: GET /received, the messages answered 200 in arrival
# order (a JSON array).
wa_received_all()
{
	curl -s --max-time 10 "$HS_WA_URL/received"
}

# wa_received USER: the log entries of the messages USER received, one
# compact JSON a line, in arrival order.
wa_received()
{
	wa_received_all | jq -c --arg u "$1" '.[] | select(.body.to == $u)'
}

# wa_nreceived USER: how many messages USER received.
wa_nreceived()
{
	local n
	n=$(wa_received "$1" | wc -l)
	echo "${n:-0}"
}

# wa_replies USER: what USER received, one message a line: "text:BODY",
# "button:BODY:id=Title,...", "list:BODY:BUTTON:id=Title,...".
wa_replies()
{
	wa_received "$1" | jq -r '.body |
	    if .type == "text" then "text:" + .text.body
	    elif .type == "interactive" and .interactive.type == "button" then
		"button:" + .interactive.body.text + ":" +
		([.interactive.action.buttons[].reply | "\(.id)=\(.title)"] | join(","))
	    elif .type == "interactive" and .interactive.type == "list" then
		"list:" + .interactive.body.text + ":" + .interactive.action.button + ":" +
		([.interactive.action.sections[].rows[] | "\(.id)=\(.title)"] | join(","))
	    else "other:" + (.type // "?") end'
}

# wa_replies_line USER: wa_replies joined with "|" (one string to compare).
wa_replies_line()
{
	wa_replies "$1" | paste -sd'|' -
}

# wa_has_received USER N: USER received at least N messages.
wa_has_received()
{
	[ "$(wa_nreceived "$1")" -ge "$2" ]
}

# wa_wait_received USER N [SECONDS]: until USER received at least N
# messages (default bound 30 s); its status.
wa_wait_received()
{
	hs_wait_until "${3:-30}" wa_has_received "$1" "$2"
}

# wa_calls [JQ-SELECT]: the double's log entries (every request, answered
# or not) matching the jq boolean expression (default all), one a line.
wa_calls()
{
	[ -f "$HS_WA_LOG" ] || return 0
	jq -c "select(${1:-true})" "$HS_WA_LOG"
}

# wa_ncalls [JQ-SELECT]: how many.
wa_ncalls()
{
	local n
	n=$(wa_calls "$1" | wc -l)
	echo "${n:-0}"
}

# wa_ncalls_to USER [JQ-SELECT]: requests whose message was for USER.
wa_ncalls_to()
{
	wa_ncalls ".body.to == \"$1\"${2:+ and ($2)}"
}

# wa_has_calls_to USER N [JQ-SELECT]: at least N such requests logged.
wa_has_calls_to()
{
	[ "$(wa_ncalls_to "$1" "$3")" -ge "$2" ]
}

# --- configuration and server ----------------------------------------------------

# wa_conf [KEY=VALUE...]: the configuration arguments naming the double and
# Meta's secrets (for hs_sync_server), the arguments after them.
wa_conf()
{
	printf '%s\n' "WHATSAPP_VERIFY_TOKEN=$HS_WA_VERIFY_TOKEN" \
	    "WHATSAPP_APP_SECRET=$HS_WA_SECRET" \
	    "WHATSAPP_TOKEN=$HS_WA_TOKEN" \
	    "WHATSAPP_PHONE_NUMBER_ID=$HS_WA_PHONE_ID" \
	    "WHATSAPP_GRAPH_URL=$HS_WA_URL" \
	    "WHATSAPP_API_VERSION=$HS_WA_VERSION" "$@"
}

# wa_server [KEY=VALUE | !KEY ...]: the double (started if it is not yet),
# then a fresh server and spool configured for it; scheduled_sync shares
# the configuration (hs_sync_reconf changes it for both).
wa_server()
{
	local conf
	[ -n "$HS_WA_PID" ] || wa_double_start
	mapfile -t conf < <(wa_conf "$@")
	hs_sync_server "${conf[@]}"
}

# --- Meta's side -------------------------------------------------------------------

# wa_user: a WhatsApp id (digits only) no other test of this run uses.
wa_user()
{
	printf '549%09d%04d' "$(( $(date +%s%N) / 1000 % 1000000000 ))" \
	    $((RANDOM % 10000))
}

# wa_wamid: a fresh message id shaped like Meta's ("wamid." + base64).
wa_wamid()
{
	printf 'wamid.HBgL%s=' "$(head -c 24 /dev/urandom | base64 |
	    tr '+/' 'PS' | tr -d '=\n')"
}

# wa_post [meta_send ITEMS, MODIFIERS and options...]: one signed POST to
# {ROOT_PATH}/webhook by meta_send.py (signed with HS_WA_SECRET unless the
# arguments give --secret or --signature). Sets HS_STATUS (000: no answer),
# HS_BODY, HS_HDRS, HS_CURL_RC (0 when an answer came: for hs_expect_error
# and hs_is_json), WA_MS (the POST's duration, ms, as meta_send timed it)
# and WA_SENT (the file holding the exact bytes sent).
wa_post()
{
	local out first
	if [ -z "$hs_scratch" ]; then
		hs_scratch=$(mktemp -d "${TMPDIR:-/tmp}/hs-req.XXXXXX")
		hs_dirs+=("$hs_scratch")
	fi
	HS_HDRS=$hs_scratch/wa-headers
	WA_SENT=$hs_scratch/wa-sent
	rm -f "$HS_HDRS" "$WA_SENT"
	out=$("$HS_WA_PY" "$HS_WA_SEND" send "$HS_URL$HS_PREFIX/webhook" \
	    --secret "$HS_WA_SECRET" --headers "$HS_HDRS" --sent "$WA_SENT" \
	    --timeout "${HS_TIMEOUT:-20}" "$@")
	HS_CURL_RC=$?
	first=${out%%$'\n'*}
	read -r HS_STATUS WA_MS <<<"$first"
	HS_STATUS=${HS_STATUS:-000}
	if [[ $out == *$'\n'* ]]; then
		HS_BODY=${out#*$'\n'}
	else
		HS_BODY=
	fi
}

# wa_post_ok NAME [meta_send args...]: wa_post, then one assertion that
# Meta got 200 with the batch answer; "N stored, D duplicates" in NAME's
# diagnostics when not.
wa_post_ok()
{
	local name=$1
	shift
	wa_post "$@"
	if [ "$HS_STATUS" = 200 ] &&
	    printf '%s' "$HS_BODY" | jq -e '.status == "ok"' >/dev/null 2>&1; then
		hs_ok "$name: 200 ok"
	else
		hs_not_ok "$name: 200 ok" "status $HS_STATUS" "body: ${HS_BODY:0:300}"
	fi
}

# wa_answer: the batch answer's counts, "events/stored/duplicates".
wa_answer()
{
	hs_json '"\(.events)/\(.stored)/\(.duplicates)"'
}

# wa_verify QUERY: GET {ROOT_PATH}/webhook?QUERY (QUERY as Meta sends it,
# still percent-encoded).
wa_verify()
{
	hs_req GET "/webhook?$1"
}

# --- the spool ---------------------------------------------------------------------

# wa_dsql WAMID|KEY COLUMNS: COLUMNS ("|"-separated) of the whatsapp
# deliveries (d) of the whatsapp event (e) with idempotency key KEY, or
# wa:msg:WAMID when the argument starts with "wamid.".
wa_dsql()
{
	local key=$1
	[[ $key == wamid.* ]] && key=wa:msg:$key
	hs_sql "SELECT $2 FROM deliveries d JOIN events e ON e.id = d.event_id
	    WHERE e.source = 'whatsapp' AND e.idem_key = $(hs_q "$key")
	      AND d.sink = 'whatsapp' ORDER BY d.id;"
}

# wa_esql WAMID|KEY COLUMNS: COLUMNS of the whatsapp event (e).
wa_esql()
{
	local key=$1
	[[ $key == wamid.* ]] && key=wa:msg:$key
	hs_sql "SELECT $2 FROM events e WHERE e.source = 'whatsapp'
	    AND e.idem_key = $(hs_q "$key");"
}

# wa_ndeliveries WAMID|KEY: deliveries of the event, to any sink.
wa_ndeliveries()
{
	local key=$1 n
	[[ $key == wamid.* ]] && key=wa:msg:$key
	n=$(hs_sql "SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id
	    WHERE e.source = 'whatsapp' AND e.idem_key = $(hs_q "$key");")
	echo "${n:-0}"
}

# wa_dstate WAMID|KEY: "state/attempts" of the event's whatsapp delivery.
wa_dstate()
{
	wa_dsql "$1" "d.state || '/' || d.attempts"
}

# wa_dholds WAMID|KEY SQL-CONDITION: the event's whatsapp delivery
# satisfies the condition (on d and e); with hs_wait_until.
wa_dholds()
{
	[ "$(wa_dsql "$1" "CASE WHEN ($2) THEN 1 ELSE 0 END" | head -n 1)" = 1 ]
}

# wa_dms WAMID|KEY COLUMN: the ISO time in the delivery's COLUMN as ms
# since the epoch (empty when NULL).
wa_dms()
{
	wa_dsql "$1" "$(hs_ms_sql "d.$2")"
}

# wa_clock_past MS...: a test clock (ms since the epoch) 1 s past the
# latest of now and the MS given (empty ones skipped).
wa_clock_past()
{
	local t max
	max=$(date +%s%3N)
	for t in "$@"; do
		[[ $t =~ ^[0-9]+$ ]] && [ "$t" -gt "$max" ] && max=$t
	done
	echo $((max + 1000))
}

# --- the handler's log and spoolctl --------------------------------------------

# wa_log_has TEXT...: a line of the server's log holds every TEXT (fixed
# strings, any order).
wa_log_has()
{
	local lines t
	lines=$(cat "$HS_ERRLOG" 2>/dev/null)
	for t in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -e "$t")
	done
	[ -n "$lines" ]
}

# wa_log_lines TEXT...: those lines.
wa_log_lines()
{
	local lines t
	lines=$(cat "$HS_ERRLOG" 2>/dev/null)
	for t in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -e "$t")
	done
	printf '%s' "$lines"
}

# wa_spoolctl ARGS...: one spoolctl run on this server's spool; CTL_RC,
# CTL_OUT, CTL_ERR (as t5001's ctl).
wa_spoolctl()
{
	[ -x "$HS_CTL" ] || { CTL_RC=127; CTL_OUT=; CTL_ERR="'$HS_CTL' is not built (make san)"; return; }
	CTL_OUT=$(timeout 60 "$HS_CTL" "$@" 2>"$hs_sync_tmp/ctl.err" </dev/null)
	CTL_RC=$?
	CTL_ERR=$(cat "$hs_sync_tmp/ctl.err")
	if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' \
	    "$hs_sync_tmp/ctl.err"; then
		hs_not_ok "spoolctl $1: no sanitizer report" "$CTL_ERR"
	fi
}

# wa_cj FILTER: jq -r FILTER on the last spoolctl output.
wa_cj()
{
	printf '%s' "$CTL_OUT" | jq -r "$1" 2>/dev/null || echo '<not json>'
}

# --- together ------------------------------------------------------------------------

# wa_sentinel NAME: a text from a new user, answered with the greeting and
# the menu within 30 s: the handlers were free to answer it, so what a
# user before it did not receive by now was not sent.
wa_sentinel()
{
	local u w
	u=$(wa_user)
	w=$(wa_wamid)
	wa_post --from "$u" --id "$w" --text "sentinel"
	if [ "$HS_STATUS" != 200 ]; then
		hs_not_ok "$1: a later text from another user is accepted" \
		    "status $HS_STATUS" "body: ${HS_BODY:0:300}"
		return
	fi
	wa_wait_received "$u" 2 30
	hs_is "$(wa_replies_line "$u")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
	    "$1: a later text from another user gets its greeting and menu"
}

# wa_sending PID: PID has a TCP connection to the double that has sent
# bytes (its request is out), as ss(8) sees it; with hs_wait_until.
wa_sending()
{
	ss -Htnpi state established "( dport = :$HS_WA_PORT )" 2>/dev/null |
	    awk -v p="pid=$1," '
		index($0, p) { mine = 1; next }
		mine && /bytes_sent:[1-9]/ { found = 1 }
		{ mine = 0 }
		END { exit !found }'
}

# wa_alive PID: PID exists and is not a zombie.
wa_alive()
{
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}
