#!/usr/bin/env bash
# A connection string with a SAS instead of a key. A service SAS that may
# only add messages to one queue cannot create it: while the queue is
# missing, the run exits 111 with Azure's code and burns no attempt; once an
# administrator has created the queue, the same SAS delivers. An account
# SAS with create rights creates its queues itself.
# Signatures: protocols.md 1.8 (verified against Azurite).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
admin=$hs_sync_tmp/admin.conf
printf 'AZURE_STORAGE_CONNECTION_STRING=%s\n' "$HS_AZ_CS" >"$admin"
ep="QueueEndpoint=http://127.0.0.1:$HS_AZ_PORT/devstoreaccount1"
add_only="$ep;SharedAccessSignature=sv=2025-11-05&se=2030-01-01T00%3A00%3A00Z&sp=a&sig=J9QTwFA2Ja35hPxFx7Ycv4cwjVe3HfIiw1Zxw8b0x48%3D"
account="$ep;SharedAccessSignature=sv=2025-11-05&ss=q&srt=sco&sp=rwdlacup&se=2030-01-01T00%3A00%3A00Z&sig=DO6XbRkeBQfTA2IhkGLvfKc0gHkcygLYOhZI347bxf0%3D"

# The service SAS is for queue hookspool-events: signed events go there.
# (The handler reads its configuration once per process: routes are set
# from the start; only the connection string changes later.)
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$add_only" \
    'ROUTES=signed/*:azure_queue;manychat/*:azure_queue' \
    AZURE_QUEUE_DEFAULT=hookspool-events AZURE_QUEUE_CONTACT=t4102-contacts
u=$(hs_unique t4102)
for t in promo user_info; do
	hs_post_signed "$(hs_signed_body "$t" "$u-$t")"
	hs_like "$HS_STATUS" '^20[0-9]$' "signed $t accepted"
done

hs_sync
hs_sync_expect 111 "add-only SAS, queue missing: exit 111"
err=$(grep -v 'event=attempt' "$HS_SYNC_ERR")
hs_diag "stderr: $err"
hs_like "$err" 'AuthorizationPermissionMismatch' "the error carries Azure's code"
hs_like "$err" 'hookspool-events' "the error names the queue"
hs_is "$(hs_dcount "state = 'pending' AND attempts = 0")" 2 "no attempt burnt, nothing dead"
hs_sync_no_secret "no signature in any output"
hs_is "$(grep -c 'J9QTwFA2Ja35' "$HS_SYNC_ERR")" 0 "no SAS signature in stderr"

HOOKSPOOL_CONF=$admin "$HS_AZQ_DUMP" --create hookspool-events
hs_is "$?" 0 "an administrator creates the queue"
hs_sync
hs_sync_expect 0 "add-only SAS, queue there: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" 2 "add-only SAS: delivered=2"
hs_is "$(HOOKSPOOL_CONF=$admin "$HS_AZQ_DUMP" hookspool-events | jq -r .source | sort | uniq -c | tr -s ' ')" \
    " 2 signed" "both signed events in the queue"

hs_sync_reconf "AZURE_STORAGE_CONNECTION_STRING=$account"
hs_is "$(hs_post_contacts 3 "$u")" 3 "3 contacts accepted"
hs_sync
hs_sync_expect 0 "account SAS: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" 3 "account SAS: creates the queue and delivers 3"
hs_is "$(HOOKSPOOL_CONF=$admin "$HS_AZQ_DUMP" t4102-contacts | wc -l)" 3 "3 contacts in their queue"

hs_done
