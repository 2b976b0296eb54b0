#!/usr/bin/env bash
# Meta's webhook verification, GET {ROOT_PATH}/webhook: hub.mode=subscribe
# with hub.verify_token equal to WHATSAPP_VERIFY_TOKEN is answered 200
# text/plain whose body is exactly hub.challenge, decoded as Meta encodes a
# query (%20 and + are spaces, %2E a dot; the token may come encoded too),
# whatever the order of the parameters. A wrong, truncated or missing
# token, or any other mode, is 403 with a JSON error that never echoes the
# challenge. Nothing is stored, and the token is not in the handler's log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

tok=$HS_WA_VERIFY_TOKEN
tok_enc=${tok//./%2E}	# verify-Tok%2Een_3x9: Meta may encode the dot
bodylen() { stat -c %s "$hs_scratch/body" 2>/dev/null || echo -1; }

wa_verify "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=$tok"
hs_is "$HS_STATUS" 200 "right token: 200"
hs_like "$(hs_header Content-Type)" '^text/plain' "right token: text/plain"
hs_is "$HS_BODY" 1158201444 "right token: the body is the challenge"
hs_is "$(bodylen)" 10 "right token: the challenge exactly (no newline, no quotes)"

wa_verify "hub.verify_token=$tok_enc&hub.challenge=ab%20cd+ef%2Egh&hub.mode=subscribe"
hs_is "$HS_STATUS" 200 "encoded token, other order: 200"
hs_is "$HS_BODY" "ab cd ef.gh" "encoded challenge: %20 and + decoded to spaces, %2E to a dot"
hs_is "$(bodylen)" 11 "encoded challenge: exactly its decoded bytes"

wa_verify "hub.mode=subscribe&hub.challenge=4242424242&hub.verify_token=not-$tok"
hs_expect_error 403 "wrong token"
hs_is "$(grep -c 4242424242 "$hs_scratch/body")" 0 "wrong token: the challenge is not echoed"

wa_verify "hub.mode=subscribe&hub.challenge=4242424242&hub.verify_token=${tok%?}"
hs_expect_error 403 "token one character short"
wa_verify "hub.mode=subscribe&hub.challenge=4242424242&hub.verify_token=${tok}x"
hs_expect_error 403 "token with one character more"
wa_verify "hub.mode=subscribe&hub.challenge=4242424242"
hs_expect_error 403 "no token"
wa_verify "hub.mode=unsubscribe&hub.challenge=4242424242&hub.verify_token=$tok"
hs_expect_error 403 "mode unsubscribe"
hs_is "$(grep -c 4242424242 "$hs_scratch/body")" 0 "wrong mode: the challenge is not echoed"
wa_verify "hub.mode=SUBSCRIBE&hub.challenge=4242424242&hub.verify_token=$tok"
hs_expect_error 403 "mode in capitals"
wa_verify "hub.challenge=4242424242&hub.verify_token=$tok"
hs_expect_error 403 "no mode"

hs_is "$(hs_sql_count 1)" 0 "verification stores nothing"
if grep -qF -e "$tok" "$HS_ERRLOG" 2>/dev/null; then
	hs_not_ok "the verify token is not in the handler's log" \
	    "$(grep -F -e "$tok" "$HS_ERRLOG" | head -n 2)"
else
	hs_ok "the verify token is not in the handler's log"
fi

hs_done
