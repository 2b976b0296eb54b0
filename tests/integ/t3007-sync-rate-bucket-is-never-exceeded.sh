#!/usr/bin/env bash
# AZURE_QUEUE_RATE=R holds across runs that follow each other: over the
# whole backlog, no one-second window of done_at times holds more than
# R + burst deliveries (burst = R, one second's worth), and the total time
# is at least what the rate allows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
r=200
n=1200
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t3007-contacts AZURE_QUEUE_RATE=$r AZURE_QUEUE_BATCH=64

u=$(hs_unique t3007)
hs_is "$(hs_post_contacts "$n" "$u" 32)" "$n" "$n contacts accepted"

# Three runs back to back: each alone would start with a full bucket.
hs_sync --max-seconds 2
hs_sync_expect 0 "run 1 (2 s budget): exit 0"
d1=$(hs_sync_field azure_queue delivered)
hs_sync --max-seconds 2
hs_sync_expect 0 "run 2 (2 s budget): exit 0"
d2=$(hs_sync_field azure_queue delivered)
hs_sync --drain --max-seconds 30
hs_sync_expect 0 "run 3 (drain): exit 0"
d3=$(hs_sync_field azure_queue delivered)
hs_diag "delivered per run: $d1 $d2 $d3"
hs_is "$((d1 + d2 + d3))" "$n" "all delivered"
hs_cmp "$d1" -le $((3 * r)) "run 1 sent at most burst + 2 s of rate"
hs_cmp "$d2" -le $((2 * r + r / 10)) "run 2 did not start with a fresh burst"

ms=$(hs_ms_sql done_at)
max=$(hs_sql "SELECT max(c) FROM (SELECT count(*) OVER (ORDER BY $ms
    RANGE BETWEEN CURRENT ROW AND 999 FOLLOWING) AS c FROM deliveries
    WHERE state = 'done');")
hs_diag "most deliveries in one second: $max (R = $r, burst = $r)"
hs_cmp "$max" -le $((2 * r)) "no 1-second window above R + burst"
span=$(hs_sql "SELECT max($ms) - min($ms) FROM deliveries WHERE state = 'done';")
hs_diag "first to last done_at: $span ms"
hs_cmp "$span" -ge $(( (n - r) * 1000 / r - 1000 )) \
    "the backlog took at least (N - burst) / R seconds"

hs_done
