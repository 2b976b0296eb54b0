#!/usr/bin/env bash
# Contacts and campaign assignments accepted through the real server reach
# their own queues in Azurite exactly once: each message is the envelope
# with the event's idempotency key, source, kind, id and the payload as
# posted; the deliveries are done with the MessageId as receipt; signed
# events get no delivery without ROUTES; a second run sends nothing again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t3001-contacts AZURE_QUEUE_CAMPAIGN=t3001-campaigns \
    AZURE_QUEUE_DEFAULT=t3001-other

u=$(hs_unique t3001)
declare -A sent=()	# idempotency key -> body
for i in 1 2 3 4 5; do
	body=$(hs_contact_body "$u-c$i")
	hs_post_contact "$body"
	hs_is "$HS_STATUS" 202 "contact $i accepted"
	sent[$(hs_json .idempotency_key)]=$body
done
for i in 1 2 3; do
	body=$(hs_campaign_body "$u-c$i" "camp-$i")
	hs_post_campaign "$body"
	hs_like "$HS_STATUS" '^20[0-9]$' "campaign $i accepted"
	sent[$(hs_json .idempotency_key)]=$body
done
for t in promo user_info; do
	hs_post_signed "$(hs_signed_body "$t" "$u-$t")"
	hs_like "$HS_STATUS" '^20[0-9]$' "signed $t accepted"
done
hs_is "$(hs_dcount "sink = 'azure_queue' AND state = 'pending'")" 8 \
    "one pending azure_queue delivery per ManyChat event"
hs_is "$(hs_dcount "event_id IN (SELECT id FROM events WHERE source = 'signed')")" 0 \
    "no delivery for signed events without ROUTES"

hs_sync
hs_sync_expect 0 "run: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" 8 "run: delivered=8"
hs_is "$(hs_sync_field azure_queue retried)/$(hs_sync_field azure_queue dead)/$(hs_sync_field azure_queue pending)" \
    0/0/0 "run: retried=0 dead=0 pending=0"
hs_like "$HS_SYNC_OUT" '^scheduled_sync: sink=azure_queue delivered=8 retried=0 dead=0 pending=0 oldest_pending_s=0 seconds=[0-9.]+ max_rss_kb=[0-9]+$' \
    "run: summary line format"
hs_is "$(grep -c 'event=attempt .*sink=azure_queue.*outcome=done' "$HS_SYNC_ERR")" 8 \
    "run: one attempt line per delivery on stderr"
hs_is "$(hs_dcount "state = 'done' AND attempts = 1 AND done_at IS NOT NULL AND length(receipt) >= 32 AND last_error IS NULL")" \
    8 "every delivery done on the first attempt, with a receipt"

# Read the queues back and compare with what was posted.
hs_dump t3001-contacts >"$hs_sync_tmp/contacts"
hs_dump t3001-campaigns >"$hs_sync_tmp/campaigns"
hs_dump t3001-other >"$hs_sync_tmp/other"
hs_is "$(wc -l <"$hs_sync_tmp/contacts")" 5 "5 messages in the contact queue"
hs_is "$(wc -l <"$hs_sync_tmp/campaigns")" 3 "3 messages in the campaign queue"
hs_is "$(wc -l <"$hs_sync_tmp/other")" 0 "nothing in the default queue"
hs_is "$(jq -r .kind "$hs_sync_tmp/contacts" | sort -u)" contact "contact queue holds contacts"
hs_is "$(jq -r .kind "$hs_sync_tmp/campaigns" | sort -u)" campaign "campaign queue holds campaigns"
hs_is "$(cat "$hs_sync_tmp/contacts" "$hs_sync_tmp/campaigns" | jq -r .idempotency_key | sort | uniq -d)" \
    "" "no key twice"

bad=0
while IFS= read -r msg; do
	key=$(jq -r .idempotency_key <<<"$msg")
	if [ -z "${sent[$key]+x}" ]; then
		bad=$((bad + 1)); hs_diag "unexpected key '$key'"; continue
	fi
	if [ "$(jq -cS .payload <<<"$msg")" != "$(jq -cS . <<<"${sent[$key]}")" ]; then
		bad=$((bad + 1)); hs_diag "payload of '$key' differs: $msg"
	fi
	row=$(hs_sql "SELECT id || '|' || source || '|' || kind || '|' || received_at FROM events WHERE idem_key = $(hs_q "$key");")
	got=$(jq -r '"\(.event_id)|\(.source)|\(.kind)|\(.received_at)"' <<<"$msg")
	if [ "$row" != "$got" ]; then
		bad=$((bad + 1)); hs_diag "envelope of '$key': spool '$row', message '$got'"
	fi
	unset "sent[$key]"
done < <(cat "$hs_sync_tmp/contacts" "$hs_sync_tmp/campaigns")
hs_is "$bad" 0 "every message is the envelope of its event, payload as posted"
hs_is "${#sent[@]}" 0 "every posted event arrived"
# The payload is spliced in as the exact bytes received.
key=$(head -n 1 "$hs_sync_tmp/contacts" | jq -r .idempotency_key)
hs_is "$(head -n 1 "$hs_sync_tmp/contacts" | sed 's/.*"payload"://; s/}$//')" \
    "$(hs_sql "SELECT CAST(body AS TEXT) FROM events WHERE idem_key = $(hs_q "$key");")" \
    "payload bytes are the stored body bytes"

hs_sync
hs_sync_expect 0 "second run: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" 0 "second run: delivered=0"
hs_is "$(hs_dump t3001-contacts t3001-campaigns | wc -l)" 0 "second run: nothing sent again"
hs_sync_no_secret "no key in any output"

hs_done
