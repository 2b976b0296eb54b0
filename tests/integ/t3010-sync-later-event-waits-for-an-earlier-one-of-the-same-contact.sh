#!/usr/bin/env bash
# Per-key order: two updates of one contact and one of another, while the
# queue service is down. The first update of each contact is attempted and
# waits for a retry; the second update of the same contact is not attempted
# while the first is pending. With the service back, both are delivered in
# order: the later one after the earlier one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
port=$(hs_free_port)
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$(hs_az_cs "$port")" \
    AZURE_QUEUE_CONTACT=t3010-contacts RETRY_BASE_MS=300 RETRY_CAP_MS=300 \
    AZURE_QUEUE_TIMEOUT_MS=1000

u=$(hs_unique t3010)
hs_post_contact "$(hs_contact_body "$u-x" 2025-06-05T12:00:00Z)"
k1=$(hs_json .idempotency_key)
hs_post_contact "$(hs_contact_body "$u-x" 2025-06-05T12:05:00Z)"
k2=$(hs_json .idempotency_key)
hs_post_contact "$(hs_contact_body "$u-y" 2025-06-05T12:00:00Z)"
ky=$(hs_json .idempotency_key)
hs_is "$(hs_dcount "state = 'pending'")" 3 "3 contacts accepted, 2 of one contact"

d()
{
	hs_sql "SELECT d.$2 FROM deliveries d JOIN events e ON e.id = d.event_id
	    WHERE e.idem_key = $(hs_q "$1");"
}

hs_sync --once
hs_sync_expect 0 "service down: exit 0"
hs_is "$(d "$k1" attempts)/$(d "$ky" attempts)" 1/1 \
    "service down: the first update of each contact attempted"
hs_is "$(d "$k2" attempts)" 0 "service down: the later update of x not attempted"
hs_is "$(grep -cF "key=$k2 " "$HS_SYNC_ERR")" 0 "service down: no attempt line for it"

hs_azurite_start "$port"
hs_sync --drain --max-seconds 20
hs_sync_expect 0 "service back: exit 0"
hs_is "$(hs_dcount "state = 'done'")" 3 "service back: all delivered"
hs_is "$(d "$k2" attempts)" 1 "service back: the later update sent once"
l1=$(grep -nF "key=$k1 " "$HS_SYNC_ERR" | grep 'outcome=done' | cut -d: -f1)
l2=$(grep -nF "key=$k2 " "$HS_SYNC_ERR" | grep 'outcome=done' | cut -d: -f1)
hs_cmp "${l2:-0}" -gt "${l1:-999999}" "service back: the later update was sent after the earlier one"
hs_is "$(hs_sql "SELECT (SELECT d.done_at FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.idem_key = $(hs_q "$k1"))
    <= (SELECT d.done_at FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.idem_key = $(hs_q "$k2"));")" \
    1 "service back: done_at in order"
hs_is "$(hs_dump t3010-contacts | jq -r .idempotency_key | grep -F -e "$k1" -e "$k2" | tr '\n' ' ')" \
    "$k1 $k2 " "the queue holds them in order"

hs_done
