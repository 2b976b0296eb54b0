#!/usr/bin/env bash
# The embedded default of `make run`: scripts/run.sh, run as a new user
# would (no configuration yet), generates a configuration that sends
# contact and campaign events to a local SQLite database through the
# SQLite ODBC driver, creates its tables, runs scheduled_sync every few
# seconds next to the server, and prints the sqlite3 query that shows the
# rows. A curl'd webhook becomes a row of Contact with no other service;
# SIGTERM (what Ctrl-C does to the script) stops everything it started.
#
# It runs in a copy of the files run.sh uses (its directory is the copy's
# root), so a developer's own local/ and spool/ are never touched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
[ -x "$HS_ROOT/tools/scheduled_sync" ] || hs_bail "tools/scheduled_sync is built"

home=$(mktemp -d "${TMPDIR:-/tmp}/hs-makerun.XXXXXX")
hs_dirs+=("$home")
chmod 0755 "$home"
mkdir -p "$home/scripts" "$home/cgi-bin" "$home/tools" "$home/lighttpd" \
    "$home/sql/schema"
cp "$HS_ROOT/scripts/run.sh" "$HS_ROOT/scripts/sql-driver.sh" "$home/scripts/"
cp "$HS_ROOT/cgi-bin/hooks.fcgi" "$home/cgi-bin/"
cp "$HS_ROOT/tools/scheduled_sync" "$home/tools/"
cp "$HS_ROOT/lighttpd/hookspool.conf" "$home/lighttpd/"
cp "$HS_ROOT/sql/schema/sqlite.sql" "$home/sql/schema/"
port=$(hs_free_port) || hs_bail "a free port"

env -u HOOKSPOOL_CONF -u HOOKSPOOL_HOME -u HOOKSPOOL_USER -u ODBCSYSINI \
    PORT="$port" SYNC_EVERY=1 setsid "$home/scripts/run.sh" \
    </dev/null >"$home/out" 2>&1 &
pg=$!
hs_pids+=("$pg")
started() { grep -q 'Press Ctrl-C' "$home/out" 2>/dev/null || ! kill -0 "$pg" 2>/dev/null; }
hs_wait_until 60 started
hs_like "$(cat "$home/out")" 'hookspool is listening on' "run.sh started the server" ||
    hs_bail "run.sh output" "$(cat "$home/out")"
conf=$home/local/hookspool.conf
hs_like "$(grep '^ODBC_CONNECTION_STRING=' "$conf")" \
    "^ODBC_CONNECTION_STRING=Driver=/[^;]*libsqlite3odbc.so;Database=$home/local/sql.db;Timeout=5000$" \
    "the generated configuration sends events to local/sql.db through the SQLite ODBC driver"
hs_like "$(cat "$home/out")" \
    "sqlite3 $home/local/sql.db 'SELECT manychat_id, nombre_lead, event_at, idem_key FROM Contact;'" \
    "the sqlite3 query that shows the rows is printed"
hs_is "$(sqlite3 "$home/local/sql.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name);")" \
    "Campaign_Contact Contact Webhook_Event" "the tables exist before the first webhook"
hs_is "$(grep '^ROUTES=' "$conf")" 'ROUTES=*/*:sql' \
    "the generated configuration routes every event, signed ones too, to the sql sink"

HS_URL=http://127.0.0.1:$port
HS_PREFIX=
u=$(hs_unique t4308)
HS_KEY=$(sed -n 's/^API_KEY=//p' "$conf") hs_post_contact \
    "$(hs_contact_body "$u" "2026-11-23T10:00:00Z")"
hs_is "$HS_STATUS" 202 "a curl'd contact is accepted"
contact_row() { sqlite3 "$home/local/sql.db" "SELECT manychat_id || '|' || nombre_lead || '|' || event_at FROM Contact WHERE manychat_id = '$u';" 2>/dev/null; }
has_row() { [ -n "$(contact_row)" ]; }
hs_wait_until 60 has_row
hs_is "$(contact_row)" "$u|Test Contact Data|2026-11-23 10:00:00.000" \
    "within seconds it is a row of Contact, with no service but the server"
hs_wait_until 30 grep -q 'sink=sql delivered=1' "$home/out"
hs_like "$(cat "$home/out")" '  scheduled_sync: sink=sql delivered=1 ' \
    "the delivery is shown in the foreground session"

kill -TERM "$pg"
stopped() { [ -z "$(hs_group_pids "$pg")" ]; }
hs_wait_until 60 stopped
hs_is "$(hs_group_pids "$pg" | wc -l)" 0 "SIGTERM stops the server and the scheduled_sync loop"
hs_like "$(tail -n 1 "$home/out")" 'hookspool: stopped' "run.sh says it stopped"

hs_done
