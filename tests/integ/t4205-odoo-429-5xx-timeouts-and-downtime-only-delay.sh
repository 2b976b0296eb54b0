#!/usr/bin/env bash
# Odoo throttling (429 with Retry-After), a 503, a request that times out
# after Odoo executed it, and Odoo down altogether (connection refused)
# only delay deliveries: they stay pending with the reason, the next
# attempt is no sooner than Retry-After, and once Odoo answers again every
# event arrives exactly once. Nothing goes dead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need

hs_odoo_start --rate 20 --burst 20
mapfile -t conf < <(hs_odoo_conf ODOO_RATE=20 RETRY_BASE_MS=200 \
    RETRY_CAP_MS=400 ODOO_TIMEOUT_MS=1000)
hs_sync_server "${conf[@]}"
u=$(hs_unique t4205)

errors() {
	hs_sql "SELECT DISTINCT last_error FROM deliveries WHERE sink = 'odoo' AND state = 'pending';"
}

# 429 in the middle of a batch: login and search pass, the create is
# throttled with Retry-After: 2.
for i in 1 2 3; do
	hs_post_contact "$(hs_odoo_contact_body "$u-$i")"
done
hs_odoo_ctl '{"script": [{"pass": true}, {"pass": true}, {"status": 429, "retry_after": "2"}]}'
hs_sync --sink odoo
hs_sync_expect 0 "429: run exits 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo retried)/$(hs_sync_field odoo dead)" \
    0/3/0 "429: delivered=0 retried=3 dead=0"
hs_is "$(errors)" "manychat.contact create: HTTP 429 Too Many Requests" \
    "429: the reason is recorded"
t429=$(hs_odoo_calls '.status == 429' | jq -r '.t * 1000 | floor')
due=$(hs_sql "SELECT min($(hs_ms_sql next_attempt_at)) FROM deliveries WHERE sink = 'odoo' AND state = 'pending';")
hs_cmp $((due - t429)) -ge 1950 "429: next attempt no sooner than Retry-After ($((due - t429)) ms)"
seq0=$(hs_odoo_ncalls)
hs_sync --sink odoo --drain --max-seconds 20
hs_sync_expect 0 "429: draining run exits 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo pending)" 3/0 \
    "429: then delivered=3 pending=0"
first=$(hs_odoo_calls ".seq > $seq0" | head -n 1 | jq -r '.t * 1000 | floor')
hs_cmp $((first - t429)) -ge 1950 "429: Odoo heard nothing for 2 s ($((first - t429)) ms)"

# Odoo down: connections refused.
hs_odoo_stop
for i in 4 5; do
	hs_post_contact "$(hs_odoo_contact_body "$u-$i")"
done
hs_sync --sink odoo
hs_sync_expect 0 "down: run exits 0"
hs_is "$(hs_sync_field odoo retried)/$(hs_sync_field odoo dead)" 2/0 "down: retried=2 dead=0"
hs_like "$(errors)" "^login: Couldn't connect to server" "down: the reason is recorded"
hs_odoo_start --rate 20 --burst 20
hs_sync --sink odoo --drain --max-seconds 20
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo pending)" 2/0 \
    "back up: delivered=2 pending=0"

# 503 on the search, then a create that times out after Odoo made it.
for i in 6 7; do
	hs_post_contact "$(hs_odoo_contact_body "$u-$i")"
done
hs_odoo_ctl '{"script": [{"pass": true}, {"status": 503}]}'
hs_sync --sink odoo
hs_is "$(hs_sync_field odoo retried)/$(hs_sync_field odoo dead)" 2/0 "503: retried=2 dead=0"
hs_is "$(errors)" "manychat.contact search_read: HTTP 503" "503: the reason is recorded"
hs_odoo_ctl '{"delay_ms": 2500, "delay_ops": ["create"], "delay_when": "after"}'
hs_sync --sink odoo --drain --max-seconds 20
hs_odoo_ctl '{"clear": true}'
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo retried)/$(hs_sync_field odoo dead)" \
    2/2/0 "timeout: retried=2, then delivered=2, dead=0"
hs_like "$(grep -o 'error="manychat.contact create: no answer within 1000 ms (timeout)"' "$HS_SYNC_ERR" | head -n 1)" \
    timeout "timeout: the reason is logged"

hs_is "$(hs_dcount "sink = 'odoo' AND state <> 'done'")" 0 "every delivery done, none dead"
hs_is "$(hs_odoo_q '.models["manychat.contact"] | length')" 7 "7 contacts in Odoo"
hs_is "$(hs_odoo_q '.models["manychat.contact"] | map(.manychat_id) | unique | length')" 7 \
    "each once, the timed-out create included"

hs_done
