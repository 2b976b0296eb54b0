#!/usr/bin/env bash
# A real PostgreSQL (Debian's, started here as an ordinary user on a free
# loopback port) through psqlODBC, configured the seed's way: DATABASE_URL
# (postgresql://...) translated to an ODBC connection string, the driver
# looked up by name in the odbcinst.ini hs_pg_start points ODBCSYSINI at. The
# tables come from the README's psql line. Rows and their columns match the
# events (non-ASCII names intact), a repeated run writes nothing, the
# password appears in no output. Signed webhooks routed here become one
# Webhook_Event row each, also when sent again and when replayed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
hs_sync_one_mode
hs_pg_start fast || hs_bail "start PostgreSQL"
hs_pg_schema >/dev/null || hs_bail "create the tables with sql/schema/postgresql.sql"
hs_pg_schema >/dev/null
hs_is $? 0 "the schema file can be run again"

# The driver by name: hs_pg_start registered it for this test only.
hs_sync_server "DATABASE_URL=$HS_PG_URL?sslmode=disable" SQL_BATCH=50 \
    'ROUTES=manychat/*:sql;signed/*:sql'
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}

u=$(hs_unique t4302)
n=120
hs_is "$(hs_post_contacts "$n" "$u" 16)" "$n" "$n contacts accepted"
b=$(jq -c '.nombre_lead = "José Ñúñez 李" | .phone = 56912345678' <<<"$(hs_contact_body "$u-x" "2025-06-05")")
hs_post_contact "$b"
hs_is "$HS_STATUS" 202 "a contact with a non-ASCII name and a numeric phone accepted"
for c in 1 2 3 4 5; do
	hs_post_campaign "$(hs_campaign_body "$u-$c" "camp-$c" "2025-06-05T12:00:0${c}Z")"
	hs_like "$HS_STATUS" '^20[0-9]$' "campaign $c accepted"
done
# In the same batch: a later event of contact 1 (it wins), an older one of
# contact 2 sent after its newer one (it loses).
hs_post_contact "$(jq -c '.nombre_lead = "Renamed"' <<<"$(hs_contact_body "$u-1" "2025-06-06T08:00:00+02:00")")"
hs_is "$HS_STATUS" 202 "a later event of contact 1 accepted"
hs_post_contact "$(jq -c '.nombre_lead = "Stale"' <<<"$(hs_contact_body "$u-2" "2025-06-01T00:00:00Z")")"
hs_is "$HS_STATUS" 202 "an older event of contact 2 accepted"
total=$((n + 8))

hs_sync --sink sql
hs_sync_expect 0 "run: exit 0"
hs_is "$(hs_sync_field sql delivered)/$(hs_sync_field sql dead)/$(hs_sync_field sql pending)" \
    "$total/0/0" "run: delivered=$total dead=0 pending=0"
hs_like "$(grep 'event=sql_config' "$HS_SYNC_ERR")" \
    "from=DATABASE_URL driver=\"PostgreSQL Unicode\".*127.0.0.1:$HS_PG_PORT" \
    "the log says the URL was translated and which driver was chosen"
hs_like "$(grep 'event=sql_connect' "$HS_SYNC_ERR")" 'dbms="PostgreSQL 1[0-9.]+".*param_arrays=yes' \
    "psqlODBC takes parameter arrays"

hs_is "$(hs_pg_psql 'SELECT count(*) FROM Contact;' "$HS_PG_DB")/$(hs_pg_psql 'SELECT count(*) FROM Campaign_Contact;' "$HS_PG_DB")" \
    "$((n + 1))/5" "one row per contact and per assignment"
hs_pg_psql "SELECT idem_key || ' ' || manychat_id || ' ' || nombre_lead || ' ' || to_char(received_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM Contact ORDER BY idem_key;" "$HS_PG_DB" >"$hs_sync_tmp/pg"
hs_sql "SELECT idem_key || ' ' || json_extract(body, '\$.manychat_id') || ' ' || json_extract(body, '\$.nombre_lead') || ' ' || received_at FROM events WHERE kind = 'contact' AND json_extract(body, '\$.nombre_lead') <> 'Stale' AND NOT (json_extract(body, '\$.manychat_id') = '$u-1' AND json_extract(body, '\$.nombre_lead') <> 'Renamed') ORDER BY idem_key;" >"$hs_sync_tmp/spool"
hs_is "$(diff "$hs_sync_tmp/spool" "$hs_sync_tmp/pg" | head -n 5)" "" \
    "every contact row has its latest event's key, id, name and receive time"
hs_is "$(hs_pg_psql "SELECT nombre_lead || '|' || event_at FROM Contact WHERE manychat_id IN ('$u-1', '$u-2') ORDER BY manychat_id;" "$HS_PG_DB" | tr '\n' ' ')" \
    "Renamed|2025-06-06 06:00:00 Lead 2|2025-06-05 12:41:36 " \
    "the later event won; the older one sent last did not overwrite the newer"
