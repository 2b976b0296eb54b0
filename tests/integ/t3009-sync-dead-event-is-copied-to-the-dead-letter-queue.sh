#!/usr/bin/env bash
# A delivery that goes dead (its queue does not exist and may not be
# created) gives its event a dead_letter delivery when
# AZURE_DEAD_LETTER_QUEUE is set; the same run sends the envelope with
# "dead_reason" to that queue. Healthy events are not copied.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CREATE=false AZURE_QUEUE_CONTACT=t3009-missing \
    AZURE_QUEUE_CAMPAIGN=t3009-campaigns AZURE_DEAD_LETTER_QUEUE=t3009-dead
hs_dump --create t3009-dead t3009-campaigns
hs_is "$?" 0 "dead-letter and campaign queues created beforehand"

u=$(hs_unique t3009)
hs_is "$(hs_post_contacts 2 "$u")" 2 "2 contacts accepted (their queue is missing)"
hs_post_campaign "$(hs_campaign_body "$u-1" camp-1)"
hs_like "$HS_STATUS" '^20[0-9]$' "a campaign accepted (its queue exists)"

hs_sync --drain --max-seconds 20
hs_sync_expect 0 "run: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)/$(hs_sync_field azure_queue dead)" 1/2 \
    "azure_queue: delivered=1 dead=2"
hs_is "$(hs_sync_field dead_letter delivered)/$(hs_sync_field dead_letter pending)" 2/0 \
    "dead_letter: delivered=2 pending=0"
hs_is "$(hs_dcount "sink = 'azure_queue' AND state = 'dead' AND attempts = 1")" 2 \
    "a missing queue is dead at once, not retried"
hs_like "$(hs_sql "SELECT last_error FROM deliveries WHERE sink = 'azure_queue' AND state = 'dead' LIMIT 1;")" \
    "t3009-missing' does not exist" "last_error names the missing queue"
hs_is "$(hs_dcount "sink = 'dead_letter' AND state = 'done'")" 2 "two dead_letter deliveries, done"
hs_is "$(hs_sql "SELECT count(*) FROM deliveries a JOIN deliveries b ON a.event_id = b.event_id
    WHERE a.sink = 'azure_queue' AND a.state = 'dead' AND b.sink = 'dead_letter';")" 2 \
    "each for an event whose delivery went dead"

hs_dump t3009-dead >"$hs_sync_tmp/dead"
hs_is "$(wc -l <"$hs_sync_tmp/dead")" 2 "2 messages in the dead-letter queue"
hs_is "$(jq -r .idempotency_key "$hs_sync_tmp/dead" | sort)" \
    "$(hs_sql "SELECT idem_key FROM events WHERE kind = 'contact' ORDER BY idem_key;")" \
    "they are the two contacts"
hs_is "$(jq -r '.dead_reason | test("t3009-missing.*does not exist")' "$hs_sync_tmp/dead" | sort -u)" \
    true "each carries dead_reason"
hs_diag "dead_reason: $(head -n 1 "$hs_sync_tmp/dead" | jq -r .dead_reason)"
hs_is "$(jq -r '.payload.manychat_id | startswith($u)' --arg u "$u" "$hs_sync_tmp/dead" | sort -u)" \
    true "and the original payload"
hs_is "$(hs_dump t3009-campaigns | wc -l)" 1 "the campaign went to its queue"

hs_done
