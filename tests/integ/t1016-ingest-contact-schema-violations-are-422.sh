#!/usr/bin/env bash
# ManyChat bodies that are JSON but break the schema get 422 with a "fields"
# list naming every bad field, and are not stored.
. "$(dirname "$0")/lib.sh"
hs_use_server

m=$(hs_unique schema)
# check NAME POST-FUNCTION BODY FIELD...
check()
{
	local name=$1 post=$2 body=$3 f
	shift 3
	"$post" "$body"
	hs_expect_error 422 "$name"
	for f in "$@"; do
		hs_is "$(hs_json "[.fields[]? | select(.field == \"$f\") | .problem | length > 0] | any")" \
		    true "$name: fields names '$f' with a problem"
	done
}

check "contact without manychat_id" hs_post_contact \
    "{\"nombre_lead\": \"$m\"}" manychat_id
check "contact with empty manychat_id" hs_post_contact \
    "{\"manychat_id\": \"\", \"nombre_lead\": \"$m\"}" manychat_id
check "contact with manychat_id an object" hs_post_contact \
    "{\"manychat_id\": {\"id\": 1}, \"nombre_lead\": \"$m\"}" manychat_id
check "contact with manychat_id true" hs_post_contact \
    "{\"manychat_id\": true, \"nombre_lead\": \"$m\"}" manychat_id
check "contact with a bad email" hs_post_contact \
    "{\"manychat_id\": \"$m\", \"email\": \"not-an-address\"}" email
check "contact with a bad datetime_actual" hs_post_contact \
    "{\"manychat_id\": \"$m\", \"datetime_actual\": \"05/06/2025\"}" datetime_actual
check "contact with a numeric nombre_lead" hs_post_contact \
    "{\"manychat_id\": \"$m\", \"nombre_lead\": 12}" nombre_lead
check "contact with four bad fields" hs_post_contact \
    "{\"nombre_lead\": 1, \"email\": \"x@\", \"datetime_actual\": \"ayer\", \"phone\": [\"$m\"]}" \
    manychat_id nombre_lead email datetime_actual phone
check "contact body is an array" hs_post_contact "[\"$m\"]"
check "campaign without campaign_id" hs_post_campaign \
    "{\"manychat_id\": \"$m\"}" campaign_id
check "campaign without either id" hs_post_campaign \
    "{\"comercial_id\": \"$m\"}" manychat_id campaign_id
check "campaign with a bad datetime_actual" hs_post_campaign \
    "{\"manychat_id\": \"$m\", \"campaign_id\": \"c\", \"datetime_actual\": \"2025-13-45T99:00:00Z\"}" \
    datetime_actual

hs_is "$(hs_rows_with "$m")" 0 "nothing stored"

hs_done
