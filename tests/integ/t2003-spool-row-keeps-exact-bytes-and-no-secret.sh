#!/usr/bin/env bash
# The stored row is the request as received: raw bytes (whitespace, key
# order, \u escapes, UTF-8), the Content-Type as sent, the headers worth
# keeping as a JSON object - and never the API key.
. "$(dirname "$0")/lib.sh"
hs_use_server

m=$(hs_unique exact)
body=$(printf '{\n  "nombre_lead" : "Jos\\u00e9 Pérez \\ud83d\\ude00",\t"manychat_id":"%s",\n  "datetime_actual":"2025-06-05T12:41:36Z" , "x": [1.50, 2e3, -0]\n}' "$m")
key="manychat:contact:$m:2025-06-05T12:41:36Z"
HS_CT='application/json; charset=utf-8' hs_post_contact "$body"
hs_is "$HS_STATUS" 202 "odd but valid JSON: 202"
hs_is "$(hs_sql "SELECT hex(body) FROM events WHERE idem_key = $(hs_q "$key");")" \
    "$(hs_hex "$body")" "body stored byte for byte"
hs_is "$(hs_sql "SELECT content_type FROM events WHERE idem_key = $(hs_q "$key");")" \
    "application/json; charset=utf-8" "Content-Type stored as sent"
headers=$(hs_sql "SELECT headers FROM events WHERE idem_key = $(hs_q "$key");")
hs_is "$(jq -r 'type' <<<"$headers" 2>&1)" object "headers stored as a JSON object"
if grep -qF "$HS_API_KEY" <<<"$headers"; then
	hs_not_ok "X-API-KEY value not stored" "headers: $headers"
else
	hs_ok "X-API-KEY value not stored"
fi
if hs_sql "SELECT * FROM events WHERE idem_key = $(hs_q "$key");" | grep -qF "$HS_API_KEY"; then
	hs_not_ok "API key appears nowhere in the row"
else
	hs_ok "API key appears nowhere in the row"
fi

# The signed endpoint keeps the signature so the event can be re-verified.
body=$(hs_signed_body user_info "$m")
hs_post_signed "$body"
key=sha256:$(hs_sha256 "$body")
headers=$(hs_sql "SELECT headers FROM events WHERE idem_key = $(hs_q "$key");")
hs_is "$(jq -r '[to_entries[] | select(.key | ascii_downcase == "x-webhook-signature") | .value] | first' <<<"$headers" 2>&1)" \
    "$(hs_sign "$body")" "signed: x-webhook-signature kept"
hs_is "$(hs_sql "SELECT remote_addr FROM events WHERE idem_key = $(hs_q "$key");")" \
    127.0.0.1 "signed: remote address stored"

hs_done
