#!/usr/bin/env bash
# The same webhook delivered again gets the first answer back, marked
# "duplicate": true and Idempotent-Replayed: true, and stores nothing new -
# for contacts, campaign assignments and signed webhooks alike.
. "$(dirname "$0")/lib.sh"
hs_use_server

# check_replay NAME KEY POST-FUNCTION BODY
check_replay()
{
	local name=$1 key=$2 post=$3 body=$4 first i
	"$post" "$body"
	hs_is "$HS_STATUS" 202 "$name: first delivery 202"
	first=$HS_BODY
	for i in 2 3; do
		"$post" "$body"
		hs_is "$HS_STATUS" 202 "$name: delivery $i 202 again"
		hs_is "$(hs_json .duplicate)" true "$name: delivery $i marked duplicate"
		hs_is "$(hs_header Idempotent-Replayed)" true "$name: delivery $i has Idempotent-Replayed: true"
		hs_is "$(jq -S 'del(.duplicate)' <<<"$HS_BODY" 2>&1)" \
		    "$(jq -S 'del(.duplicate)' <<<"$first" 2>&1)" \
		    "$name: delivery $i answer is the first answer"
	done
	hs_is "$(hs_rows_key "$key")" 1 "$name: one row after three deliveries"
}

id=$(hs_unique dup)
check_replay contact "manychat:contact:$id:2025-06-05T12:41:36Z" \
    hs_post_contact "$(hs_contact_body "$id")"
check_replay campaign "manychat:campaign:$id:c9:2025-06-05T12:41:36Z" \
    hs_post_campaign "$(hs_campaign_body "$id" c9)"
body=$(hs_signed_body reservation_update "$id")
check_replay signed "sha256:$(hs_sha256 "$body")" hs_post_signed "$body"

# A later event about the same contact is not a duplicate.
hs_post_contact "$(hs_contact_body "$id" 2025-06-05T12:45:00Z)"
hs_is "$HS_STATUS" 202 "same contact, later datetime_actual: 202"
hs_is "$(hs_json '.duplicate // false')" false "same contact, later datetime_actual: not a duplicate"
hs_is "$(hs_sql_count "idem_key LIKE $(hs_q "manychat:contact:$id:%")")" 2 \
    "same contact, later datetime_actual: second row"

hs_done
