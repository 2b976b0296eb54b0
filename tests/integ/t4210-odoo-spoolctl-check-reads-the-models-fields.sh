#!/usr/bin/env bash
# spoolctl check probes Odoo: it logs in and reads both models' fields
# (fields_get), so a field the sink would write and Odoo lacks is found
# before a drain stops on it (issue 11: "Invalid field 'last_state'").
# With the default names - the seed's payload names, which the double's
# models use as the seed's module does - the probe is ok; each misnamed
# field is named with the ODOO_FIELDS line that fixes it; a wrong password
# fails without showing it. The probe writes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}
[ -x "$HS_CTL" ] || hs_bail "'$HS_CTL' is built" "make san"

ctl()
{
	CTL_OUT=$(HOOKSPOOL_CONF=$HOOKSPOOL_CONF timeout 60 "$HS_CTL" check \
	    --json 2>"$hs_sync_tmp/ctl.err" </dev/null)
	CTL_RC=$?
	CTL_ERR=$(cat "$hs_sync_tmp/ctl.err")
}
sink() { printf '%s' "$CTL_OUT" | jq -r ".checks[] | select(.name == \"sink odoo\") | .$1"; }

hs_odoo_start
mapfile -t conf < <(hs_odoo_conf ODOO_RATE=50)
hs_sync_server "${conf[@]}"
hs_post_contact "$(hs_odoo_contact_body "$(hs_unique t4210)")"

ctl
hs_is "$CTL_RC/$(sink status)" 0/ok "default field names: the probe is ok"
hs_like "$(sink detail)" "manychat.contact and manychat.state have every mapped field \(15\)" \
    "the probe read both models' fields"
hs_is "$(hs_odoo_ncalls '.op == "fields_get"')" 2 "one fields_get per model"

hs_sync_reconf "ODOO_FIELDS=contact.last_state=last_state,contact.phone=telefono"
ctl
hs_is "$CTL_RC/$(sink status)" 1/fail "misnamed fields: the probe fails"
hs_like "$(sink detail)" "Odoo lacks 2 mapped fields: manychat.contact.telefono \(contact.phone\), manychat.contact.last_state \(contact.last_state\)" \
    "each missing field named with its role"
hs_like "$(sink detail)" "fix: ODOO_FIELDS= \(or no ODOO_FIELDS: the defaults fit\)" \
    "the fix: the seed's names, which Odoo has"

hs_sync_reconf "ODOO_FIELDS=state.idempotency_key=x_idem,contact.email="
ctl
hs_like "$(sink detail)" "lacks 1 mapped field: manychat.state.x_idem \(state.idempotency_key\); fix: ODOO_FIELDS=contact.email= " \
    "a renamed key Odoo lacks: the fix keeps the other settings, uses the name Odoo has"

hs_sync_reconf "ODOO_PASSWORD=wrong-pw-t4210"
ctl
hs_is "$(sink status)" fail "wrong password: the probe fails"
hs_like "$(sink detail)" "odoo refused the login of user '$HS_ODOO_USER'" "and says so"
hs_is "$(printf '%s' "$CTL_OUT$CTL_ERR" | grep -c -e wrong-pw-t4210 -e "$HS_ODOO_PASSWORD")" 0 \
    "no password in the output"
hs_is "$(hs_odoo_ncalls '.op == "create" or .op == "write"')" 0 "the probe wrote nothing"

hs_done
