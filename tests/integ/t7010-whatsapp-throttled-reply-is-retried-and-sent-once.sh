#!/usr/bin/env bash
# The Graph API throttles (HTTP 429 with Retry-After, or Meta's 130429):
# the handler's attempt leaves the delivery pending with the reason, its
# next attempt no sooner than Retry-After; a scheduled_sync run before
# then sends nothing, a run once it is due (the test clock) sends the
# reply, and the user gets each message exactly once. When the greeting
# went out and only the menu was throttled, the retry sends the menu alone
# (the delivery's progress remembers the greeting).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

settled() {	# WAMID: the handler is done with the delivery
	wa_dholds "$1" "d.state <> 'pending' OR (d.attempts >= 1 AND d.lease_owner IS NULL)"
}

# --- the greeting throttled: 429, Retry-After: 5 ----------------------------------
u=$(wa_user); w=$(wa_wamid)
wa_graph_ctl '{"script": [{"status": 429, "retry_after": "5"}]}' ||
    hs_bail "script the double"
wa_post_ok "429 on the greeting" --from "$u" --id "$w" --text "hola"
hs_wait_until 30 wa_has_calls_to "$u" 1 '.status == 429'
hs_wait_until 30 settled "$w"
hs_is "$(wa_dstate "$w")" pending/1 "429: pending after one attempt"
hs_like "$(wa_dsql "$w" d.last_error)" '429' "429: the reason is recorded"
t429=$(wa_calls ".body.to == \"$u\" and .status == 429" | jq -r '.t * 1000 | floor')
due=$(wa_dms "$w" next_attempt_at)
hs_cmp $((due - t429)) -ge 4950 "429: next attempt no sooner than Retry-After ($((due - t429)) ms)"
hs_is "$(wa_nreceived "$u")" 0 "429: the user has nothing yet"

hs_sync --sink whatsapp
hs_sync_expect 0 "run before it is due: exit 0"
hs_is "$(hs_sync_field whatsapp delivered)" 0 "run before it is due: delivered=0"
hs_is "$(wa_ncalls_to "$u")" 1 "run before it is due: no request to the Graph API"

HOOKSPOOL_TEST_NOW=$(wa_clock_past "$due") hs_sync --sink whatsapp
hs_sync_expect 0 "run once due (test clock): exit 0"
hs_is "$(hs_sync_field whatsapp delivered)" 1 "run once due: delivered=1"
hs_is "$(wa_replies_line "$u")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
    "429: the user got greeting then menu, each once"
hs_is "$(wa_ncalls_to "$u" '.status == 200')/$(wa_ncalls_to "$u")" 2/3 \
    "429: three requests in all, two answered 200"
hs_is "$(wa_dsql "$w" d.state)" done "429: the delivery is done"

# --- the menu throttled (130429) after the greeting went out ----------------------
v=$(wa_user); wv=$(wa_wamid)
wa_graph_ctl '{"script": [{}, {"code": 130429}]}' || hs_bail "script the double"
wa_post_ok "130429 on the menu" --from "$v" --id "$wv" --text "hola"
hs_wait_until 30 wa_has_calls_to "$v" 2
hs_wait_until 30 settled "$wv"
hs_is "$(wa_dstate "$wv")/$(wa_dsql "$wv" d.progress)" pending/1/1 \
    "130429: pending, one attempt, progress 1 (the greeting went out)"
hs_like "$(wa_dsql "$wv" d.last_error)" '130429' "130429: the reason is recorded"
hs_is "$(wa_replies_line "$v")" "text:$HS_WA_GREETING" "130429: the user has the greeting only"

HOOKSPOOL_TEST_NOW=$(wa_clock_past "$(wa_dms "$wv" next_attempt_at)") hs_sync --sink whatsapp
hs_sync_expect 0 "menu retry (test clock): exit 0"
hs_is "$(hs_sync_field whatsapp delivered)" 1 "menu retry: delivered=1"
hs_is "$(wa_replies_line "$v")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
    "130429: greeting once, then the menu - the greeting was not sent again"
hs_is "$(wa_ncalls_to "$v" '.body.type == "text"')" 1 "130429: one greeting request in all"

hs_sync --sink whatsapp
hs_is "$(hs_sync_field whatsapp delivered)" 0 "a further run sends nothing"

hs_done
