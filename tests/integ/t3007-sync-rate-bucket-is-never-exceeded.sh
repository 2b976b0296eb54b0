#!/usr/bin/env bash
# AZURE_QUEUE_RATE=R (burst R) holds across runs that follow each other,
# measured on the clock the bucket itself uses. The runs get the test
# clock (HOOKSPOOL_TEST_NOW, see README): each starts at a chosen instant
# and waiting for a token moves its clock on instead of sleeping, so the
# machine's speed or load changes nothing. What the bucket promises:
# - over every interval [a, b] of that clock, at most R + R x (b - a)
#   deliveries are sent (done_at; sending takes no time on a test clock,
#   so it is the instant the batch's tokens were taken);
# - a run's leftover tokens are in the spool (rate_buckets) and the next
#   run starts from them: a run right after another gets no fresh burst;
# - after a long pause the bucket holds the burst, no more.
# A bucket that starts each run full, or refills past the burst, fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
r=100
n=700
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t3007-contacts AZURE_QUEUE_RATE=$r AZURE_QUEUE_BATCH=64

u=$(hs_unique t3007)
hs_is "$(hs_post_contacts "$n" "$u" 32)" "$n" "$n contacts accepted"

# The test clock starts after every event was received (all are due).
t0=$(date +%s%3N)

# bucket: the azure_queue bucket as "TOKENS UPDATED_MS" (tokens rounded
# down to a whole number).
bucket()
{
	hs_sql "SELECT CAST(tokens AS INTEGER) || ' ' || updated_ms FROM rate_buckets WHERE name = 'azure_queue';"
}

# Run 1 at t0 for 2 s of its clock: the burst, then 2 s of the rate.
HOOKSPOOL_TEST_NOW=$t0 hs_sync --max-seconds 2
hs_sync_expect 0 "run 1 (2 s budget): exit 0"
hs_like "$(grep 'event=clock' "$HS_SYNC_ERR")" 'level=warn .*HOOKSPOOL_TEST_NOW is set' \
    "run 1 says it runs on the test clock"
d1=$(hs_sync_field azure_queue delivered)
wall=$HS_SYNC_SECS
hs_is "$(hs_sync_field azure_queue seconds)" 2.00 "run 1 took 2 s of its clock"
hs_cmp "$d1" -le $((3 * r)) "run 1 sent at most burst + 2 s of rate"
# Not part of the promise, but what makes the next checks bite: the run
# took every token there was, so the bucket is empty at its end.
hs_cmp "$d1" -ge $((3 * r - 1)) "run 1 used the tokens it had ($d1)"
hs_is "$(bucket)" "0 $((t0 + 2000))" "run 1 left an empty bucket in the spool, updated at its end"

# Run 2 starts at the instant run 1 ended: only 2 s of rate, no burst.
HOOKSPOOL_TEST_NOW=$((t0 + 2000)) hs_sync --max-seconds 2
hs_sync_expect 0 "run 2 (2 s budget, right after run 1): exit 0"
d2=$(hs_sync_field azure_queue delivered)
wall="$wall $HS_SYNC_SECS"
hs_cmp "$d2" -le $((2 * r)) "run 2 did not start with a fresh burst: at most 2 s of rate"
hs_is "$(bucket)" "0 $((t0 + 4000))" "run 2 left its bucket in the spool"

# Run 3 a minute later (cron): the bucket refilled to the burst, no more.
HOOKSPOOL_TEST_NOW=$((t0 + 64000)) hs_sync --drain --max-seconds 30
hs_sync_expect 0 "run 3 (drain, a minute later): exit 0"
d3=$(hs_sync_field azure_queue delivered)
hs_diag "delivered per run: $d1 $d2 $d3 (R = $r, burst = $r)" \
    "wall-clock seconds per run (not asserted): $wall $HS_SYNC_SECS"
hs_is "$((d1 + d2 + d3))" "$n" "all delivered"
ms=$(hs_ms_sql done_at)
hs_is "$(hs_dcount "state = 'done' AND $ms = $((t0 + 64000))")" "$r" \
    "run 3 sent the burst at its first instant, no more"

# Every interval [a, b] between two send instants: its sends times 1000
# against (R + R x (b - a) / 1000) times 1000, in whole numbers.
worst=$(hs_sql "WITH t AS (SELECT $ms AS ms, count(*) AS k FROM deliveries
        WHERE state = 'done' GROUP BY 1),
    c AS (SELECT ms, sum(k) OVER (ORDER BY ms) AS upto,
        sum(k) OVER (ORDER BY ms) - k AS before FROM t)
    SELECT 1000 * (b.upto - a.before) - $r * (b.ms - a.ms) AS over,
        b.upto - a.before, b.ms - a.ms, a.ms - $t0
    FROM c a JOIN c b ON b.ms >= a.ms ORDER BY over DESC LIMIT 1;")
IFS='|' read -r over cnt span from <<<"$worst"
hs_diag "tightest interval: $cnt sends in $span ms from t0 + $from ms (bound: $r + $r x $span / 1000)"
hs_cmp "$over" -le $((1000 * r)) "no interval of the bucket's clock holds more than R + R x its length"
hs_is "$(hs_sql "SELECT sum($ms BETWEEN $t0 AND $t0 + 2000) || ' ' ||
    sum($ms > $t0 + 2000 AND $ms <= $t0 + 4000) || ' ' || sum($ms >= $t0 + 64000)
    FROM deliveries WHERE state = 'done';")" "$d1 $d2 $d3" \
    "each run's sends are within its own span of the test clock"

hs_done
