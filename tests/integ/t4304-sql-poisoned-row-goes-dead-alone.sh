#!/usr/bin/env bash
# One event in a batch that PostgreSQL refuses (a nombre_lead of 300
# characters: the ingest accepts up to 4096, the column holds 255) goes
# dead alone, at its first attempt, with the driver's message; every other
# event of the batch, before and after it, becomes its row. The same with
# parameter arrays off (one row per execution).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
hs_sync_one_mode
hs_pg_start fast || hs_bail "start PostgreSQL"
hs_pg_schema >/dev/null || hs_bail "create the tables"

long=$(printf 'x%.0s' $(seq 1 300))
for arrays in true false; do
	hs_sync_server "ODBC_CONNECTION_STRING=$HS_PG_CS" SQL_BATCH=100 \
	    "SQL_PARAM_ARRAYS=$arrays"
	u=$(hs_unique "t4304$arrays")
	hs_is "$(hs_post_contacts 30 "$u-a" 8)" 30 "arrays=$arrays: 30 contacts accepted"
	hs_post_contact "$(jq -c --arg l "$long" '.nombre_lead = $l' <<<"$(hs_contact_body "$u-poison")")"
	hs_is "$HS_STATUS" 202 "arrays=$arrays: the poisoned contact is accepted by the ingest"
	poison=$(hs_json .idempotency_key)
	hs_is "$(hs_post_contacts 30 "$u-b" 8)" 30 "arrays=$arrays: 30 more contacts accepted"
	hs_post_campaign "$(hs_campaign_body "$u-a-1" camp-1)"
	hs_like "$HS_STATUS" '^20[0-9]$' "arrays=$arrays: a campaign accepted"

	hs_sync --sink sql
	hs_sync_expect 0 "arrays=$arrays: exit 0"
	hs_is "$(hs_sync_field sql delivered)/$(hs_sync_field sql retried)/$(hs_sync_field sql dead)/$(hs_sync_field sql pending)" \
	    61/0/1/0 "arrays=$arrays: delivered=61 retried=0 dead=1 pending=0"
	hs_like "$(grep 'event=sql_connect' "$HS_SYNC_ERR")" "param_arrays=$([ $arrays = true ] && echo yes || echo no)" \
	    "arrays=$arrays: the log says whether arrays are used"
	hs_is "$(hs_dsql "SELECT e.idem_key || ' ' || d.attempts FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.state = 'dead';")" \
	    "$poison 1" "arrays=$arrays: the poisoned event is the one dead, at its first attempt"
	hs_like "$(hs_dsql "SELECT last_error FROM deliveries WHERE state = 'dead';")" \
	    '^Contact: SQLSTATE 22001: ERROR: value too long for type character varying\(255\)$' \
	    "arrays=$arrays: with the driver's message"
	hs_is "$(hs_pg_psql "SELECT count(*) FROM Contact WHERE manychat_id LIKE '$u-%';" "$HS_PG_DB")/$(hs_pg_psql "SELECT count(*) FROM Campaign_Contact WHERE manychat_id LIKE '$u-%';" "$HS_PG_DB")" \
	    60/1 "arrays=$arrays: every other event is its row"
	hs_is "$(hs_pg_psql "SELECT count(*) FROM Contact WHERE manychat_id = '$u-poison';" "$HS_PG_DB")" 0 \
	    "arrays=$arrays: no row for the poisoned event"
	hs_like "$(grep -c 'event=attempt .*outcome=dead' "$HS_SYNC_ERR")" '^1$' \
	    "arrays=$arrays: one dead attempt logged"
	hs_server_stop
done

hs_done
