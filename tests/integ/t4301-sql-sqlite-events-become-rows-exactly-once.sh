#!/usr/bin/env bash
# Contacts and campaign assignments accepted through the real server become
# rows of Contact and Campaign_Contact in a SQLite database, through
# unixODBC and the SQLite ODBC driver (by file path, nothing registered):
# every column holds the posted field, payload the exact body, event_at the
# datetime_actual in UTC; the latest event of a contact wins whatever order
# it arrives in; deliveries are done with the table as receipt; a second
# run writes nothing again. Signed webhooks routed here (ROUTES) become one
# row each of Webhook_Event (source, kind, entity key, key, receive time,
# raw payload), also when the sender sends one again and when spoolctl
# replays one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
hs_sync_one_mode
hs_sqlite_dest || hs_bail "create the SQLite destination with sql/schema/sqlite.sql"
hs_sync_server "ODBC_CONNECTION_STRING=$HS_SQLITE_CS" \
    'ROUTES=manychat/*:sql;signed/*:sql'
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}

u=$(hs_unique t4301)
declare -A body=()	# manychat_id -> the body its row must hold
for i in 1 2 3 4; do
	b=$(hs_contact_body "$u-$i" "2025-06-05T12:4$i:00Z")
	hs_post_contact "$b"
	hs_is "$HS_STATUS" 202 "contact $i accepted"
	body[$u-$i]=$b
done
# Contact 1 again, later: it wins. Contact 2 again, earlier but sent
# after: it loses.
b=$(jq -c '.nombre_lead = "Renamed" | .email = "new@example.com"' \
    <<<"$(hs_contact_body "$u-1" "2025-06-06T08:00:00+02:00")")
hs_post_contact "$b"
hs_is "$HS_STATUS" 202 "a later event of contact 1 accepted"
body[$u-1]=$b
hs_post_contact "$(jq -c '.nombre_lead = "Stale"' <<<"$(hs_contact_body "$u-2" "2025-06-01T00:00:00Z")")"
hs_is "$HS_STATUS" 202 "an older event of contact 2 accepted after its newer one"
for c in 1 2 3; do
	hs_post_campaign "$(hs_campaign_body "$u-$c" "camp-$c")"
	hs_like "$HS_STATUS" '^20[0-9]$' "campaign $c accepted"
done
hs_is "$(hs_dcount "sink = 'sql' AND state = 'pending'")" 9 "one pending sql delivery per event"

hs_sync --sink sql
hs_sync_expect 0 "run: exit 0"
hs_is "$(hs_sync_field sql delivered)/$(hs_sync_field sql retried)/$(hs_sync_field sql dead)/$(hs_sync_field sql pending)" \
    9/0/0/0 "run: delivered=9 retried=0 dead=0 pending=0"
hs_like "$(grep 'event=sql_config' "$HS_SYNC_ERR")" \
    'from=ODBC_CONNECTION_STRING driver=/[^ ]*libsqlite3odbc.so' \
    "the log says which driver was chosen"
hs_like "$(grep 'event=sql_connect' "$HS_SYNC_ERR")" 'dbms="SQLite [0-9.]+".*param_arrays=yes' \
    "the log names the database and the use of parameter arrays"
hs_is "$(hs_dcount "sink = 'sql' AND state = 'done' AND receipt = 'Contact'")/$(hs_dcount "sink = 'sql' AND state = 'done' AND receipt = 'Campaign_Contact'")" \
    6/3 "deliveries done with their table as receipt"

hs_is "$(hs_dest_sql 'SELECT count(*) FROM Contact;')" 4 "one Contact row per contact"
hs_is "$(hs_dest_sql 'SELECT count(*) FROM Campaign_Contact;')" 3 "one Campaign_Contact row per assignment"
bad=0
for id in "${!body[@]}"; do
	b=${body[$id]}
	want=$(jq -r '[.nombre_lead, .first_name, .last_name, .id, .ultimo_estado, .phone, .email] | join("|")' <<<"$b")
	got=$(hs_dest_sql "SELECT nombre_lead || '|' || first_name || '|' || last_name || '|' || subscriber_id || '|' || ultimo_estado || '|' || phone || '|' || email FROM Contact WHERE manychat_id = $(hs_q "$id");")
	[ "$got" = "$want" ] || { bad=$((bad + 1)); hs_diag "$id: row '$got', posted '$want'"; }
	got=$(hs_dest_sql "SELECT payload FROM Contact WHERE manychat_id = $(hs_q "$id");")
	[ "$got" = "$b" ] || { bad=$((bad + 1)); hs_diag "$id: payload '$got'"; }
	key=$(hs_sql "SELECT idem_key FROM events WHERE CAST(body AS TEXT) = $(hs_q "$b");")
	got=$(hs_dest_sql "SELECT idem_key || '|' || received_at FROM Contact WHERE manychat_id = $(hs_q "$id");")
	want=$(hs_sql "SELECT idem_key || '|' || replace(replace(received_at, 'T', ' '), 'Z', '') FROM events WHERE idem_key = $(hs_q "$key");")
	[ "$got" = "$want" ] || { bad=$((bad + 1)); hs_diag "$id: key and receive time '$got', spool '$want'"; }
