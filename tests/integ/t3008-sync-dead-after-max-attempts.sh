#!/usr/bin/env bash
# Nothing listens where the queue service should be: with MAX_ATTEMPTS=2
# and a tiny backoff, a --drain run retries each delivery once, then marks
# it dead with the connection error, and exits 0. A later run leaves dead
# deliveries alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
port=$(hs_free_port)
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$(hs_az_cs "$port")" \
    MAX_ATTEMPTS=2 RETRY_BASE_MS=20 RETRY_CAP_MS=50 AZURE_QUEUE_TIMEOUT_MS=1000

u=$(hs_unique t3008)
hs_is "$(hs_post_contacts 3 "$u")" 3 "3 contacts accepted"
hs_post_campaign "$(hs_campaign_body "$u-1" camp-1)"
hs_like "$HS_STATUS" '^20[0-9]$' "a campaign accepted"

hs_sync --drain --max-seconds 20
hs_sync_expect 0 "drain: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)/$(hs_sync_field azure_queue retried)/$(hs_sync_field azure_queue dead)/$(hs_sync_field azure_queue pending)" \
    0/4/4/0 "drain: retried=4 dead=4 pending=0"
hs_is "$(hs_dcount "state = 'dead' AND attempts = 2")" 4 "every delivery dead after 2 attempts"
hs_is "$(hs_dcount "state = 'dead' AND last_error LIKE '%CouldNotConnect%'")" 4 \
    "last_error keeps the connection failure"
hs_diag "last_error: $(hs_sql "SELECT last_error FROM deliveries LIMIT 1;")"
hs_is "$(hs_dcount "state = 'dead' AND (done_at IS NOT NULL OR receipt IS NOT NULL)")" 0 \
    "a dead delivery has no done_at or receipt"
hs_is "$(grep -c 'event=attempt .*attempt=2 .*outcome=dead' "$HS_SYNC_ERR")" 4 \
    "a dead line for each second attempt"
hs_is "$(hs_dcount "sink = 'dead_letter'")" 0 "no dead-letter delivery without AZURE_DEAD_LETTER_QUEUE"

# Options take their value after "=" as well as in the next argument.
hs_sync --drain --max-seconds=5 --sink=azure_queue
hs_sync_expect 0 "later run (--max-seconds=5 --sink=azure_queue): exit 0"
hs_is "$(printf '%s\n' "$HS_SYNC_OUT" | grep -c '^scheduled_sync: sink=')/$(hs_sync_field azure_queue dead)" \
    1/0 "later run: --sink=azure_queue ran that sink alone"
hs_is "$(grep -c 'event=attempt' "$HS_SYNC_ERR")" 0 "later run: dead deliveries are not attempted"
hs_is "$(hs_dcount "state = 'dead' AND attempts = 2")" 4 "later run: still dead, attempts unchanged"

hs_sync --max-seconds=0
hs_sync_expect 100 "--max-seconds=0: exit 100"
hs_like "$(cat "$HS_SYNC_ERR")" 'max-seconds needs a whole number from 1' \
    "--max-seconds=0: says what it needs"
hs_sync --once=yes
hs_sync_expect 100 "a value given to a flag: exit 100"

hs_done
