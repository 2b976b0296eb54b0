#!/usr/bin/env bash
# PostgreSQL going away only delays delivery. Down before a run: the run
# exits 0, every delivery is retried later (one attempt, backoff), none is
# dead. Crashing in the middle of a --drain run (pg_ctl stop -m immediate)
# and coming back on the same port once the run has noticed: the sink logs
# the lost connection, reconnects, the deliveries it could not write wait
# out their backoff, and the run ends with every event written exactly
# once. "In the middle" is made certain, not timed: past 300 rows a
# trigger makes every insert wait for a lock a session of the test holds,
# so the run waits there until the crash, however fast it is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
hs_sync_one_mode
hs_pg_start fast || hs_bail "start PostgreSQL"
hs_pg_schema >/dev/null || hs_bail "create the tables"
n=1500
hs_sync_server "ODBC_CONNECTION_STRING=$HS_PG_CS" SQL_BATCH=100 \
    SQL_RATE=600 RETRY_BASE_MS=300 RETRY_CAP_MS=1500 MAX_ATTEMPTS=100 \
    SQL_TIMEOUT_SECONDS=5

u=$(hs_unique t4305)
hs_is "$(hs_post_contacts 50 "$u-early" 16)" 50 "50 contacts accepted"

# 1. Down before the run.
hs_pg_stop fast || hs_bail "stop PostgreSQL"
t0=$(hs_now_iso)
hs_sync --sink sql --max-seconds 20
hs_sync_expect 0 "database down: exit 0"
hs_is "$(hs_sync_field sql delivered)/$(hs_sync_field sql retried)/$(hs_sync_field sql dead)/$(hs_sync_field sql pending)" \
    0/50/0/50 "database down: delivered=0 retried=50 dead=0 pending=50"
hs_like "$(hs_dsql "SELECT DISTINCT attempts || ' ' || last_error FROM deliveries;")" \
    "^1 Contact: database 'hookspool' on 127.0.0.1:$HS_PG_PORT .*unreachable: SQLSTATE 08001" \
    "one attempt each, with the reason"
hs_is "$(hs_dcount "next_attempt_at > '$t0'")" 50 "each scheduled for a later attempt"
hs_like "$(grep 'event=sql_unreachable' "$HS_SYNC_ERR")" 'level=warn' "the log says the database is unreachable"
hs_pg_restart || hs_bail "restart PostgreSQL"

# 2. Crash in the middle of a drain. Past 300 rows in Contact, an insert
# waits for advisory lock 4305; the test's session holds it until the
# crash ends that session too.
hs_pg_psql "CREATE FUNCTION hs_hold() RETURNS trigger LANGUAGE plpgsql AS
    'BEGIN IF (SELECT count(*) FROM Contact) >= 300 THEN
        PERFORM pg_advisory_xact_lock(4305); END IF; RETURN NEW; END';
    CREATE TRIGGER hs_hold BEFORE INSERT ON Contact FOR EACH ROW EXECUTE FUNCTION hs_hold();" \
    "$HS_PG_DB" >/dev/null || hs_bail "add the holding trigger"
hs_pg_psql "SELECT pg_advisory_lock(4305); SELECT pg_sleep(3600);" \
    "$HS_PG_DB" >/dev/null 2>&1 &
locker=$!
# advisory_locks GRANTED: sessions holding (t) or waiting for (f) 4305.
advisory_locks()
{
	hs_pg_psql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
	    AND objid = 4305 AND granted = $1;" "$HS_PG_DB" 2>/dev/null
}
held() { [ "$(advisory_locks true)" = 1 ]; }
hs_wait_until 60 held || hs_bail "the test's session holds advisory lock 4305"
hs_is "$(hs_post_contacts "$n" "$u" 32)" "$n" "$n more contacts accepted"
total=$((n + 50))
hs_sync_bg --sink sql --drain --max-seconds 90
pid=$HS_SYNC_PID
run_waits() { [ "$(advisory_locks false)" = 1 ] || ! kill -0 "$pid" 2>/dev/null; }
hs_wait_until 60 run_waits
hs_is "$(advisory_locks false)" 1 "the run waits in an insert past 300 rows"
down_at=$(hs_dcount "state = 'done'")
hs_pg_stop immediate || hs_bail "crash PostgreSQL"
wait "$locker" 2>/dev/null
# Back once the run has seen the connection go and put a batch off.
noticed() { grep -q 'event=sql_reconnect' "$HS_SYNC_ERR" &&
    grep -q 'event=attempt .*outcome=retry' "$HS_SYNC_ERR"; }
hs_wait_until 60 noticed
hs_pg_restart || hs_bail "restart PostgreSQL"
hs_sync_wait "$pid" "$HS_SYNC_OUTF"
hs_diag "done when the database went away: $down_at of $total"
hs_cmp "$down_at" -lt "$total" "the database went away before the end"
hs_sync_expect 0 "drain: exit 0"
hs_is "$(hs_sync_field sql dead)/$(hs_sync_field sql pending)" 0/0 "drain: dead=0 pending=0"
hs_cmp "$(hs_sync_field sql retried)" -gt 0 "drain: some deliveries were retried"
hs_like "$(grep -c 'event=sql_reconnect' "$HS_SYNC_ERR")" '^[1-9]' "the lost connection was logged and reconnected"
hs_is "$(hs_dcount "state = 'done'")" "$total" "every delivery done"
hs_is "$(hs_pg_psql 'SELECT count(*) || $$/$$ || count(DISTINCT idem_key) FROM Contact;' "$HS_PG_DB")" \
    "$total/$total" "one row per event, no key twice"

hs_done
