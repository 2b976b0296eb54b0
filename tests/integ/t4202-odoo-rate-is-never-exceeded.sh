#!/usr/bin/env bash
# At ODOO_RATE=1 no two requests reach Odoo less than a second apart:
# every request of a batch (login, searches, creates, writes) takes a
# token, the bucket lives in the spool so a run that follows another at
# once waits for it, and a run started while another holds the sink exits
# 1 without a request. The double enforces 1 request/s itself (429 when
# exceeded, 50 ms of slack) and never has to.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need

hs_odoo_start --rate 1 --burst 1
mapfile -t conf < <(hs_odoo_conf ODOO_RATE=1 ODOO_BATCH=2)
hs_sync_server "${conf[@]}"

u=$(hs_unique t4202)
for i in 1 2 3; do
	hs_post_contact "$(hs_odoo_contact_body "$u-$i")"
	hs_is "$HS_STATUS" 202 "contact $i accepted"
done
for i in 1 2 3; do
	hs_post_campaign "$(hs_odoo_campaign_body "$u-$i" "camp-$i")"
	hs_is "$HS_STATUS" 202 "campaign $i accepted"
done

# Run A in the background; B, started meanwhile, finds the sink held.
hs_sync_bg --sink odoo
pid_a=$HS_SYNC_PID
out_a=$HS_SYNC_OUTF
a_started() { [ "$(hs_odoo_ncalls)" -ge 2 ] || ! kill -0 "$pid_a" 2>/dev/null; }
hs_wait_until 60 a_started
before_b=$(hs_odoo_ncalls)
hs_sync --sink odoo
hs_sync_expect 1 "run B while A runs: exit 1 (another run holds the sink)"
hs_like "$(cat "$HS_SYNC_ERR")" "another scheduled_sync run holds sink 'odoo'" \
    "run B says why"
hs_sync_wait "$pid_a" "$out_a"
hs_sync_expect 0 "run A: exit 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo pending)" 6/0 \
    "run A: delivered=6 pending=0"
n_a=$(hs_odoo_ncalls)
hs_cmp "$n_a" -ge 8 "run A made several requests per batch ($n_a)"
secs=$(hs_sync_field odoo seconds)
hs_cmp "${secs%.*}" -ge $((n_a - 2)) \
    "run A took about a second per request ($secs s for $n_a)"

# Run C right after A: its first request (the login) waits for the token.
for i in 4 5; do
	hs_post_contact "$(hs_odoo_contact_body "$u-$i")"
done
hs_sync --sink odoo
hs_sync_expect 0 "run C: exit 0"
hs_is "$(hs_sync_field odoo delivered)" 2 "run C: delivered=2"
hs_is "$(hs_odoo_ncalls '.method == "authenticate"')" 2 "one login per run (A and C)"

n=$(hs_odoo_ncalls)
gap=$(hs_odoo_min_gap_ms)
hs_cmp "$gap" -ge 950 "no two of the $n requests closer than 1 s (min gap $gap ms)"
hs_is "$(hs_odoo_max_in_window 0.95)" 1 "never two requests within 0.95 s"
hs_is "$(hs_odoo_ncalls '.status == 429')" 0 "the double's limit never answered 429"
hs_is "$(hs_odoo_q '.models["manychat.contact"] | length')/$(hs_odoo_q '.models["manychat.state"] | length')" \
    5/3 "5 contacts and 3 state records in Odoo"
hs_is "$(hs_dcount "sink = 'odoo' AND (state <> 'done' OR attempts <> 1)")" 0 \
    "every delivery done on its first attempt"

hs_done
