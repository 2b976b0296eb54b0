#!/usr/bin/env bash
# One Meta POST may batch several entries, changes, messages and statuses:
# each message and each status becomes an event of its own (kinds message,
# status; a change with neither becomes one "change" event), keyed by its
# wamid, its entity the user, its body a one-item envelope of Meta's shape
# that keeps the rest of the change's value (metadata, contacts). Unknown
# message types are stored and answered like any message. The answer
# counts them. Every message gets the greeting and the menu, a user's two
# messages one after the other (per-key order); the status gets nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

u1=$(wa_user); u2=$(wa_user); u3=$(wa_user); u4=$(wa_user)
m1=$(wa_wamid); m2=$(wa_wamid); m3=$(wa_wamid); m4=$(wa_wamid)
s1=$(wa_wamid); s2=$(wa_wamid)
one=$HS_WA_GREETING
menu=$HS_WA_MENU

# One entry: a change holding three messages and a status, and a change
# of another field with neither.
wa_post_ok "batch 1" --from "$u1" --name "Ana Pérez" --id "$m1" --text "hola 👋" \
    --from "$u2" --id "$m2" --unknown hologram \
    --from "$u1" --id "$m3" --image \
    --from "$u4" --status-id "$s1" --status read \
    --change account_update
hs_is "$(wa_answer)" 5/5/0 "batch 1: events/stored/duplicates 5/5/0"
q() { hs_sql "SELECT $1 FROM events WHERE source = 'whatsapp' AND $2;"; }
hs_is "$(q "kind || ' ' || entity_key" "idem_key IN ('wa:msg:$m1', 'wa:msg:$m2', 'wa:msg:$m3') ORDER BY id" | paste -sd, -)" \
    "message $u1,message $u2,message $u1" "batch 1: three message events, each the user's"
hs_is "$(q "kind || ' ' || entity_key" "idem_key = 'wa:status:$s1:read'")" "status $u4" \
    "batch 1: the status is an event, keyed by wamid and status, its entity the recipient"
hs_is "$(q "kind || ' ' || ifnull(entity_key, 'NULL')" "idem_key LIKE 'wa:change:sha256:%' AND instr(CAST(body AS TEXT), 'account_update') > 0")" \
    "change NULL" "batch 1: the change without messages is one event of its own"
chg=$(q "idem_key" "idem_key LIKE 'wa:change:sha256:%' AND instr(CAST(body AS TEXT), 'account_update') > 0")
hex=$(q "hex(body)" "idem_key = $(hs_q "$chg")" | perl -ne 'chomp; print pack("H*", $_)' |
    openssl dgst -sha256 -r | cut -d' ' -f1)
hs_is "$chg" "wa:change:sha256:$hex" "batch 1: the change's key is the SHA-256 of its stored body"

j() { wa_esql "$1" "json_extract(CAST(e.body AS TEXT), '$2')"; }
hs_is "$(j "$m3" '$.object')|$(j "$m3" '$.entry[0].id')|$(j "$m3" '$.entry[0].changes[0].field')" \
    "whatsapp_business_account|102290129340398|messages" "a message's body: Meta's envelope, entry and field kept"
hs_is "$(j "$m3" '$.entry[0].changes[0].value.messages[0].id')|$(j "$m3" '$.entry[0].changes[0].value.messages[0].type')" \
    "$m3|image" "a message's body: its own message"
hs_is "$(wa_esql "$m3" "json_array_length(CAST(e.body AS TEXT), '\$.entry[0].changes[0].value.messages')")/$(wa_esql "$m3" "json_array_length(CAST(e.body AS TEXT), '\$.entry')")/$(wa_esql "$m3" "json_array_length(CAST(e.body AS TEXT), '\$.entry[0].changes')")" \
    1/1/1 "a message's body: one entry, one change, one message"
hs_is "$(j "$m3" '$.entry[0].changes[0].value.metadata.phone_number_id')|$(j "$m3" '$.entry[0].changes[0].value.messaging_product')|$(j "$m3" '$.entry[0].changes[0].value.statuses')" \
    "$HS_WA_PHONE_ID|whatsapp|" "a message's body: the value's other members kept, no statuses"
hs_is "$(j "$m1" '$.entry[0].changes[0].value.messages[0].text.body')|$(wa_esql "$m1" "instr(CAST(e.body AS TEXT), 'Ana Pérez') > 0")" \
    "hola 👋|1" "a message's body: the text and the contacts, non-ASCII intact"
hs_is "$(j "$m2" '$.entry[0].changes[0].value.messages[0].type')|$(j "$m2" '$.entry[0].changes[0].value.messages[0].hologram.nested.n')" \
    "hologram|1" "an unknown message type is stored whole"
hs_is "$(j "wa:status:$s1:read" '$.entry[0].changes[0].value.statuses[0].id')|$(j "wa:status:$s1:read" '$.entry[0].changes[0].value.messages')" \
    "$s1|" "the status's body: its status, no messages"

# Another POST: two entries, a text and a status.
wa_post_ok "batch 2" --split entries --from "$u3" --id "$m4" --text "buenas" \
    --from "$u4" --status-id "$s2" --status delivered
hs_is "$(wa_answer)" 2/2/0 "batch 2 (two entries): events/stored/duplicates 2/2/0"

wa_wait_received "$u1" 4
hs_is "$(wa_replies_line "$u1")" "text:$one|$menu|text:$one|$menu" \
    "user 1's two messages: greeting and menu for each, one pair after the other"
wa_wait_received "$u2" 2
hs_is "$(wa_replies_line "$u2")" "text:$one|$menu" "unknown type: greeting then menu"
wa_wait_received "$u3" 2
hs_is "$(wa_replies_line "$u3")" "text:$one|$menu" "message of the second entry: greeting then menu"
hs_is "$(wa_dsql "$m1" "d.state")|$(wa_dsql "$m2" "d.state")|$(wa_dsql "$m3" "d.state")|$(wa_dsql "$m4" "d.state")" \
    "done|done|done|done" "every message's delivery is done"
hs_is "$(wa_ndeliveries "wa:status:$s1:read")/$(wa_ndeliveries "wa:status:$s2:delivered")/$(wa_ndeliveries "$chg")" \
    0/0/0 "the statuses and the change have no delivery"
hs_is "$(wa_ncalls_to "$u4")" 0 "the statuses' recipient got nothing"

hs_done
