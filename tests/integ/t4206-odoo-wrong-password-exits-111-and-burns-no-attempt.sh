#!/usr/bin/env bash
# A wrong ODOO_PASSWORD: common.authenticate answers false, the run stops
# the odoo sink with a clear error and exit 111, after exactly one login
# (Odoo's login cooldown locks an address out after a few), with no
# attempt counted and nothing dead; the next run tries once again. An
# AccessDenied (key revoked) or AccessError (rights) from a later call
# stops the run the same way. Once fixed, everything is delivered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need

hs_odoo_start --rate 20 --burst 20
mapfile -t conf < <(hs_odoo_conf ODOO_RATE=20)
hs_sync_server "${conf[@]}" ODOO_PASSWORD=not-the-password
u=$(hs_unique t4206)
for i in 1 2; do
	hs_post_contact "$(hs_odoo_contact_body "$u-$i")"
done
hs_post_campaign "$(hs_odoo_campaign_body "$u-1" camp-1)"

untouched() {
	hs_dcount "sink = 'odoo' AND state = 'pending' AND attempts = 0 AND last_error IS NULL"
}

hs_sync --sink odoo
hs_sync_expect 111 "wrong password: exit 111"
hs_like "$(cat "$HS_SYNC_ERR")" "odoo refused the login of user '$HS_ODOO_USER' on database '$HS_ODOO_DB' at http://127.0.0.1:$HS_ODOO_PORT/jsonrpc: wrong ODOO_USERNAME \\(or ODOO_USER\\) or ODOO_PASSWORD" \
    "wrong password: the error names the user, database and server"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo retried)/$(hs_sync_field odoo dead)/$(hs_sync_field odoo pending)" \
    0/0/0/3 "wrong password: nothing delivered, retried or dead"
hs_is "$(untouched)" 3 "wrong password: no attempt burned, no error recorded"
hs_is "$(hs_odoo_ncalls)" 1 "wrong password: one request, the login"
hs_sync --sink odoo
hs_sync_expect 111 "next run: exit 111 again"
hs_is "$(hs_odoo_ncalls)" 2 "next run: one login again, no more"
hs_is "$(untouched)" 3 "next run: still no attempt"
if grep -qF -e not-the-password "$hs_sync_tmp"/run-*.err; then
	hs_not_ok "the password is not logged"
else
	hs_ok "the password is not logged"
fi

# The right password, but the key is revoked once logged in.
hs_sync_reconf "ODOO_PASSWORD=$HS_ODOO_PASSWORD"
hs_odoo_ctl '{"script": [{"pass": true}, {"error": "odoo.exceptions.AccessDenied", "message": "Access Denied"}]}'
hs_sync --sink odoo
hs_sync_expect 111 "AccessDenied after login: exit 111"
hs_like "$(cat "$HS_SYNC_ERR")" "odoo refused the credentials of user .* on manychat.contact search_read: AccessDenied: Access Denied" \
    "AccessDenied: the error says so"
hs_is "$(untouched)" 3 "AccessDenied: no attempt burned"

# Rights missing on the model.
hs_odoo_ctl '{"script": [{"pass": true}, {"error": "odoo.exceptions.AccessError", "message": "You are not allowed to access ManyChat Contact (manychat.contact) records."}]}'
hs_sync --sink odoo
hs_sync_expect 111 "AccessError: exit 111"
hs_like "$(cat "$HS_SYNC_ERR")" "access rights.*not allowed to access ManyChat Contact" \
    "AccessError: the error says so"
hs_is "$(untouched)" 3 "AccessError: no attempt burned"

hs_sync --sink odoo
hs_sync_expect 0 "fixed: exit 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo pending)" 3/0 "fixed: delivered=3"
hs_is "$(hs_dcount "sink = 'odoo' AND state = 'done' AND attempts = 1")" 3 \
    "fixed: each delivered on its first counted attempt"
hs_is "$(hs_odoo_q '.models["manychat.contact"] | length')/$(hs_odoo_q '.models["manychat.state"] | length')" \
    2/1 "fixed: 2 contacts and 1 state record in Odoo"

hs_done
