#!/usr/bin/env bash
# Statuses of the messages we sent (sent, delivered, read, failed), also
# out of order and batched, are stored one event each, keyed by wamid and
# status (the same status again is a duplicate, a new status of the same
# message is not), their entity the recipient; they get no delivery, so
# nobody is ever answered for a status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
wa_server

u=$(wa_user)
m=$(wa_wamid); m2=$(wa_wamid)

wa_post_ok "sent" --from "$u" --status-id "$m" --status sent
hs_is "$(wa_answer)" 1/1/0 "sent: stored"
wa_post_ok "read before delivered" --from "$u" --status-id "$m" --status read
hs_is "$(wa_answer)" 1/1/0 "read (before delivered): stored"
wa_post_ok "delivered, batched with a failed one" --from "$u" --status-id "$m" \
    --status delivered --status-id "$m2" --status failed
hs_is "$(wa_answer)" 2/2/0 "delivered + failed in one POST: both stored"
wa_post_ok "read again" --from "$u" --status-id "$m" --status read
hs_is "$(wa_answer)" 1/0/1 "read again: a duplicate"

k() { printf 'wa:status:%s:%s' "$1" "$2"; }
hs_is "$(hs_sql "SELECT kind || ' ' || entity_key FROM events WHERE source = 'whatsapp'
    AND idem_key IN ('$(k "$m" sent)', '$(k "$m" delivered)', '$(k "$m" read)', '$(k "$m2" failed)')" | sort | uniq -c | awk '{ $1 = $1; print }')" \
    "4 status $u" "four status events, keyed wa:status:{wamid}:{status}, the recipient's"
hs_is "$(wa_esql "$(k "$m2" failed)" "json_extract(CAST(e.body AS TEXT), '\$.entry[0].changes[0].value.statuses[0].errors[0].code')")" \
    131047 "the failed status keeps Meta's error"
n=0
for s in "$(k "$m" sent)" "$(k "$m" delivered)" "$(k "$m" read)" "$(k "$m2" failed)"; do
	n=$((n + $(wa_ndeliveries "$s")))
done
hs_is "$n" 0 "no status has a delivery"

wa_sentinel "after the statuses"
hs_is "$(wa_ncalls_to "$u")" 0 "the recipient got nothing"
wa_spoolctl list --json --source whatsapp --kind status --entity "$u"
hs_is "$CTL_RC/$(wa_cj .count)/$(wa_cj '[.events[].status] | unique | join(",")')" \
    0/4/stored "spoolctl list --kind status: the four, stored"

hs_done
