#!/usr/bin/env bash
# At ODOO_RATE=1 every request to Odoo (login, searches, creates, writes)
# takes a token from the sink's bucket, so no two are less than a second
# apart on the bucket's clock; the bucket lives in the spool, so a run that
# follows another at once waits for it; and a run started while another
# holds the sink exits 1 without a request. The runs get the test clock
# (HOOKSPOOL_TEST_NOW, see README) and log each request with --verbose:
# the line's time is the instant its token was taken, since a call takes
# no time on that clock. So the spacing is asserted exactly, however
# loaded the machine is; the double's log shows it received exactly the
# requests the runs logged (its arrival times are on the real clock, which
# the test clock does not follow: they are not compared).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/odoo_lib.sh"
hs_sync_one_mode
hs_odoo_need

hs_odoo_start
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
# One more contact, for run C: A's clock starts just before it arrived,
# so A sends the six (a run sends what was due when it started) and C,
# whose clock starts where A's ended, sends this one.
six=$(hs_sql "SELECT max($(hs_ms_sql received_at)) FROM events;")
hs_wait_until 30 hs_clock_past "$six"
hs_post_contact "$(hs_odoo_contact_body "$u-4")"
hs_is "$HS_STATUS" 202 "contact 4 accepted"
t0=$(( $(hs_sql "SELECT $(hs_ms_sql received_at) FROM events WHERE idem_key LIKE $(hs_q "%:$u-4:%");") - 1 ))

# calls FILE: the odoo_call lines a run logged.
calls() { grep 'event=odoo_call' "$1"; }

# Run A in the background; B, started meanwhile, finds the sink held.
HOOKSPOOL_TEST_NOW=$t0 hs_sync_bg --sink odoo --verbose
pid_a=$HS_SYNC_PID
out_a=$HS_SYNC_OUTF
a_started() { [ "$(hs_odoo_ncalls)" -ge 2 ] || ! kill -0 "$pid_a" 2>/dev/null; }
hs_wait_until 60 a_started
hs_sync --sink odoo --verbose
hs_sync_expect 1 "run B while A runs: exit 1 (another run holds the sink)"
hs_like "$(cat "$HS_SYNC_ERR")" "another scheduled_sync run holds sink 'odoo'" \
    "run B says why"
hs_is "$(calls "$HS_SYNC_ERR" | wc -l)" 0 "run B made no request"
hs_sync_wait "$pid_a" "$out_a"
err_a=$HS_SYNC_ERR
hs_sync_expect 0 "run A: exit 0"
hs_is "$(hs_sync_field odoo delivered)/$(hs_sync_field odoo pending)" 6/1 \
    "run A: delivered=6 pending=1 (contact 4, not due when A started)"
n_a=$(calls "$err_a" | wc -l)
hs_cmp "$n_a" -ge 8 "run A made several requests per batch ($n_a)"
secs=$(hs_sync_field odoo seconds)
hs_is "$secs" "$((n_a - 1)).00" \
    "run A's clock moved a second per request after the first ($secs s for $n_a)"

# Run C right where A's clock ended: its first request (the login) waits
# for the token A's last one took.
HOOKSPOOL_TEST_NOW=$((t0 + ${secs%.*} * 1000)) hs_sync --sink odoo --verbose
err_c=$HS_SYNC_ERR
hs_sync_expect 0 "run C: exit 0"
hs_is "$(hs_sync_field odoo delivered)" 1 "run C: delivered=1"
hs_is "$(hs_odoo_ncalls '.method == "authenticate"')" 2 "one login per run (A and C)"

# The requests of A then C on the bucket's clock, in ms.
ms_of() { sed -n 's/^ts=\([^ ]*\) .*/\1/p' | while read -r ts; do
	date -u -d "$ts" +%s%3N; done; }
calls "$err_a" | ms_of >"$hs_sync_tmp/a.ms"
calls "$err_c" | ms_of >"$hs_sync_tmp/c.ms"
n=$(cat "$hs_sync_tmp/a.ms" "$hs_sync_tmp/c.ms" | wc -l)
hs_is "$n" "$(hs_odoo_ncalls)" "the double received exactly the $n requests the runs logged"
gap=$(cat "$hs_sync_tmp/a.ms" "$hs_sync_tmp/c.ms" | awk '
	NR > 1 { g = $1 - p; if (m == "" || g < m) m = g } { p = $1 }
	END { print m }')
hs_cmp "$gap" -ge 1000 "no two of the $n requests closer than 1 s on the bucket's clock (min gap $gap ms)"
hs_is "$(( $(head -n 1 "$hs_sync_tmp/c.ms") - $(tail -n 1 "$hs_sync_tmp/a.ms") ))" 1000 \
    "run C's first request a second after run A's last: the bucket was A's"
hs_is "$(hs_odoo_q '.models["manychat.contact"] | length')/$(hs_odoo_q '.models["manychat.state"] | length')" \
    4/3 "4 contacts and 3 state records in Odoo"
hs_is "$(hs_dcount "sink = 'odoo' AND (state <> 'done' OR attempts <> 1)")" 0 \
    "every delivery done on its first attempt"

hs_done
