#!/usr/bin/env bash
# Events accepted before the queue sink was configured have no delivery to
# it; scheduled_sync --backfill adds one per event the current routes send
# there (contacts, campaigns; not signed events), once, and exits; the next
# run delivers them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
hs_sync_server AZURE_QUEUE_CONTACT=t3011-contacts AZURE_QUEUE_CAMPAIGN=t3011-campaigns

u=$(hs_unique t3011)
hs_is "$(hs_post_contacts 4 "$u")" 4 "4 contacts accepted without a sink"
hs_post_campaign "$(hs_campaign_body "$u-1" camp-1)"
hs_like "$HS_STATUS" '^20[0-9]$' "a campaign accepted"
hs_post_signed "$(hs_signed_body promo "$u-p")"
hs_like "$HS_STATUS" '^20[0-9]$' "a signed event accepted"
hs_is "$(hs_dcount 1)" 0 "no delivery yet"

hs_sync_reconf "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS"
hs_sync --backfill
hs_sync_expect 0 "backfill: exit 0"
hs_like "$HS_SYNC_OUT" 'sink=azure_queue backfilled=5' "backfill: 5 added for azure_queue"
hs_is "$(hs_dcount "sink = 'azure_queue' AND state = 'pending' AND attempts = 0")" 5 \
    "backfill: 5 pending deliveries, none attempted"
hs_is "$(hs_dcount "event_id IN (SELECT id FROM events WHERE source = 'signed')")" 0 \
    "backfill: none for the signed event"
hs_is "$(hs_dump t3011-contacts t3011-campaigns | wc -l)" 0 "backfill: nothing sent"

hs_sync --backfill
hs_like "$HS_SYNC_OUT" 'sink=azure_queue backfilled=0' "a second backfill adds nothing"

hs_sync
hs_sync_expect 0 "run: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" 5 "run: delivered=5"
hs_is "$(hs_dump t3011-contacts | wc -l)/$(hs_dump t3011-campaigns | wc -l)" 4/1 \
    "4 contacts and 1 campaign in their queues"

hs_done
