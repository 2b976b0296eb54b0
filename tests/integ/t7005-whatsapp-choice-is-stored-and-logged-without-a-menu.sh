#!/usr/bin/env bash
# A menu choice - an interactive button_reply or list_reply, or a template
# quick reply (type button) - is stored as a "choice" event of its own
# (the user's entity key) and logged once, after the commit, as one line
# naming the option's id and title, the user and the event id. With
# BOT_CHOICE_REPLY unset it gets no delivery, so no menu and no answer. A
# redelivered choice is a duplicate and is not logged again. An admin finds
# the choices with spoolctl list / show and with sqlite3.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

u=$(wa_user)
c1=$(wa_wamid); c2=$(wa_wamid); c3=$(wa_wamid)
menu_id=$(wa_wamid)

# choice_logged WAMID OPTION TITLE: the event's choice line is in the log.
choice_logged() {
	local id
	id=$(wa_esql "$1" e.id)
	[ -n "$id" ] && wa_log_has "event=choice" "option=$2" "user=$u" "event_id=$id"
}
check_choice() {	# NAME WAMID OPTION TITLE
	hs_is "$(wa_answer)" 1/1/0 "$1: events/stored/duplicates 1/1/0"
	hs_is "$(wa_esql "$2" "e.kind || ' ' || e.entity_key")" "choice $u" \
	    "$1: stored as a choice of the user"
	hs_is "$(wa_ndeliveries "$2")" 0 "$1: no delivery (BOT_CHOICE_REPLY is empty)"
	hs_wait_until 10 choice_logged "$2" "$3"
	local line
	line=$(wa_log_lines "event=choice" "user=$u" "event_id=$(wa_esql "$2" e.id)")
	hs_like "$line" "level=info .*event=choice" "$1: one info line 'choice'"
	hs_like "$line" "option=$3( |\$)" "$1: the line names the option's id"
	hs_like "$line" "title=\"?$4\"?( |\$)" "$1: the line names the option's title"
}

wa_post_ok "button reply" --from "$u" --context "$menu_id" --id "$c1" \
    --button-reply pileta=Pileta
check_choice "button reply" "$c1" pileta Pileta
wa_post_ok "list reply" --from "$u" --context "$menu_id" --id "$c2" \
    --list-reply tenis=Tenis
check_choice "list reply" "$c2" tenis Tenis
wa_post_ok "quick reply" --from "$u" --id "$c3" --quick-reply sum=SUM
check_choice "quick reply" "$c3" sum SUM

wa_post_ok "redelivered button reply" --from "$u" --context "$menu_id" \
    --id "$c1" --button-reply pileta=Pileta
hs_is "$(wa_answer)" 1/0/1 "redelivered: events/stored/duplicates 1/0/1"
wa_sentinel "after the choices"
hs_is "$(wa_log_lines "event=choice" "user=$u" | grep -c 'option=pileta')" 1 \
    "the redelivered choice is not logged again"
hs_is "$(wa_ncalls_to "$u")" 0 "the user who chose got nothing: no menu, no answer"

# What an admin sees.
wa_spoolctl list --json --source whatsapp --kind choice --entity "$u"
hs_is "$CTL_RC/$(wa_cj .count)" 0/3 "spoolctl list --kind choice --entity: the 3 choices"
hs_is "$(wa_cj '[.events[].idempotency_key] | sort | join(" ")')" \
    "$(printf 'wa:msg:%s\n' "$c1" "$c2" "$c3" | sort | paste -sd' ' -)" \
    "spoolctl list: their keys"
hs_is "$(wa_cj '[.events[].status] | unique | join(",")')" stored \
    "spoolctl list: status stored (routed nowhere)"
wa_spoolctl show "wa:msg:$c2" --json
hs_is "$CTL_RC/$(wa_cj '.body.entry[0].changes[0].value.messages[0].interactive.list_reply.id')" \
    0/tenis "spoolctl show KEY: the body holds the option chosen"
opts=$(hs_sql "SELECT coalesce(
    json_extract(CAST(body AS TEXT), '\$.entry[0].changes[0].value.messages[0].interactive.button_reply.id'),
    json_extract(CAST(body AS TEXT), '\$.entry[0].changes[0].value.messages[0].interactive.list_reply.id'),
    json_extract(CAST(body AS TEXT), '\$.entry[0].changes[0].value.messages[0].button.payload'))
    FROM events WHERE source = 'whatsapp' AND kind = 'choice' AND entity_key = $(hs_q "$u")
    ORDER BY id;" | paste -sd, -)
hs_is "$opts" pileta,tenis,sum "sqlite3 (the README's query): the user's options in order"

hs_done
