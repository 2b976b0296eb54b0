#!/usr/bin/env bash
# The queue service goes away: a run leaves every event pending with one
# attempt, a backoff (next_attempt_at after the attempt, within the cap)
# and the connection error, and exits 0 - retries are normal. When the
# service is back (empty: its queues are created again), a --drain run
# waits out the backoff and delivers everything.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t3003-contacts RETRY_BASE_MS=1500 RETRY_CAP_MS=1500 \
    AZURE_QUEUE_TIMEOUT_MS=2000

u=$(hs_unique t3003)
hs_is "$(hs_post_contacts 3 "$u-a")" 3 "3 contacts accepted"
hs_sync
hs_sync_expect 0 "service up: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" 3 "service up: delivered=3"

hs_azurite_stop
hs_is "$(hs_post_contacts 4 "$u-b")" 4 "4 more contacts accepted"
start=$(hs_now_iso)
hs_sync --once
end=$(hs_now_iso)
hs_sync_expect 0 "service down: exit 0 (retries are normal)"
hs_is "$(hs_sync_field azure_queue delivered)/$(hs_sync_field azure_queue retried)/$(hs_sync_field azure_queue dead)/$(hs_sync_field azure_queue pending)" \
    0/4/0/4 "service down: delivered=0 retried=4 dead=0 pending=4"
hs_is "$(grep -c 'event=attempt .*outcome=retry' "$HS_SYNC_ERR")" 4 \
    "service down: a retry line per attempt"
b="event_id IN (SELECT id FROM events WHERE idem_key LIKE $(hs_q "manychat:contact:$u-b-%"))"
hs_is "$(hs_dcount "$b AND state = 'pending' AND attempts = 1")" 4 \
    "service down: pending with attempts=1"
hs_is "$(hs_dcount "$b AND last_error IS NOT NULL AND last_error <> ''")" 4 \
    "service down: last_error set"
hs_diag "last_error: $(hs_sql "SELECT last_error FROM deliveries WHERE $b LIMIT 1;")"
hs_like "$(hs_sql "SELECT last_error FROM deliveries WHERE $b LIMIT 1;")" \
    'connect|Connect|refused' "service down: last_error names the connection failure"
hs_is "$(hs_dcount "$b AND next_attempt_at >= $(hs_q "$start") AND
    $(hs_ms_sql next_attempt_at) <= $(hs_ms_sql "$(hs_q "$end")") + 1500")" 4 \
    "service down: next_attempt_at within the backoff cap after the attempt"
hs_is "$(hs_dcount "$b AND next_attempt_at > $(hs_q "$start")")" 4 \
    "service down: next_attempt_at after the run started"
# Full jitter may draw 0 ms for one; not for all four.
hs_is "$(hs_dcount "$b AND next_attempt_at >= updated_at")" 4 \
    "service down: next_attempt_at not before the attempt"
hs_cmp "$(hs_dcount "$b AND $(hs_ms_sql next_attempt_at) > $(hs_ms_sql updated_at)")" -ge 1 \
    "service down: backoff applied (next_attempt_at later than the attempt)"
hs_is "$(hs_dcount "state = 'dead'")" 0 "service down: nothing dead"

hs_azurite_start "$HS_AZ_PORT"
hs_sync --drain --max-seconds 20
hs_sync_expect 0 "service back: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)/$(hs_sync_field azure_queue pending)" 4/0 \
    "service back: delivered=4 pending=0"
hs_is "$(hs_dcount "$b AND state = 'done' AND attempts = 2 AND length(receipt) >= 32")" 4 \
    "service back: done on the second attempt"
hs_is "$(hs_dump t3003-contacts | jq -r .idempotency_key | sort)" \
    "$(hs_sql "SELECT idem_key FROM events WHERE idem_key LIKE $(hs_q "manychat:contact:$u-b-%") ORDER BY idem_key;")" \
    "service back: the queue holds exactly the 4 events"

hs_done
