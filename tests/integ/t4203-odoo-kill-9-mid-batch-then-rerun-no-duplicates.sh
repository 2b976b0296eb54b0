#!/usr/bin/env bash
# scheduled_sync killed with SIGKILL after Odoo executed a batch's list
# create but before the answer came back (the double holds the answer):
# the deliveries stay pending, and the next run finds what the killed one
# created - no second contact, no second state record - and finishes the
# rest. Twice: once in the contacts' create, once in the states' create.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need

hs_odoo_start --rate 20 --burst 20
mapfile -t conf < <(hs_odoo_conf ODOO_RATE=20)
hs_sync_server "${conf[@]}"
u=$(hs_unique t4203)

# created_since SEQ MODEL: the double executed a create on MODEL after
# request SEQ.
created_since()
{
	[ "$(hs_odoo_ncalls ".seq > $1 and .op == \"create\" and .model == \"$2\"")" -ge 1 ]
}

# kill_in_create MODEL: run in the background, SIGKILL it once the double
# has executed a create on MODEL (its answer held back 10 s).
kill_in_create()
{
	local model=$1 seq0 i
	seq0=$(hs_odoo_ncalls)
	hs_odoo_ctl '{"delay_ms": 10000, "delay_ops": ["create"], "delay_when": "after"}'
	hs_sync_bg --sink odoo
	hs_wait_until 60 created_since "$seq0" "$model"
	kill -9 "$HS_SYNC_PID" 2>/dev/null
	wait "$HS_SYNC_PID" 2>/dev/null
	hs_odoo_ctl '{"clear": true}'
}

for i in 1 2 3 4; do
	hs_post_contact "$(hs_odoo_contact_body "$u-$i")"
done
hs_post_campaign "$(hs_odoo_campaign_body "$u-9" camp-9 Calificado)"
hs_is "$(hs_dcount "sink = 'odoo' AND state = 'pending'")" 5 "5 pending deliveries"

kill_in_create manychat.contact
hs_is "$(hs_odoo_q '.models["manychat.contact"] | length')" 5 \
    "killed run: Odoo created the 5 contacts (4 + 1 for the campaign)"
hs_is "$(hs_dcount "sink = 'odoo' AND state = 'pending' AND attempts = 0")" 5 \
    "killed run: every delivery still pending, no attempt recorded"

seq0=$(hs_odoo_ncalls)
hs_sync --sink odoo
hs_sync_expect 0 "rerun: exit 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo dead)/$(hs_sync_field odoo pending)" \
    5/0/0 "rerun: delivered=5 dead=0 pending=0"
hs_is "$(hs_odoo_q '.models["manychat.contact"] | length')" 5 "still 5 contacts: none twice"
hs_is "$(hs_odoo_q '.models["manychat.state"] | length')" 1 "1 state record"
hs_is "$(hs_odoo_ncalls ".seq > $seq0 and .op == \"create\" and .model == \"manychat.contact\"")" 0 \
    "rerun created no contact (it found them)"
hs_is "$(hs_odoo_ncalls '.op == "write"')" 0 "rerun wrote nothing (nothing changed)"

# The same, killed in the state records' create: campaigns of known contacts.
for i in 1 2 3; do
	hs_post_campaign "$(hs_odoo_campaign_body "$u-$i" "camp-$i" Asignado)"
done
kill_in_create manychat.state
hs_is "$(hs_odoo_q '.models["manychat.state"] | length')" 4 \
    "killed run: Odoo created the 3 state records"
hs_sync --sink odoo
hs_sync_expect 0 "second rerun: exit 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo pending)" 3/0 \
    "second rerun: delivered=3 pending=0"
hs_is "$(hs_odoo_q '.models["manychat.state"] | length')" 4 "still 4 state records: none twice"
hs_is "$(hs_odoo_q '.models["manychat.state"] | map(.idempotency_key) | unique | length')" 4 \
    "every state record has its own idempotency key"
hs_is "$(hs_odoo_q '[.models["manychat.contact"][] | select(.ultimo_estado == "Asignado")] | length')" 3 \
    "the 3 contacts' last state updated once the run completed"
hs_is "$(hs_dcount "sink = 'odoo' AND (state <> 'done' OR attempts <> 1)")" 0 \
    "every delivery done, one attempt each"

hs_done
