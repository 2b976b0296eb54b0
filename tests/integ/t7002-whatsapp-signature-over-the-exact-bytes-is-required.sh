#!/usr/bin/env bash
# POST {ROOT_PATH}/webhook is taken only with X-Hub-Signature-256:
# sha256=<hex HMAC-SHA256 of the raw body> under one of the secrets of
# WHATSAPP_APP_SECRET (a comma-separated list: both are accepted), hex in
# either case, computed over the exact bytes - Meta's \uXXXX and \/ escapes
# or raw UTF-8 with emoji alike. A missing, wrong, repeated or malformed
# header, or a body changed after signing, is 401 and stores nothing; a
# signed body that is not JSON is 400, not 401.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
second=second-app-secret-Zz9
wa_server "WHATSAPP_APP_SECRET=$HS_WA_SECRET,$second"

text_of() {
	wa_esql "$1" "json_extract(CAST(e.body AS TEXT), '\$.entry[0].changes[0].value.messages[0].text.body')"
}

declare -A w
for c in good second upper escaped utf8 wrong missing repeated malformed stale; do
	w[$c]=$(wa_wamid)
done

wa_post --from "$(wa_user)" --id "${w[good]}" --text "hola"
hs_is "$HS_STATUS" 200 "first secret: 200"
hs_is_json "first secret: JSON answer"
hs_is "$(wa_answer)" 1/1/0 "first secret: events/stored/duplicates 1/1/0"
hs_is "$(wa_esql "${w[good]}" 'count(*)')" 1 "first secret: the message is stored"

wa_post --secret "$second" --from "$(wa_user)" --id "${w[second]}" --text "hola"
hs_is "$HS_STATUS/$(wa_answer)" 200/1/1/0 "second secret of the list: accepted"

wa_post --signature upper --from "$(wa_user)" --id "${w[upper]}" --text "hola"
hs_is "$HS_STATUS/$(wa_answer)" 200/1/1/0 "uppercase hex: accepted"

txt='¡Hola! ¿Cómo estás? 👋🏽 ñandú / 1/2 "comillas" \ barra'
wa_post --meta-escapes --from "$(wa_user)" --id "${w[escaped]}" --text "$txt"
hs_is "$HS_STATUS" 200 "Meta's escapes (\\uXXXX, \\/): accepted"
hs_is "$(grep -c '\\u00a1' "$WA_SENT")/$(grep -c '\\/' "$WA_SENT")" 1/1 \
    "Meta's escapes: the bytes sent had \\u00a1 and \\/ in them"
hs_is "$(text_of "${w[escaped]}")" "$txt" "Meta's escapes: the stored text is the decoded text"

wa_post --from "$(wa_user)" --id "${w[utf8]}" --text "$txt"
hs_is "$HS_STATUS" 200 "raw UTF-8 with emoji: accepted"
hs_is "$(text_of "${w[utf8]}")" "$txt" "raw UTF-8: the stored text is the text sent"

wa_post --signature wrong --from "$(wa_user)" --id "${w[wrong]}" --text "hola"
hs_expect_error 401 "signed with another secret"
wa_post --signature missing --from "$(wa_user)" --id "${w[missing]}" --text "hola"
hs_expect_error 401 "no X-Hub-Signature-256"
wa_post --signature repeated --from "$(wa_user)" --id "${w[repeated]}" --text "hola"
hs_expect_error 401 "the header twice (both right)"
wa_post --signature malformed --from "$(wa_user)" --id "${w[malformed]}" --text "hola"
hs_expect_error 401 "hex without sha256="
wa_post --signature stale --from "$(wa_user)" --id "${w[stale]}" --text "hola"
hs_expect_error 401 "body changed after signing (one space appended)"
n=0
for c in wrong missing repeated malformed stale; do
	n=$((n + $(wa_esql "${w[$c]}" 'count(*)')))
done
hs_is "$n" 0 "nothing stored for a refused signature"

printf '{"object":"whatsapp_business_account","entry":[' >"$hs_sync_tmp/notjson"
wa_post --body-file "$hs_sync_tmp/notjson"
hs_expect_error 400 "signed body that is not JSON: 400, not 401"

hs_is "$(hs_sql_count "source = 'whatsapp'")" 5 "5 messages stored in all"
if grep -qF -e "$HS_WA_SECRET" -e "$second" "$HS_ERRLOG" 2>/dev/null; then
	hs_not_ok "no app secret in the handler's log"
else
	hs_ok "no app secret in the handler's log"
fi

hs_done
