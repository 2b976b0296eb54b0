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

# Each attempt line has its log time (just after the batch) and batch_ms:
# their difference is when the batch's tokens were taken and it started.
starts=$(cat "$hs_sync_tmp"/run-*.err | grep 'event=attempt' |
    sed -n 's/^ts=\([^ ]*\) .*batch_ms=\([0-9.]*\).*/\1 \2/p' |
    awk '{ printf "(%s),", "(julianday(\x27" $1 "\x27) - 2440587.5) * 86400000.0 - " $2 }')
max=$(sqlite3 :memory: "CREATE TABLE s (ms REAL); INSERT INTO s VALUES ${starts%,};
    SELECT max(c) FROM (SELECT count(*) OVER (ORDER BY ms
    RANGE BETWEEN CURRENT ROW AND 999.999 FOLLOWING) AS c FROM s);")
hs_diag "most sends started in one second: $max (R = $r, burst = $r)"
hs_cmp "$max" -le $((2 * r)) "no 1-second window of send starts above R + burst"

# done_at is written when a batch has finished: a slow batch (the first
# one creates the queue) shifts its rows by its duration, so the window
# on done_at gets R x (longest batch) of slack.
ms=$(hs_ms_sql done_at)
max=$(hs_sql "SELECT max(c) FROM (SELECT count(*) OVER (ORDER BY $ms
    RANGE BETWEEN CURRENT ROW AND 999 FOLLOWING) AS c FROM deliveries
    WHERE state = 'done');")
longest=$(cat "$hs_sync_tmp"/run-*.err | sed -n 's/.*event=attempt .*batch_ms=\([0-9]*\).*/\1/p' |
    sort -n | tail -n 1)
slack=$(( r * (longest + 10) / 1000 + 2 ))
hs_diag "most done_at in one second: $max (longest batch ${longest} ms, slack $slack)"
hs_cmp "$max" -le $((2 * r + slack)) "no 1-second window of done_at above R + burst + slack"
span=$(hs_sql "SELECT max($ms) - min($ms) FROM deliveries WHERE state = 'done';")
hs_diag "first to last done_at: $span ms"
hs_cmp "$span" -ge $(( (n - r) * 1000 / r - 1000 )) \
    "the backlog took at least (N - burst) / R seconds"

hs_done
