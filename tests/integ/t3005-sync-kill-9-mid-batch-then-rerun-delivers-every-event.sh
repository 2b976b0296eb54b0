#!/usr/bin/env bash
# scheduled_sync killed with SIGKILL in the middle of a large, rate-paced
# run: nothing is lost and nothing is half-recorded. The next run is not
# locked out, delivers the rest, and every event is in the queue at least
# once; a repeat (a batch sent but not yet recorded when the run died)
# carries the same idempotency key and event id as the first copy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
n=${HS_KILL_EVENTS:-3000}
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t3005-contacts AZURE_QUEUE_RATE=600 \
    AZURE_QUEUE_BATCH=100

u=$(hs_unique t3005)
hs_is "$(hs_post_contacts "$n" "$u" 32)" "$n" "$n contacts accepted"
hs_is "$(hs_dcount "state = 'pending'")" "$n" "$n pending deliveries"

hs_sync_bg --max-seconds 60
pid=$HS_SYNC_PID
done_at_kill=0
for i in $(seq 1 200); do
	done_at_kill=$(hs_dcount "state = 'done'")
	[ "$done_at_kill" -ge $((n / 5)) ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rc=$?
hs_is "$rc" 137 "first run killed by SIGKILL while still running"
done1=$(hs_dcount "state = 'done'")
hs_diag "done when killed: $done1 of $n"
hs_cmp "$done1" -lt "$n" "the kill came before the end"
hs_is "$(hs_dcount "state NOT IN ('pending', 'done')")" 0 "nothing dead or odd after the kill"
hs_is "$(hs_dcount "state = 'done' AND (done_at IS NULL OR receipt IS NULL)")" 0 \
    "every row marked done has its done_at and receipt"

hs_sync --drain --max-seconds 60
hs_sync_expect 0 "second run: exit 0 (the lock died with the first run)"
hs_is "$(hs_sync_field azure_queue pending)" 0 "second run: pending=0"
hs_is "$(hs_dcount "state = 'done'")" "$n" "second run: every delivery done"
hs_is "$(( done1 + $(hs_sync_field azure_queue delivered) ))" "$n" \
    "second run delivered exactly what the first had not recorded"

hs_dump t3005-contacts >"$hs_sync_tmp/msgs"
total=$(wc -l <"$hs_sync_tmp/msgs")
hs_diag "messages in the queue: $total for $n events ($((total - n)) repeats)"
hs_cmp "$total" -ge "$n" "at least one message per event"
hs_is "$(jq -r .idempotency_key "$hs_sync_tmp/msgs" | sort -u | wc -l)" "$n" \
    "every event's key is in the queue"
hs_is "$(jq -r '"\(.event_id) \(.idempotency_key)"' "$hs_sync_tmp/msgs" | sort -u |
    awk '{ print $1 }' | uniq -d | wc -l)" 0 \
    "every repeat carries the same idempotency key as the first copy"
hs_sql "SELECT id || ' ' || idem_key FROM events;" | sort >"$hs_sync_tmp/spool"
jq -r '"\(.event_id) \(.idempotency_key)"' "$hs_sync_tmp/msgs" | sort -u >"$hs_sync_tmp/queue"
hs_is "$(cmp -s "$hs_sync_tmp/spool" "$hs_sync_tmp/queue" && echo same)" same \
    "event ids and keys in the queue are the spool's"

hs_done
