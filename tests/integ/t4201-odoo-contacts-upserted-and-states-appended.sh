#!/usr/bin/env bash
# ManyChat events accepted through the real server reach the Odoo double:
# contact events upsert manychat.contact by manychat_id (new ones created,
# an existing one updated, every mapped field as posted, the time in
# Odoo's UTC format), campaign assignments append a manychat.state record
# and update the contact's last state (a contact unknown to Odoo is
# created for it). One login per run; the batch costs a few requests, not
# one per event; receipts are the Odoo ids; a second run sends nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need

u=$(hs_unique t4201)
# Odoo already knows contact 1 (made by hand, older values).
mkdir -p "${HS_ODOO_DIR:=$(mktemp -d "${TMPDIR:-/tmp}/hs-odoo.XXXXXX")}"
hs_dirs+=("$HS_ODOO_DIR")
jq -nc --arg id "$u-1" '{tables: {"manychat.contact": {"7": {id: 7,
    manychat_id: $id, name: "Old name", email: "old@example.com",
    phone: "+56912345678", ultimo_estado: "Viejo"}}, "manychat.state": {}},
    next_id: {"manychat.contact": 8, "manychat.state": 1}}' \
    >"$HS_ODOO_DIR/state.json"
hs_odoo_start --rate 20 --burst 20
mapfile -t conf < <(hs_odoo_conf ODOO_RATE=20)
hs_sync_server "${conf[@]}"

declare -A cid=()
for i in 1 2 3; do
	hs_post_contact "$(hs_odoo_contact_body "$u-$i" Nuevo "2025-06-05T12:4$i:36-03:00")"
	hs_is "$HS_STATUS" 202 "contact $i accepted"
	cid[$i]=$(hs_json .idempotency_key)
done
hs_post_campaign "$(hs_odoo_campaign_body "$u-2" camp-A Asignado)"
hs_is "$HS_STATUS" 202 "campaign for contact 2 accepted"
k2=$(hs_json .idempotency_key)
hs_post_campaign "$(hs_odoo_campaign_body "$u-9" camp-B Calificado)"
hs_is "$HS_STATUS" 202 "campaign for a contact Odoo does not know accepted"
k9=$(hs_json .idempotency_key)
hs_is "$(hs_dcount "sink = 'odoo' AND state = 'pending'")" 5 \
    "one pending odoo delivery per event (default routes)"

hs_sync --sink odoo
hs_sync_expect 0 "run: exit 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo retried)/$(hs_sync_field odoo dead)/$(hs_sync_field odoo pending)" \
    5/0/0/0 "run: delivered=5 retried=0 dead=0 pending=0"

dump=$(hs_odoo_dump)
q() { jq -r "$1" <<<"$dump"; }
hs_is "$(q '.models["manychat.contact"] | length')" 4 \
    "4 contacts: 1 updated, 2 created, 1 created for a campaign"
hs_is "$(q '.models["manychat.contact"] | map(.manychat_id) | group_by(.) | map(select(length > 1)) | length')" \
    0 "no manychat_id twice"
c() { q ".models[\"manychat.contact\"][] | select(.manychat_id == \"$1\") | $2"; }
hs_is "$(c "$u-1" '[.id, .name, .email, .ultimo_estado, .datetime_actual] | join("|")')" \
    "7|Lead $u-1|$u-1@example.com|Nuevo|2025-06-05 15:41:36" \
    "existing contact updated in place: name, email, last state, time in UTC"
hs_is "$(c "$u-3" '[.name, .first_name, .last_name, .phone, .email, .ultimo_estado, .datetime_actual] | join("|")')" \
    "Lead $u-3|Ana|P $u-3|+56912345678|$u-3@example.com|Nuevo|2025-06-05 15:43:36" \
    "new contact created with every mapped field"
hs_is "$(c "$u-2" '.ultimo_estado')" Asignado \
    "campaign updated the last state of contact 2"
hs_is "$(c "$u-9" '[.name, .ultimo_estado, .datetime_actual] | join("|")')" \
    "$u-9|Calificado|2025-06-05 12:45:00" \
    "contact created for the unknown campaign contact"
hs_is "$(q '.models["manychat.state"] | length')" 2 "2 state records"
s() { q ".models[\"manychat.state\"][] | select(.idempotency_key == \"$1\") | $2"; }
hs_is "$(s "$k2" '[.manychat_id, .ultimo_estado, .campaign_id, .comercial_id, .tipo_asignacion, .datetime_actual] | join("|")')" \
    "$u-2|Asignado|camp-A|com-7|Automatica|2025-06-05 12:45:00" \
    "state record of contact 2 holds the assignment"
hs_is "$(s "$k9" '.campaign_id')" camp-B "state record of contact 9"

# Receipts are the Odoo ids: the contact's for a contact event, the state
# record's for a campaign.
rc1=$(hs_sql "SELECT d.receipt FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.sink = 'odoo' AND e.idem_key = $(hs_q "${cid[1]}");")
hs_is "$rc1" 7 "receipt of contact 1 is its Odoo id"
rk2=$(hs_sql "SELECT d.receipt FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.sink = 'odoo' AND e.idem_key = $(hs_q "$k2");")
hs_is "$rk2" "$(s "$k2" .id)" "receipt of a campaign is its state record's id"

# What Odoo received: one login, searches and list creates.
hs_is "$(hs_odoo_ncalls '.method == "authenticate" or .method == "login"')" 1 \
    "one login for the run"
hs_is "$(hs_odoo_ncalls '.status != 200 or .error != null')" 0 \
    "no call refused (no 429, no error envelope)"
n=$(hs_odoo_ncalls)
hs_cmp "$n" -le 12 "the 5 events took at most 12 requests (took $n)"
hs_is "$(hs_odoo_ncalls '.op == "create" and .model == "manychat.contact" and .n > 1')" 1 \
    "new contacts made by one list create"

hs_sync --sink odoo
hs_sync_expect 0 "second run: exit 0"
hs_is "$(hs_sync_field odoo delivered)" 0 "second run: delivered=0"
hs_is "$(hs_odoo_ncalls)" "$n" "second run: no request at all (no login either)"
hs_odoo_no_secret "the Odoo password is in no output"

hs_done