done
hs_is "$bad" 0 "every Contact row holds its latest event's fields, payload, key and receive time"
hs_is "$(hs_dest_sql "SELECT nombre_lead || '|' || event_at FROM Contact WHERE manychat_id = '$u-1';")" \
    "Renamed|2025-06-06 06:00:00.000" "the later event won, its time in UTC"
hs_is "$(hs_dest_sql "SELECT nombre_lead FROM Contact WHERE manychat_id = '$u-2';")" \
    "Test Contact Data" "the older event sent last did not overwrite the newer"
hs_is "$(hs_dest_sql "SELECT group_concat(manychat_id || '/' || campaign_id || '/' || comercial_id || '/' || tipo_asignacion || '/' || event_at, ' ') FROM (SELECT * FROM Campaign_Contact ORDER BY campaign_id);")" \
    "$u-1/camp-1/com-7/automatica/2025-06-05 12:41:36.000 $u-2/camp-2/com-7/automatica/2025-06-05 12:41:36.000 $u-3/camp-3/com-7/automatica/2025-06-05 12:41:36.000" \
    "every Campaign_Contact row holds its assignment"
hs_is "$(hs_dest_sql 'SELECT count(*) FROM Campaign_Contact c WHERE c.idem_key IS NULL OR c.payload IS NULL;')" 0 \
    "campaign rows carry their key and payload"

hs_sync --sink sql
hs_sync_expect 0 "second run: exit 0"
hs_is "$(hs_sync_field sql delivered)" 0 "second run: delivered=0"
hs_is "$(hs_dest_sql 'SELECT count(*) FROM Contact;')/$(hs_dest_sql 'SELECT count(*) FROM Campaign_Contact;')" \
    4/3 "second run: nothing written again"

# --- signed webhooks: one Webhook_Event row each, whatever is sent again ---
for t in reservation_update promo user_info; do
	hs_post_signed "$(hs_signed_body "$t" "$u-$t")"
	hs_is "$HS_STATUS" 202 "signed $t accepted"
done
hs_post_signed "$(hs_signed_body user_info "$u-user_info")"
hs_like "$HS_STATUS" '^20[0-9]$' "the same signed webhook sent again is answered"
hs_is "$(hs_dcount "sink = 'sql' AND state = 'pending'")" 3 "one pending sql delivery per signed event"
hs_sync --sink sql
hs_sync_expect 0 "signed run: exit 0"
hs_is "$(hs_sync_field sql delivered)/$(hs_sync_field sql dead)" 3/0 "signed run: delivered=3 dead=0"
hs_is "$(hs_dcount "sink = 'sql' AND state = 'done' AND receipt = 'Webhook_Event'")" 3 \
    "signed deliveries done with Webhook_Event as receipt"
hs_sql "SELECT source || '|' || kind || '|' || coalesce(entity_key, '') || '|' || idem_key || '|' || replace(replace(received_at, 'T', ' '), 'Z', '') || '|' || CAST(body AS TEXT) FROM events WHERE source = 'signed' ORDER BY idem_key;" >"$hs_sync_tmp/spool"
hs_dest_sql "SELECT source || '|' || kind || '|' || coalesce(entity_key, '') || '|' || idem_key || '|' || received_at || '|' || payload FROM Webhook_Event ORDER BY idem_key;" >"$hs_sync_tmp/dest"
hs_is "$(wc -l <"$hs_sync_tmp/dest")" 3 "one Webhook_Event row per signed event"
hs_is "$(diff "$hs_sync_tmp/spool" "$hs_sync_tmp/dest" | head -n 5)" "" \
    "each row holds its event's source, kind, entity key, key, receive time and exact body"
hs_like "$(hs_dest_sql "SELECT entity_key FROM Webhook_Event WHERE kind = 'user_info';")" "^user:$u-user_info$" \
    "the entity key is the spool's (user:{user_id})"
key=$(hs_sql "SELECT idem_key FROM events WHERE kind = 'user_info' AND source = 'signed';")
timeout 60 "$HS_CTL" replay "$key" >/dev/null 2>"$hs_sync_tmp/ctl.err" </dev/null
hs_is "$?" 0 "spoolctl replay of a signed event: exit 0" || hs_diag "$(cat "$hs_sync_tmp/ctl.err")"
hs_sync --sink sql
hs_is "$(hs_sync_field sql delivered)" 1 "the replayed delivery is written again"
hs_is "$(hs_dest_sql 'SELECT count(*) FROM Webhook_Event;')/$(hs_dest_sql 'SELECT count(*) FROM Contact;')" \
    3/4 "and adds no row"

hs_done
