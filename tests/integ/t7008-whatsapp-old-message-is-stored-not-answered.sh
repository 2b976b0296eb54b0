#!/usr/bin/env bash
# A message whose Meta timestamp is older than BOT_MAX_AGE_SECONDS when it
# arrives (Meta catching up after an outage) is stored - an admin still
# sees it - but gets no delivery: no greeting hours late, neither from the
# handler nor from scheduled_sync. A message younger than the limit is
# answered as usual.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server BOT_MAX_AGE_SECONDS=600

u=$(wa_user); v=$(wa_user)
old=$(wa_wamid); young=$(wa_wamid)

wa_post_ok "an hour old" --from "$u" --age 3600 --id "$old" --text "hola, ¿siguen ahí?"
hs_is "$(wa_answer)" 1/1/0 "an hour old: stored"
hs_is "$(wa_esql "$old" "e.kind || ' ' || e.entity_key")" "message $u" \
    "an hour old: a message of the user"
hs_is "$(wa_ndeliveries "$old")" 0 "an hour old: no delivery"

wa_post_ok "five minutes old" --from "$v" --age 300 --id "$young" --text "hola"
wa_wait_received "$v" 2
hs_is "$(wa_replies_line "$v")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
    "five minutes old (under the limit): greeting and menu"
hs_is "$(wa_ncalls_to "$u")" 0 "the old message's user got nothing from the handler"

hs_sync --sink whatsapp
hs_sync_expect 0 "scheduled_sync: exit 0"
hs_is "$(hs_sync_field whatsapp delivered)" 0 "scheduled_sync: delivered=0"
hs_is "$(wa_ncalls_to "$u")" 0 "the old message's user got nothing from scheduled_sync"

hs_done
