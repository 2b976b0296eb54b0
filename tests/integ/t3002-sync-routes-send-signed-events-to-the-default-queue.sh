#!/usr/bin/env bash
# With ROUTES naming signed/* as well, signed webhooks get an azure_queue
# delivery and land in the default queue (their kind is not contact or
# campaign); ManyChat events still go to their own queues.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    'ROUTES=signed/*:azure_queue;manychat/*:azure_queue' \
    AZURE_QUEUE_CONTACT=t3002-contacts AZURE_QUEUE_DEFAULT=t3002-other

u=$(hs_unique t3002)
declare -A sent=()
for t in reservation_update promo user_info; do
	body=$(hs_signed_body "$t" "$u-$t")
	hs_post_signed "$body"
	hs_like "$HS_STATUS" '^20[0-9]$' "signed $t accepted"
	sent[$t]=$body
done
hs_post_contact "$(hs_contact_body "$u-c1")"
hs_is "$HS_STATUS" 202 "contact accepted"
hs_is "$(hs_dcount "sink = 'azure_queue'")" 4 "a delivery for each signed event and the contact"

hs_sync
hs_sync_expect 0 "run: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" 4 "run: delivered=4"
hs_dump t3002-other >"$hs_sync_tmp/other"
hs_is "$(wc -l <"$hs_sync_tmp/other")" 3 "3 messages in the default queue"
hs_is "$(jq -r .source "$hs_sync_tmp/other" | sort -u)" signed "all from the signed source"
bad=0
for t in "${!sent[@]}"; do
	got=$(jq -cS --arg t "$t" 'select(.payload.type == $t) | .payload' "$hs_sync_tmp/other")
	[ "$got" = "$(jq -cS . <<<"${sent[$t]}")" ] || { bad=$((bad + 1)); hs_diag "$t: '$got'"; }
done
hs_is "$bad" 0 "each signed payload arrived as posted"
keys=$(jq -r .idempotency_key "$hs_sync_tmp/other" | sort)
hs_is "$keys" "$(hs_sql "SELECT idem_key FROM events WHERE source = 'signed' ORDER BY idem_key;")" \
    "their keys are the spool's keys"
hs_is "$(hs_dump t3002-contacts | jq -r .kind)" contact "the contact went to the contact queue"

hs_done
