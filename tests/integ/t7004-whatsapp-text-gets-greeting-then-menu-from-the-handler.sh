#!/usr/bin/env bash
# A user's text is answered by the handler itself, after its answer to
# Meta - scheduled_sync never runs in this script: the Graph API double
# receives the greeting (a text) and then the menu (an interactive reply
# button message with Pileta, Tenis, SUM), in that order, each once, on
# POST /v25.0/{phone id}/messages with the bearer token. The delivery is
# done, its receipt the two wamids. Eight users writing at once each get
# exactly their own pair.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

u=$(wa_user)
w=$(wa_wamid)
t0=$(date +%s%3N)
wa_post_ok "text" --from "$u" --id "$w" --text "Hola, ¿qué tal? 😀"
hs_is "$(wa_answer)" 1/1/0 "text: events/stored/duplicates 1/1/0"
hs_is "$(wa_esql "$w" "e.kind || ' ' || e.entity_key")" "message $u" \
    "text: stored as a message of the user"

wa_wait_received "$u" 2
t1=$(date +%s%3N)
hs_diag "the menu arrived within $((t1 - t0)) ms of the POST's start (polled)"
hs_is "$(wa_replies_line "$u")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
    "the user got the greeting, then the menu with three reply buttons"
hs_is "$(wa_ncalls_to "$u")" 2 "two requests to the Graph API for it, no more"
hs_is "$(wa_calls ".body.to == \"$u\"" | jq -r '[.method, .path, .auth, .status, .body.messaging_product] | join(" ")' | sort -u)" \
    "POST /$HS_WA_VERSION/$HS_WA_PHONE_ID/messages ok 200 whatsapp" \
    "both: POST /{version}/{phone id}/messages, bearer token right, answered 200"
hs_is "$(wa_received "$u" | jq -s -r '.[0].t < .[1].t')" true \
    "the greeting reached the Graph API before the menu"

hs_wait_until 10 wa_dholds "$w" "d.state = 'done'"
hs_is "$(wa_dstate "$w")" done/1 "the delivery is done at its first attempt"
rcpt=$(wa_dsql "$w" d.receipt)
n=0
for id in $(wa_received "$u" | jq -r .wamid); do
	[[ $rcpt == *"$id"* ]] && n=$((n + 1))
done
hs_is "$n" 2 "its receipt names both wamids the Graph API gave ('$rcpt')"

# Eight users at once.
declare -a us pids
for i in 1 2 3 4 5 6 7 8; do
	us[$i]=$(wa_user)$i
	"$HS_WA_PY" "$HS_WA_SEND" send "$HS_URL$HS_PREFIX/webhook" \
	    --secret "$HS_WA_SECRET" --from "${us[$i]}" --text "hola $i" \
	    >"$hs_sync_tmp/par-$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"	# not a bare wait: the server and the double are children too
ok=0
for i in 1 2 3 4 5 6 7 8; do
	[ "$(head -c 3 "$hs_sync_tmp/par-$i.out")" = 200 ] && ok=$((ok + 1))
done
hs_is "$ok" 8 "eight texts at once: all answered 200"
good=0
for i in 1 2 3 4 5 6 7 8; do
	wa_wait_received "${us[$i]}" 2
	[ "$(wa_replies_line "${us[$i]}")" = "text:$HS_WA_GREETING|$HS_WA_MENU" ] &&
	    good=$((good + 1))
done
hs_is "$good" 8 "eight texts at once: each user got exactly greeting then menu"
hs_is "$(wa_ncalls '.status != 200')" 0 "no Graph API request was refused"

hs_done
