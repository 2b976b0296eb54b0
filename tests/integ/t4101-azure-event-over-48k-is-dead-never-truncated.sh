#!/usr/bin/env bash
# A contact whose envelope exceeds what one queue message can hold (49,152
# raw bytes, 65,536 base64 chars) is accepted by the server, then marked
# dead at once with its size and the limit in last_error; nothing of it is
# sent, truncated or otherwise. A contact just under the limit goes through
# whole.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t4101-contacts

u=$(hs_unique t4101)
pad()
{
	head -c "$1" /dev/zero | tr '\0' 'x'
}
big=$(jq -nc --arg id "$u-big" --arg p "$(pad 60000)" \
    '{manychat_id: $id, datetime_actual: "2025-06-05T12:41:36Z", notas: $p}')
hs_post_contact "$big"
hs_is "$HS_STATUS" 202 "a 60 kB contact is accepted"
kbig=$(hs_json .idempotency_key)
# Envelope overhead is a few hundred bytes: leave room for it.
fit=$(jq -nc --arg id "$u-fit" --arg p "$(pad 48000)" \
    '{manychat_id: $id, datetime_actual: "2025-06-05T12:41:36Z", notas: $p}')
hs_post_contact "$fit"
hs_is "$HS_STATUS" 202 "a 48 kB contact is accepted"
kfit=$(hs_json .idempotency_key)

hs_sync --drain --max-seconds 20
hs_sync_expect 0 "run: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)/$(hs_sync_field azure_queue dead)" 1/1 \
    "run: delivered=1 dead=1"
err=$(hs_sql "SELECT d.last_error FROM deliveries d JOIN events e ON e.id = d.event_id
    WHERE e.idem_key = $(hs_q "$kbig") AND d.state = 'dead' AND d.attempts = 1;")
hs_diag "last_error: $err"
hs_like "$err" '49152' "last_error gives the limit"
hs_like "$err" '6[0-9]{4} bytes' "last_error gives the size"
hs_like "$err" 'not truncated' "last_error says it was not truncated"

hs_dump t4101-contacts >"$hs_sync_tmp/msgs"
hs_is "$(wc -l <"$hs_sync_tmp/msgs")" 1 "one message in the queue"
hs_is "$(jq -r .idempotency_key "$hs_sync_tmp/msgs")" "$kfit" "it is the one that fits"
hs_is "$(jq -r '.payload.notas | length' "$hs_sync_tmp/msgs")" 48000 "sent whole"

hs_done