hs_is "$(hs_pg_psql "SELECT nombre_lead || '|' || octet_length(nombre_lead) || '|' || phone || '|' || event_at FROM Contact WHERE manychat_id = '$u-x';" "$HS_PG_DB")" \
    "José Ñúñez 李|18|56912345678|2025-06-05 00:00:00" "UTF-8 intact, a numeric phone as text, a date as midnight UTC"
hs_is "$(hs_pg_psql "SELECT payload FROM Contact WHERE manychat_id = '$u-x';" "$HS_PG_DB")" "$b" \
    "payload is the body as posted"
hs_is "$(hs_pg_psql "SELECT string_agg(campaign_id || '@' || to_char(event_at, 'SS'), ' ' ORDER BY campaign_id) FROM Campaign_Contact;" "$HS_PG_DB")" \
    "camp-1@01 camp-2@02 camp-3@03 camp-4@04 camp-5@05" "campaign rows with their event times"

# Two new contacts, each with two events in one batch, older first for
# one and newer first for the other: the insert writes the first, the
# update applies only the newer.
for e in "y 2025-07-01T00:00:00Z Old" "y 2025-07-02T00:00:00Z New" \
    "z 2025-07-02T00:00:00Z New" "z 2025-07-01T00:00:00Z Old"; do
	set -- $e
	hs_post_contact "$(jq -c --arg n "$3" '.nombre_lead = $n' <<<"$(hs_contact_body "$u-$1" "$2")")"
	hs_is "$HS_STATUS" 202 "contact $1, $3 event accepted"
done
hs_sync --sink sql
hs_is "$(hs_sync_field sql delivered)" 4 "one batch: delivered=4"
hs_is "$(hs_pg_psql "SELECT manychat_id || '=' || nombre_lead FROM Contact WHERE manychat_id IN ('$u-y', '$u-z') ORDER BY 1;" "$HS_PG_DB" | tr '\n' ' ')" \
    "$u-y=New $u-z=New " "the newer event wins within a batch, in either order"

hs_sync --sink sql
hs_sync_expect 0 "second run: exit 0"
hs_is "$(hs_sync_field sql delivered)" 0 "second run: delivered=0"
hs_is "$(hs_pg_psql 'SELECT count(*) FROM Contact;' "$HS_PG_DB")" "$((n + 3))" "second run: no row added"
# --- signed webhooks: one Webhook_Event row each ---
for t in reservation_update promo user_info; do
	hs_post_signed "$(hs_signed_body "$t" "$u-$t")"
	hs_is "$HS_STATUS" 202 "signed $t accepted"
done
hs_post_signed "$(hs_signed_body promo "$u-promo")"
hs_like "$HS_STATUS" '^20[0-9]$' "the same signed webhook sent again is answered"
hs_sync --sink sql
hs_sync_expect 0 "signed run: exit 0"
hs_is "$(hs_sync_field sql delivered)/$(hs_sync_field sql dead)" 3/0 "signed run: delivered=3 dead=0"
hs_sql "SELECT source || '|' || kind || '|' || coalesce(entity_key, '') || '|' || idem_key || '|' || received_at || '|' || CAST(body AS TEXT) FROM events WHERE source = 'signed' ORDER BY idem_key;" >"$hs_sync_tmp/spool"
hs_pg_psql "SELECT source || '|' || kind || '|' || coalesce(entity_key, '') || '|' || idem_key || '|' || to_char(received_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') || '|' || payload FROM Webhook_Event ORDER BY idem_key COLLATE \"C\";" "$HS_PG_DB" >"$hs_sync_tmp/pg"
hs_is "$(wc -l <"$hs_sync_tmp/pg")" 3 "one Webhook_Event row per signed event"
hs_is "$(diff "$hs_sync_tmp/spool" "$hs_sync_tmp/pg" | head -n 5)" "" \
    "each row holds its event's source, kind, entity key, key, receive time and exact body"
key=$(hs_sql "SELECT idem_key FROM events WHERE kind = 'promo' AND source = 'signed';")
timeout 60 "$HS_CTL" replay "$key" >/dev/null 2>"$hs_sync_tmp/ctl.err" </dev/null
hs_is "$?" 0 "spoolctl replay of a signed event: exit 0" || hs_diag "$(cat "$hs_sync_tmp/ctl.err")"
hs_sync --sink sql
hs_is "$(hs_sync_field sql delivered)" 1 "the replayed delivery is written again"
hs_is "$(hs_pg_psql 'SELECT count(*) FROM Webhook_Event;' "$HS_PG_DB")" 3 "and adds no row"

hits=$(cat "$hs_sync_tmp"/run-*.err | grep -F -e "$HS_PG_PASSWORD" | head -n 3)
hs_is "$hits" "" "the password appears in no output"

hs_done
