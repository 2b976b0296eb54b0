#!/usr/bin/env bash
# ODOO_PROTOCOL=jsonrpc+ssl speaks HTTPS and verifies Odoo's certificate:
# with ODOO_CA_FILE naming the CA that signed it, events are delivered;
# without it (the system's store does not know a self-signed certificate)
# nothing reaches Odoo and the delivery retries with the TLS error - it is
# not dead and no event is sent in clear.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need

hs_odoo_tls
pki=$hs_odoo_pki
hs_odoo_start --rate 20 --burst 20 --tls-cert "$pki/cert.pem" \
    --tls-key "$pki/key.pem"
mapfile -t conf < <(hs_odoo_conf ODOO_RATE=20 ODOO_PROTOCOL=jsonrpc+ssl \
    "ODOO_CA_FILE=$pki/cert.pem")
hs_sync_server "${conf[@]}"
u=$(hs_unique t4207)

hs_post_contact "$(hs_odoo_contact_body "$u-1")"
hs_post_campaign "$(hs_odoo_campaign_body "$u-2" camp-2)"
hs_sync --sink odoo
hs_sync_expect 0 "with ODOO_CA_FILE: exit 0"
hs_is "$(hs_sync_field odoo delivered)" 2 "with ODOO_CA_FILE: delivered=2 over HTTPS"
hs_is "$(hs_odoo_q '.models["manychat.contact"] | length')" 2 "2 contacts in Odoo"

hs_sync_reconf ODOO_CA_FILE=
hs_post_contact "$(hs_odoo_contact_body "$u-3")"
n=$(hs_odoo_ncalls)
hs_sync --sink odoo
hs_sync_expect 0 "unknown certificate: exit 0"
hs_is "$(hs_sync_field odoo retried)/$(hs_sync_field odoo dead)" 1/0 \
    "unknown certificate: retried=1 dead=0"
hs_like "$(hs_sql "SELECT last_error FROM deliveries WHERE sink = 'odoo' AND state = 'pending';")" \
    "^login: .*(SSL|certificate)" "unknown certificate: the TLS error is recorded"
hs_is "$(hs_odoo_ncalls)" "$n" "unknown certificate: no request reached Odoo"

hs_done
