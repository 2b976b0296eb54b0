#!/usr/bin/env bash
# A body signed with WEBHOOK_SECRET (HMAC-SHA256, hex in x-webhook-signature,
# either case, optional "sha256=") is answered 202 for each of the three
# types and stored as source "signed", kind = type, key sha256:{body}.
. "$(dirname "$0")/lib.sh"
hs_use_server

# The helper signs like the protocol reference (Appendix A).
hs_is "$(hs_sign '{"type":"user_info","content":"x"}' shared_secret)" \
    df6184d5e7ea68ee9f66f5dee2b1a8d945a5a295eb64d8fa50c633afe2ce7144 \
    "signing helper matches the reference vector"

for type in reservation_update promo user_info; do
	body=$(hs_signed_body "$type" "$(hs_unique "$type")")
	key=sha256:$(hs_sha256 "$body")
	hs_post_signed "$body"
	hs_is "$HS_STATUS" 202 "$type: status 202"
	hs_is_json "$type: answer is JSON"
	hs_is "$(hs_json .success)" true "$type: success true"
	hs_like "$(hs_json .message)" . "$type: has a message"
	hs_is "$(hs_json .data.type)" "$type" "$type: data.type"
	hs_is "$(hs_json .data.idempotency_key)" "$key" "$type: data.idempotency_key is sha256 of the body"
	id=$(hs_sql "SELECT id FROM events WHERE idem_key = $(hs_q "$key");")
	hs_is "$(hs_json '.data.event_id | tostring')" "${id:-<no row>}" "$type: data.event_id is the spool row"
	hs_is "$(hs_sql "SELECT source || '|' || kind FROM events WHERE idem_key = $(hs_q "$key");")" \
	    "signed|$type" "$type: stored as signed/$type"
	hs_is "$(hs_sql "SELECT hex(body) FROM events WHERE idem_key = $(hs_q "$key");")" \
	    "$(hs_hex "$body")" "$type: body stored byte for byte"
done

body=$(hs_signed_body user_info "$(hs_unique upper)")
sig=$(hs_sign "$body" | tr 'a-f' 'A-F')
hs_post /webhook/receive "$body" -H "x-webhook-signature: $sig"
hs_is "$HS_STATUS" 202 "uppercase hex signature: status 202"

body=$(hs_signed_body user_info "$(hs_unique prefixed)")
hs_post /webhook/receive "$body" -H "x-webhook-signature: sha256=$(hs_sign "$body")"
hs_is "$HS_STATUS" 202 "sha256= prefixed signature: status 202"

body=$(hs_signed_body promo "$(hs_unique header-case)")
hs_post /webhook/receive "$body" -H "X-Webhook-Signature: $(hs_sign "$body")"
hs_is "$HS_STATUS" 202 "header name in other case: status 202"

hs_done
