#!/usr/bin/env bash
# The answer to Meta never waits for the Graph API: with every Graph
# answer 3 s late, a text is still answered 200 well under a second (the
# handler commits, answers, and only then sends), and the greeting and the
# menu arrive afterwards, from the handler. Texts from other users posted
# while those replies are still on their way are answered as fast: a
# handler busy sending does not hold the next request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
# Two replies 3 s late each must fit in the handler's budget.
wa_server IMMEDIATE_MAX_MS=10000

u=$(wa_user)
wa_graph_ctl '{"delay_ms": 3000}' || hs_bail "slow the Graph API double down"
wa_post_ok "slow Graph API" --from "$u" --text "hola"
hs_cmp "${WA_MS%.*}" -lt 1000 "slow Graph API: Meta's POST answered in under 1 s (${WA_MS} ms)"
hs_is "$(wa_nreceived "$u")" 0 "slow Graph API: nothing had reached the user when Meta got its answer"

later=()
for i in 1 2 3; do
	v=$(wa_user)$i
	later+=("$v")
	wa_post --from "$v" --text "hola $i"
	hs_is "$HS_STATUS" 200 "text $i posted while the replies are on their way: 200"
	hs_cmp "${WA_MS%.*}" -lt 1000 "text $i: answered in under 1 s too (${WA_MS} ms)"
done

wa_wait_received "$u" 2 60
hs_is "$(wa_replies_line "$u")" "text:$HS_WA_GREETING|$HS_WA_MENU" \
    "slow Graph API: the user got greeting then menu afterwards"
for v in "${later[@]}"; do
	wa_wait_received "$v" 2 60
done
n=0
for v in "${later[@]}"; do
	[ "$(wa_replies_line "$v")" = "text:$HS_WA_GREETING|$HS_WA_MENU" ] && n=$((n + 1))
done
hs_is "$n" 3 "the later texts got their greeting and menu too (cron never ran)"

hs_done
