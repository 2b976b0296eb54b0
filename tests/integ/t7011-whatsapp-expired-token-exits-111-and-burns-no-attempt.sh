#!/usr/bin/env bash
# WHATSAPP_TOKEN expired or revoked (Graph error 190, HTTP 401): the
# handler's attempt stops at the first refusal, logs it and leaves the
# delivery pending with no attempt counted; scheduled_sync stops the sink
# with exit 111, naming the key to fix, and burns no attempt either (run
# after run). With a valid token the reply goes out, once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

u=$(wa_user); w=$(wa_wamid)
# The double now takes another token: ours is refused with 190.
wa_graph_ctl '{"token": "rotated-Token-8c2"}' || hs_bail "rotate the double's token"
wa_post_ok "expired token" --from "$u" --id "$w" --text "hola"
hs_wait_until 30 wa_has_calls_to "$u" 1 '.code == 190'
if hs_wait_until 30 wa_log_has WHATSAPP_TOKEN; then
	hs_ok "expired token: the handler logs that WHATSAPP_TOKEN was refused"
else
	hs_not_ok "expired token: the handler logs that WHATSAPP_TOKEN was refused" \
	    "no line names WHATSAPP_TOKEN; the log ends:" "$(tail -n 5 "$HS_ERRLOG")"
fi
hs_is "$(wa_calls ".body.to == \"$u\"" | jq -r '"\(.status) \(.code) \(.auth)"')" "401 190 bad" \
    "expired token: one request, refused 401 with code 190 - the menu was not tried"
hs_is "$(wa_dstate "$w")" pending/0 "expired token: pending, no attempt counted"

# Past any lease the handler may still hold, so that the run tries it.
clock=$(wa_clock_past "$(wa_dms "$w" lease_until)")
HOOKSPOOL_TEST_NOW=$clock hs_sync --sink whatsapp
hs_sync_expect 111 "scheduled_sync: exit 111"
hs_like "$(cat "$HS_SYNC_ERR")" 'WHATSAPP_TOKEN' "scheduled_sync: the error names WHATSAPP_TOKEN"
hs_is "$(hs_sync_field whatsapp delivered)/$(hs_sync_field whatsapp dead)" 0/0 \
    "scheduled_sync: nothing delivered, nothing dead"
hs_is "$(wa_dstate "$w")" pending/0 "scheduled_sync: still no attempt counted"
hs_is "$(wa_ncalls_to "$u")" 2 "scheduled_sync: one request, refused, then it stopped"
HOOKSPOOL_TEST_NOW=$((clock + 1000)) hs_sync --sink whatsapp
hs_sync_expect 111 "next run: exit 111 again"
hs_is "$(wa_dstate "$w")" pending/0 "next run: still no attempt counted"
if grep -qF -e "$HS_WA_TOKEN" "$HS_ERRLOG" "$hs_sync_tmp"/run-*.err 2>/dev/null; then
	hs_not_ok "the token itself is in no log"
else
	hs_ok "the token itself is in no log"
fi

hs_sync_reconf WHATSAPP_TOKEN=rotated-Token-8c2
HOOKSPOOL_TEST_NOW=$((clock + 2000)) hs_sync --sink whatsapp
hs_sync_expect 0 "valid token: exit 0"
hs_is "$(hs_sync_field whatsapp delivered)" 1 "valid token: delivered=1"
hs_is "$(wa_replies_line "$u")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
    "valid token: greeting then menu, each once"
hs_is "$(wa_dstate "$w")" done/1 "valid token: done on its first counted attempt"

hs_done
