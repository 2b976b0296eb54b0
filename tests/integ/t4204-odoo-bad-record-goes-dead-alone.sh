#!/usr/bin/env bash
# Odoo refuses one record of a list create (ValidationError, all or
# nothing, without saying which record): the sink splits the batch until
# the record is alone, so only its delivery goes dead - at once, with
# Odoo's message in last_error - and every other record of the batch is
# created. The same for a write of one contact and a state record's
# create. Isolating costs a few requests, not one per record.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need

hs_odoo_start --rate 20 --burst 20 --fail-on '[
  {"field": "email", "value": "bad@example.com",
   "message": "Invalid email address bad@example.com"},
  {"model": "manychat.state", "field": "campaign_id", "value": "camp-BAD",
   "error": "odoo.exceptions.UserError",
   "message": "Campaign camp-BAD is closed"}]'
mapfile -t conf < <(hs_odoo_conf ODOO_RATE=20)
hs_sync_server "${conf[@]}"
u=$(hs_unique t4204)

# last_error of the odoo delivery of the event with idempotency key K.
last_error() {
	hs_sql "SELECT d.state || '|' || d.attempts || '|' || coalesce(d.last_error, '') FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.sink = 'odoo' AND e.idem_key = $(hs_q "$1");"
}

for i in $(seq 1 16); do
	if [ "$i" -eq 11 ]; then
		body=$(hs_odoo_contact_body "$u-$i" Nuevo 2025-06-05T12:41:36Z '.email = "bad@example.com"')
	else
		body=$(hs_odoo_contact_body "$u-$i")
	fi
	hs_post_contact "$body"
	[ "$i" -eq 11 ] && bad=$(hs_json .idempotency_key)
done
hs_is "$(hs_dcount "sink = 'odoo' AND state = 'pending'")" 16 "16 contacts pending"

seq0=$(hs_odoo_ncalls)
hs_sync --sink odoo
hs_sync_expect 0 "run: exit 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo dead)/$(hs_sync_field odoo pending)" \
    15/1/0 "run: delivered=15 dead=1 pending=0"
hs_is "$(last_error "$bad")" \
    "dead|1|manychat.contact create: ValidationError: Invalid email address bad@example.com" \
    "the bad contact is dead at once with Odoo's message"
hs_is "$(hs_odoo_q '.models["manychat.contact"] | length')" 15 "the 15 others are in Odoo"
hs_is "$(hs_odoo_q "[.models[\"manychat.contact\"][] | select(.manychat_id == \"$u-11\")] | length")" 0 \
    "the bad one is not"
n=$(hs_odoo_ncalls ".seq > $seq0")
hs_cmp "$n" -le 14 "isolating 1 bad record in 16 took $n requests (at most 14)"
hs_is "$(hs_odoo_ncalls ".seq > $seq0 and .op == \"create\" and .n == 1 and .error != null")" 1 \
    "the bad record was finally sent alone"

# A write: contact 3 updated with the bad email, 4 and 5 updated fine.
seq0=$(hs_odoo_ncalls)
for i in 3 4 5; do
	email=$([ "$i" -eq 3 ] && echo bad@example.com || echo "new$i@example.com")
	hs_post_contact "$(hs_odoo_contact_body "$u-$i" Contactado 2025-06-06T09:00:00Z ".email = \"$email\"")"
	[ "$i" -eq 3 ] && badw=$(hs_json .idempotency_key)
done
# A state record's create: one closed campaign among three.
for i in 6 7 8; do
	camp=$([ "$i" -eq 7 ] && echo camp-BAD || echo "camp-$i")
	hs_post_campaign "$(hs_odoo_campaign_body "$u-$i" "$camp")"
	[ "$i" -eq 7 ] && bads=$(hs_json .idempotency_key)
done
hs_sync --sink odoo
hs_sync_expect 0 "second run: exit 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo dead)" 4/2 \
    "second run: delivered=4 dead=2"
hs_is "$(last_error "$badw")" \
    "dead|1|manychat.contact write: ValidationError: Invalid email address bad@example.com" \
    "the refused write is dead with Odoo's message"
hs_is "$(last_error "$bads")" \
    "dead|1|manychat.state create: UserError: Campaign camp-BAD is closed" \
    "the refused state record is dead with Odoo's message"
hs_is "$(hs_odoo_q "[.models[\"manychat.contact\"][] | select(.manychat_id == \"$u-4\" or .manychat_id == \"$u-5\") | .email] | join(\" \")")" \
    "new4@example.com new5@example.com" "the other writes went through"
hs_is "$(hs_odoo_q "[.models[\"manychat.contact\"][] | select(.manychat_id == \"$u-3\") | .email] | join(\" \")")" \
    "$u-3@example.com" "contact 3 kept its email"
hs_is "$(hs_odoo_q '[.models["manychat.state"][] | .campaign_id] | sort | join(" ")')" \
    "camp-6 camp-8" "the other state records were created"
hs_is "$(hs_dcount "sink = 'odoo' AND state = 'pending'")" 0 "nothing left pending"

hs_done
