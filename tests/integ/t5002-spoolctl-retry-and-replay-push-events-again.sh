#!/usr/bin/env bash
# Contacts go dead (their queue is missing, AZURE_QUEUE_CREATE=false);
# spoolctl retry of the sink refuses without --yes off a terminal, counts
# with --dry-run, then with --yes requeues them (pending, attempts 0, due
# now) recording who did it; once the queue may be created the next sync
# delivers each exactly once. replay of a done event adds one pending
# delivery that sync sends again with the same key. A delivery stuck in
# backoff while Azurite is down is pushed with retry --state pending.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}
[ -x "$HS_CTL" ] || hs_bail "'$HS_CTL' is built" "make san"

# ctl ARGS...: one spoolctl run; CTL_RC, CTL_OUT, CTL_ERR (text).
ctl()
{
	CTL_OUT=$(timeout 60 "$HS_CTL" "$@" 2>"$hs_sync_tmp/ctl.err" </dev/null)
	CTL_RC=$?
	CTL_ERR=$(cat "$hs_sync_tmp/ctl.err")
	if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' \
	    "$hs_sync_tmp/ctl.err"; then
		hs_not_ok "spoolctl $1: no sanitizer report" "$CTL_ERR"
	fi
}
cj() { printf '%s' "$CTL_OUT" | jq -r "$1" 2>/dev/null || echo '<not json>'; }

hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t5002-contacts AZURE_QUEUE_CREATE=false \
    RETRY_BASE_MS=600000 RETRY_CAP_MS=600000

u=$(hs_unique t5002)
hs_is "$(hs_post_contacts 5 "$u")" 5 "5 contacts accepted"
hs_sync --drain --max-seconds 20
hs_sync_expect 0 "sync: exit 0"
hs_is "$(hs_dcount "state = 'dead' AND attempts = 1")" 5 "all 5 dead: the queue is missing"

# --- retry of many: asks, never guesses ------------------------------------------
ctl retry --sink azure_queue
hs_is "$CTL_RC" 1 "retry of many without a terminal or --yes: exit 1"
hs_like "$CTL_ERR" 'add --yes' "retry without --yes: says what to add"
hs_is "$(hs_dcount "state = 'dead'")/$(hs_sql 'SELECT count(*) FROM history;')" 5/0 \
    "refused retry changed nothing"
ctl retry --sink azure_queue --dry-run --json
hs_is "$CTL_RC" 0 "retry --dry-run: exit 0"
hs_is "$(cj '"\(.dry_run) \(.matched) \(.requeued) \(.state) \(.event_id)"')" \
    "true 5 0 dead null" "retry --dry-run: counts 5, requeues none"
hs_is "$(hs_dcount "state = 'dead'")" 5 "dry run changed nothing"
ctl retry
hs_is "$CTL_RC" 100 "retry with neither event, filter nor --all: exit 100"
ctl retry --sink azure_queue --state done --yes
hs_is "$CTL_RC" 100 "retry --state done: exit 100 (that is replay)"

hs_sync_reconf AZURE_QUEUE_CREATE=true
t0=$(hs_now_iso)
CTL_OUT=$(SUDO_USER=alice timeout 60 "$HS_CTL" retry --sink azure_queue --yes --json </dev/null)
CTL_RC=$?
hs_is "$CTL_RC" 0 "retry --sink --yes: exit 0"
hs_is "$(cj '"\(.matched) \(.requeued) \(.skipped)"')" "5 5 0" "retry: 5 requeued, none skipped"
hs_is "$(hs_dcount "state = 'pending' AND attempts = 0 AND next_attempt_at >= '$t0' AND next_attempt_at <= '$(hs_now_iso)'")" \
    5 "requeued: pending, attempts 0, due now"
hs_is "$(hs_dcount "state = 'pending' AND last_error IS NOT NULL")" 5 "requeued: the last error is kept until the next attempt"
hs_is "$(hs_sql "SELECT count(*) FROM history WHERE actor = 'alice' AND action = 'retry' AND detail LIKE '%dead after 1 attempt%';")" \
    5 "history: one retry row per event, by \$SUDO_USER"
