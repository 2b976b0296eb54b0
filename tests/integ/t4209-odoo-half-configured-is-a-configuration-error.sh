#!/usr/bin/env bash
# A configuration that names Odoo by only some of its required keys is an
# error, not "no sink is configured": scheduled_sync and the handler's
# --check-config exit 100 and spoolctl check fails its config check, each
# naming the missing keys. ODOO_URL and ODOO_USERNAME, the spellings other
# Odoo tools use, are keys of the sink: a configuration written with them
# delivers, and ODOO_URL wins over the seed's ODOO_HOST (with a warning).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}
HS_HOOKS=${HS_HOOKS:-$HS_ROOT/build/san/cgi-bin/hooks.fcgi}
[ -x "$HS_CTL" ] || hs_bail "'$HS_CTL' is built" "make san"

hs_odoo_start
common=("ODOO_DB=$HS_ODOO_DB" "ODOO_USERNAME=$HS_ODOO_USER"
    "ODOO_PASSWORD=$HS_ODOO_PASSWORD" ODOO_RATE=50)
hs_sync_server "ODOO_URL=http://127.0.0.1:$HS_ODOO_PORT" "${common[@]}" \
    ODOO_HOST=odoo.invalid
u=$(hs_unique t4209)
hs_post_contact "$(hs_odoo_contact_body "$u-1")"
hs_is "$HS_STATUS" 202 "contact accepted"
hs_sync --sink odoo
hs_sync_expect 0 "ODOO_URL + ODOO_USERNAME: exit 0"
hs_is "$(hs_sync_field odoo delivered)" 1 "delivered=1 at ODOO_URL"
hs_like "$(cat "$HS_SYNC_ERR")" "ODOO_URL and ODOO_HOST are both set: ODOO_URL is used" \
    "both spellings: a warning says which is used"

missing='the odoo sink is half configured: ODOO_DB is set but ODOO_URL \(or ODOO_HOST\), ODOO_USERNAME \(or ODOO_USER\), ODOO_PASSWORD are not'
hs_sync_reconf '!ODOO_URL' '!ODOO_HOST' '!ODOO_USERNAME' '!ODOO_PASSWORD'
hs_sync --sink odoo
hs_sync_expect 100 "ODOO_DB alone: scheduled_sync exits 100"
hs_like "$(cat "$HS_SYNC_ERR")" "$missing" "scheduled_sync names the missing keys"
hs_sync
hs_sync_expect 100 "ODOO_DB alone, every sink: exit 100 too"
out=$(HOOKSPOOL_CONF=$HOOKSPOOL_CONF "$HS_HOOKS" --check-config 2>&1)
hs_is "$?" 100 "hooks.fcgi --check-config: exit 100"
hs_like "$out" "error: $missing" "--check-config names the missing keys"
out=$(HOOKSPOOL_CONF=$HOOKSPOOL_CONF timeout 60 "$HS_CTL" check --json \
    --no-probe 2>/dev/null)
hs_is "$?" 1 "spoolctl check: exit 1 (a failed check)"
hs_like "$(printf '%s' "$out" | jq -r '.checks[] | select(.name == "config" and .status == "fail") | .detail')" \
    "$missing" "spoolctl check fails the config check, naming the keys"

hs_done
