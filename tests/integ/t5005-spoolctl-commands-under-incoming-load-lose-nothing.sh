#!/usr/bin/env bash
# While webhooks keep arriving (8 at a time, batches of 100 until the
# test is done) and scheduled_sync drains them, spoolctl purges 1,000
# older delivered events (in chunks), then runs stats, list, show, export
# and retry round after round: every webhook is answered
# 2xx, every spoolctl command succeeds, the purge takes exactly the old
# events, and every new event ends with exactly one delivery, sent once.
# The purge runs on a test clock (HOOKSPOOL_TEST_NOW) 2 s after the last
# change to an older event, and the new events come once the real clock
# has passed that cut: old and new are told apart however slow the
# machine is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}
[ -x "$HS_CTL" ] || hs_bail "'$HS_CTL' is built" "make san"

# ctl NAME ARGS...: one spoolctl run in the loop, its exit code logged.
ctl()
{
	local name=$1 rc
	shift
	timeout 60 "$HS_CTL" "$@" >"$hs_sync_tmp/ctl.out" 2>>"$hs_sync_tmp/ctl.err" </dev/null
	rc=$?
	echo "$name $rc" >>"$hs_sync_tmp/ctl.rc"
	return $rc
}

hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t5005-contacts
u=$(hs_unique t5005)
hs_is "$(hs_post_contacts 1000 "$u-a" 16)" 1000 "1,000 older contacts accepted"
hs_sync --drain --max-seconds 30
hs_is "$(hs_dcount "state = 'done'")" 1000 "older contacts delivered"
last=$(hs_sql "SELECT max(t) FROM (SELECT max(received_at) AS t FROM events
    UNION ALL SELECT max(updated_at) FROM deliveries);")
cut_ms=$(( $(hs_sql "SELECT $(hs_ms_sql "$(hs_q "$last")");") + 1 ))
hs_wait_until 30 hs_clock_past $((cut_ms - 1))

# The load: posts until told to stop, and draining runs.
stop=$hs_sync_tmp/stop
(
	n=0 ok=0
	while [ ! -e "$stop" ]; do
		n=$((n + 1))
		ok=$((ok + $(hs_post_contacts 100 "$u-b$n" 8)))
		echo "$((n * 100)) $ok" >"$hs_sync_tmp/posted"
	done
) &
poster=$!
# scheduled_sync --drain, run after run as cron would, until told to stop
# (a --drain run ends when nothing is pending; the next one waits a
# moment for more). Each run's exit code goes to sync.rc.
(
	while [ ! -e "$stop" ]; do
		hs_sync --drain --max-seconds 40
		echo "$HS_SYNC_RC" >>"$hs_sync_tmp/sync.rc"
		[ "$(hs_sync_field azure_queue delivered)" = 0 ] && sleep 0.1
	done
) &
syncer=$!
# The load is on once a new event has been delivered.
new_delivered() { [ "$(hs_dcount "state = 'done'")" -gt 1000 ]; }
hs_wait_until 60 new_delivered
hs_cmp "$(hs_dcount "state = 'done'")" -gt 1000 "the load is on: new events posted and delivered"

HOOKSPOOL_TEST_NOW=$((cut_ms + 2000)) ctl purge purge --older-than 2s --yes --json
purged=$(jq -r .purged "$hs_sync_tmp/ctl.out" 2>/dev/null)
# posted: webhooks sent so far (the poster's count after each batch).
posted() { local p=0; read -r p _ <"$hs_sync_tmp/posted" 2>/dev/null; echo "${p:-0}"; }
rounds=0
# 4 rounds at least, and as many as it takes for 200 webhooks to arrive
# meanwhile (at most 100).
while [ "$rounds" -lt 4 ] || { [ "$(posted)" -lt 200 ] && [ "$rounds" -lt 100 ]; }; do
	rounds=$((rounds + 1))
	ctl stats stats --json
	ctl list list --json --limit 20 --source manychat
	id=$(jq -r '.events[0].id // empty' "$hs_sync_tmp/ctl.out" 2>/dev/null)
	[ -n "$id" ] && ctl show show "$id" --json
	ctl export export --source manychat --since 1m
	# Nothing pending is a refusal (1); anything else must succeed.
	ctl retry retry --state pending --sink azure_queue --yes --json
	[ "$(tail -n 1 "$hs_sync_tmp/ctl.rc")" = "retry 1" ] &&
	    sed -i '$ s/^retry 1$/retry 0/' "$hs_sync_tmp/ctl.rc"
done
touch "$stop"
wait "$poster"
wait "$syncer"
hs_is "$(sort -u "$hs_sync_tmp/sync.rc" | paste -sd,)" 0 \
    "every draining run under load: exit 0 ($(wc -l <"$hs_sync_tmp/sync.rc") runs)"

read -r sent ok <"$hs_sync_tmp/posted"
hs_cmp "$sent" -ge 200 "$sent webhooks sent during the spoolctl rounds"
hs_is "$ok" "$sent" "every webhook under load answered 2xx"
hs_is "$purged" 1000 "purge under load: exactly the 1,000 older events"
bad=$(grep -v ' 0$' "$hs_sync_tmp/ctl.rc")
hs_is "$bad" "" "every spoolctl command under load succeeded"
[ -n "$bad" ] && hs_diag "$(tail -n 5 "$hs_sync_tmp/ctl.err")"
hs_is "$(grep -Ec 'runtime error|AddressSanitizer|LeakSanitizer' "$hs_sync_tmp/ctl.err")" 0 \
    "no sanitizer report from spoolctl"

hs_sync --drain --max-seconds 30
hs_is "$(hs_rows_with "$u-a-")" 0 "the older events are gone"
hs_is "$(hs_rows_with "$u-b")" "$sent" "every new event is stored"
hs_is "$(hs_sql "SELECT count(*) FROM events e WHERE (SELECT count(*) FROM deliveries d WHERE d.event_id = e.id) <> 1;")" \
    0 "every new event has exactly one delivery"
hs_is "$(hs_dcount "state = 'done'")" "$sent" "every new event delivered"
hs_is "$(hs_sql 'PRAGMA integrity_check;')" ok "the spool is intact"
hs_dump t5005-contacts >"$hs_sync_tmp/q"
hs_is "$(jq -r 'select(.payload.manychat_id | startswith("'"$u-b"'")) | .idempotency_key' "$hs_sync_tmp/q" | sort -u | wc -l)/$(grep -c "$u-b" "$hs_sync_tmp/q")" \
    "$sent/$sent" "each new event reached the queue once"
hs_done