hs_sync --drain --max-seconds 20
hs_sync_expect 0 "sync after retry: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" 5 "sync after retry: delivered=5"
hs_dump t5002-contacts >"$hs_sync_tmp/q1"
hs_is "$(wc -l <"$hs_sync_tmp/q1")" 5 "5 messages in the queue"
hs_is "$(jq -r .idempotency_key "$hs_sync_tmp/q1" | sort -u | wc -l)" 5 "each event once"

key=$(jq -r .idempotency_key "$hs_sync_tmp/q1" | head -n 1)
id=$(hs_sql "SELECT id FROM events WHERE idem_key = $(hs_q "$key");")
ctl show "$key" --json
hs_is "$(cj '.history[0] | "\(.actor) \(.action)"')" "alice retry" "show: the retry in the event's history"
hs_is "$(cj '.deliveries[0] | "\(.state) \(.attempts)"')" "done 1" "show: delivered on the first attempt after the retry"
ctl retry "$id"
hs_is "$CTL_RC" 1 "retry of an event with nothing dead: exit 1"
hs_like "$CTL_ERR" 'nothing to retry' "retry of a done event: says so"

# --- replay ----------------------------------------------------------------------
CTL_OUT=$(USER=carol SUDO_USER= timeout 60 "$HS_CTL" replay "$id" --json </dev/null)
CTL_RC=$?
hs_is "$CTL_RC" 0 "replay of a done event: exit 0"
did=$(cj '.replayed[0].delivery_id')
hs_is "$(cj '"\(.event_id) \(.replayed[0].sink) \(.refused | length)"')" "$id azure_queue 0" \
    "replay: a new delivery to azure_queue"
hs_is "$(hs_dcount "event_id = $id")/$(hs_dcount "id = $did AND state = 'pending' AND attempts = 0")" 2/1 \
    "replay: the done delivery stays, a pending one is added"
hs_is "$(hs_sql "SELECT actor FROM history WHERE event_id = $id AND action = 'replay';")" carol \
    "history: the replay by \$USER"
ctl replay "$key" --json
hs_is "$CTL_RC" 1 "replay while one is pending: exit 1"
hs_like "$(cj '.refused[0].reason')" 'pending: nothing to do' "replay while pending: says why"
ctl replay "$id" --sink dead_letter
hs_is "$CTL_RC" 1 "replay to an unconfigured sink: exit 1"
hs_like "$CTL_ERR" 'not configured' "unconfigured sink: says so"
ctl replay "$id" --sink nosuch
hs_is "$CTL_RC" 100 "replay to an unknown sink: exit 100"
hs_is "$(hs_dcount "event_id = $id")" 2 "refused replays added nothing"
hs_sync --drain --max-seconds 20
hs_is "$(hs_sync_field azure_queue delivered)" 1 "sync after replay: delivered=1"
hs_dump t5002-contacts >"$hs_sync_tmp/q2"
hs_is "$(jq -r '"\(.idempotency_key) \(.event_id)"' "$hs_sync_tmp/q2")" "$key $id" \
    "the replayed message carries the same key and event"

# --- a delivery stuck in backoff, pushed now -----------------------------------------
hs_azurite_stop
hs_post_contact "$(hs_contact_body "$u-stuck")"
skey=$(hs_json .idempotency_key)
hs_sync --once
hs_is "$(hs_dcount "state = 'pending' AND attempts = 1 AND next_attempt_at > '$(hs_now_iso)'")" 1 \
    "with Azurite down the new contact waits in backoff"
ctl show "$skey"
hs_like "$CTL_OUT" 'pending +1 +20[0-9-]+T' "show: pending, 1 attempt, the next attempt time"
hs_like "$CTL_OUT" 'CouldNotConnect|connect' "show: why it is stuck"
ctl retry "$skey"
hs_is "$CTL_RC" 1 "retry of a pending event without --state pending: exit 1"
hs_like "$CTL_ERR" '--state pending' "retry: points to --state pending"
hs_azurite_start "$HS_AZ_PORT"
ctl retry "$skey" --state pending --json
hs_is "$CTL_RC/$(cj .requeued)" 0/1 "retry --state pending: pushed"
hs_sync --once
hs_is "$(hs_sync_field azure_queue delivered)" 1 "the pushed delivery goes out at once"
hs_is "$(hs_dcount "state = 'done'")" 7 "every delivery done"
hs_done
