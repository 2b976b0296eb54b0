#!/usr/bin/env bash
# The handler dies (kill -9) after it committed the event and answered
# Meta, while its greeting is on the wire (the Graph API double holds the
# request, never answering it). The delivery stays pending, leased by the
# dead handler: a scheduled_sync run before the lease expires leaves it
# alone (no second copy racing the first), a run past the lease (the test
# clock) sends the greeting and the menu, and the user receives each
# exactly once. Other users are still answered by the handlers left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

u=$(wa_user); w=$(wa_wamid)
wa_graph_ctl '{"script": [{"hold": true}]}' || hs_bail "script the double"
wa_post_ok "held greeting" --from "$u" --id "$w" --text "hola"
hs_is "$(wa_answer)" 1/1/0 "held greeting: committed and answered"

leased() { wa_dholds "$w" "d.lease_owner LIKE 'pid:%'"; }
gone() { ! wa_alive "$1"; }
hs_wait_until 30 leased
owner=$(wa_dsql "$w" d.lease_owner)
pid=${owner#pid:}
hs_like "$owner" '^pid:[0-9]+$' "the handler's attempt leases the delivery ($owner)"
hs_is "$(cat "/proc/$pid/comm" 2>/dev/null)" hooks.fcgi "the lease names a live hooks.fcgi process"
if command -v ss >/dev/null 2>&1; then
	hs_wait_until 30 wa_sending "$pid" ||
	    hs_diag "ss saw no request of pid $pid to the double; killing anyway"
else
	hs_diag "no ss(8): cannot see the greeting leave; killing at the lease"
fi
kill -9 "$pid" 2>/dev/null
hs_wait_until 10 gone "$pid"
hs_is "$(gone "$pid" && echo gone)" gone "the handler is killed (SIGKILL)"
hs_wait_until 15 wa_has_calls_to "$u" 1 '.held == true and .status == null'
hs_is "$(wa_ncalls_to "$u" '.held == true and .status == null')" 1 \
    "the double saw the held greeting's sender hang up: never sent"
wa_graph_ctl '{"clear": true}'
hs_is "$(wa_dstate "$w")/$(wa_dsql "$w" d.lease_owner)" "pending/0/$owner" \
    "after the kill: pending, no attempt recorded, still leased by the dead handler"
hs_is "$(wa_nreceived "$u")" 0 "after the kill: the user has nothing"

wa_sentinel "after the kill"

hs_sync --sink whatsapp
hs_sync_expect 0 "run inside the lease: exit 0"
hs_is "$(hs_sync_field whatsapp delivered)" 0 "run inside the lease: delivered=0"
hs_is "$(wa_ncalls_to "$u")" 1 "run inside the lease: no request for the user"

lease=$(wa_dms "$w" lease_until)
hs_like "$lease" '^[0-9]+$' "the lease has an end ($(wa_dsql "$w" d.lease_until))"
HOOKSPOOL_TEST_NOW=$(wa_clock_past "$lease") hs_sync --sink whatsapp
hs_sync_expect 0 "run past the lease (test clock): exit 0"
hs_is "$(hs_sync_field whatsapp delivered)" 1 "run past the lease: delivered=1"
hs_is "$(wa_replies_line "$u")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
    "the user got the greeting then the menu, each exactly once"
hs_is "$(wa_dstate "$w")/$(wa_dsql "$w" "ifnull(d.lease_owner, 'none')")" done/1/none \
    "the delivery is done, its lease cleared"

HOOKSPOOL_TEST_NOW=$(( $(wa_clock_past "$lease") + 1000 )) hs_sync --sink whatsapp
hs_is "$(hs_sync_field whatsapp delivered)" 0 "a further run sends nothing"
hs_is "$(wa_nreceived "$u")" 2 "still one greeting and one menu"

hs_done
