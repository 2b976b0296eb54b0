#!/usr/bin/env bash
# A wrong account key: the run stops the sink with exit 111 and one clear
# error naming the account and Azure's code, never the key; nothing goes
# dead, no attempt is counted, nothing is scheduled later. With the key
# fixed, the next run delivers everything.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$(hs_az_cs "$HS_AZ_PORT" "$HS_WRONG_KEY")" \
    AZURE_QUEUE_CONTACT=t3004-contacts

u=$(hs_unique t3004)
hs_is "$(hs_post_contacts 5 "$u")" 5 "5 contacts accepted"
before=$(hs_sql "SELECT id, attempts, next_attempt_at FROM deliveries ORDER BY id;")

hs_sync
hs_sync_expect 111 "wrong key: exit 111"
hs_is "$(hs_sync_field azure_queue delivered)/$(hs_sync_field azure_queue dead)/$(hs_sync_field azure_queue pending)" \
    0/0/5 "wrong key: summary delivered=0 dead=0 pending=5"
err=$(grep -v 'event=attempt' "$HS_SYNC_ERR")
hs_diag "stderr: $err"
hs_like "$err" "devstoreaccount1" "wrong key: the error names the account"
hs_like "$err" "AuthenticationFailed" "wrong key: the error carries Azure's code"
hs_is "$(grep -c 'outcome=dead' "$HS_SYNC_ERR")" 0 "wrong key: no attempt line says dead"
hs_is "$(hs_dcount "state = 'dead'")" 0 "wrong key: nothing dead"
hs_is "$(hs_sql "SELECT id, attempts, next_attempt_at FROM deliveries ORDER BY id;")" \
    "$before" "wrong key: attempts and next_attempt_at unchanged"
hs_sync_no_secret "wrong key: no key in any output"

hs_sync_reconf "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS"
hs_sync
hs_sync_expect 0 "key fixed: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" 5 "key fixed: delivered=5"
hs_is "$(hs_dcount "state = 'done' AND attempts = 1")" 5 "key fixed: done on the first counted attempt"
hs_is "$(hs_dump t3004-contacts | wc -l)" 5 "key fixed: 5 messages in the queue"

hs_done
