#!/usr/bin/env bash
# Graph error 131047 (more than 24 hours since the user last wrote: no
# free-form message allowed) is final: the handler's attempt marks the
# delivery dead at once with Meta's code and message in last_error, does
# not try the menu, and nothing retries it - scheduled_sync sends nothing.
# The admin's `dead` view shows it. Other users are answered as usual.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

u=$(wa_user); w=$(wa_wamid)
wa_graph_ctl '{"script": [{"code": 131047}]}' || hs_bail "script the double"
wa_post_ok "131047" --from "$u" --id "$w" --text "hola"
hs_wait_until 30 wa_dholds "$w" "d.state = 'dead'"
hs_is "$(wa_dstate "$w")" dead/1 "131047: dead after one attempt"
err=$(wa_dsql "$w" d.last_error)
hs_like "$err" '131047' "131047: last_error has Meta's code ('$err')"
hs_like "$err" 'Re-engagement message' "131047: last_error has Meta's message"
hs_is "$(hs_sql "SELECT count(*) FROM dead WHERE sink = 'whatsapp' AND idem_key = 'wa:msg:$w' AND instr(last_error, '131047') > 0;")" \
    1 "131047: the dead view lists it with the reason"
hs_is "$(wa_calls ".body.to == \"$u\"" | jq -r '"\(.status) \(.code) \(.body.type)"')" \
    "400 131047 text" "131047: one request (the greeting), the menu not tried"

wa_sentinel "after the 131047"
hs_sync --sink whatsapp
hs_sync_expect 0 "scheduled_sync: exit 0"
hs_is "$(hs_sync_field whatsapp delivered)/$(hs_sync_field whatsapp dead)" 0/0 \
    "scheduled_sync: nothing to send, nothing newly dead"
hs_is "$(wa_ncalls_to "$u")" 1 "nothing retried it"

hs_done
