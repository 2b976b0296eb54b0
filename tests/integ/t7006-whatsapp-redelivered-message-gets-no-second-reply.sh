#!/usr/bin/env bash
# Meta redelivers (for days, on anything but a quick 200): the same wamid
# again, alone or batched with new messages, is a duplicate - answered 200,
# not stored again, no second delivery, so the user never gets a second
# greeting and menu, from the handler or from a later scheduled_sync run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

u=$(wa_user); v=$(wa_user)
w=$(wa_wamid); wv=$(wa_wamid)
ts=$(( $(date +%s) - 5 ))

wa_post_ok "first delivery" --from "$u" --timestamp "$ts" --id "$w" --text "hola"
hs_is "$(wa_answer)" 1/1/0 "first delivery: stored"
wa_wait_received "$u" 2
hs_is "$(wa_replies_line "$u")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
    "first delivery: greeting and menu"
cp "$WA_SENT" "$hs_sync_tmp/first"

wa_post_ok "same bytes again" --body-file "$hs_sync_tmp/first"
hs_is "$(wa_answer)" 1/0/1 "same bytes again: events/stored/duplicates 1/0/1"
wa_post_ok "same wamid, other bytes (Meta escapes)" --meta-escapes --from "$u" \
    --timestamp "$ts" --id "$w" --text "hola"
hs_is "$(wa_answer)" 1/0/1 "same wamid, other bytes: a duplicate"
wa_post_ok "batched with a new message" --from "$u" --timestamp "$ts" --id "$w" \
    --text "hola" --from "$v" --id "$wv" --text "buenas"
hs_is "$(wa_answer)" 2/1/1 "batched with a new message: 2 events, 1 stored, 1 duplicate"

wa_wait_received "$v" 2
hs_is "$(wa_replies_line "$v")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
    "the new message of the batch is answered"
wa_sentinel "after the redeliveries"
hs_is "$(wa_nreceived "$u")" 2 "the first user still has one greeting and one menu"
hs_is "$(wa_esql "$w" 'count(*)')/$(wa_ndeliveries "$w")" 1/1 \
    "one event and one delivery for the wamid"

hs_sync --sink whatsapp
hs_sync_expect 0 "scheduled_sync afterwards: exit 0"
hs_is "$(hs_sync_field whatsapp delivered)" 0 "scheduled_sync afterwards: delivered=0"
hs_is "$(wa_nreceived "$u")" 2 "scheduled_sync afterwards: nothing more for the user"

hs_done
