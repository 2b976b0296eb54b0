#!/usr/bin/env bash
# scheduled_sync killed with SIGKILL while PostgreSQL is inside one of its
# batch transactions: the server rolls that transaction back, the spool
# still has those deliveries pending, and the next run writes them. Every
# event ends as exactly one row, and what the first run had committed is
# exactly what the spool had recorded as done. psqlODBC leaves no log file
# behind (Debian's odbcinst.ini turns its CommLog on; pg_lib.sh turns it
# off).
#
# A test-only trigger makes each Contact insert take 2 ms, so a batch of
# 200 spends about 0.4 s inside its transaction; the kill is sent when
# pg_stat_activity shows the sink's INSERT running.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
hs_sync_one_mode
hs_pg_start fast || hs_bail "start PostgreSQL"
hs_pg_schema >/dev/null || hs_bail "create the tables"
hs_pg_psql "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS
    'BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END';
    CREATE TRIGGER slow BEFORE INSERT ON Contact FOR EACH ROW EXECUTE FUNCTION slow();" \
    "$HS_PG_DB" >/dev/null || hs_bail "add the slowing trigger"
n=${HS_KILL_EVENTS:-1000}
hs_sync_server "ODBC_CONNECTION_STRING=$HS_PG_CS" SQL_BATCH=200

u=$(hs_unique t4303)
hs_is "$(hs_post_contacts "$n" "$u" 32)" "$n" "$n contacts accepted"

in_insert()
{
	[ "$(hs_pg_psql "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'INSERT INTO Contact%';" "$HS_PG_DB")" -ge 1 ]
}

hs_sync_bg --sink sql --max-seconds 60
pid=$HS_SYNC_PID
mid=0
for i in $(seq 1 400); do
	kill -0 "$pid" 2>/dev/null || break
	if [ "$(hs_dcount "state = 'done'")" -ge 200 ] && in_insert; then
		mid=1
		break
	fi
	sleep 0.02
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rc=$?
hs_is "$rc/$mid" 137/1 "killed by SIGKILL inside a batch transaction"
done1=$(hs_dcount "state = 'done'")
for i in $(seq 1 50); do	# the server notices the dead client
	in_insert || break
	sleep 0.1
done
rows1=$(hs_pg_psql 'SELECT count(*) FROM Contact;' "$HS_PG_DB")
hs_diag "done when killed: $done1 of $n; rows: $rows1"
hs_cmp "$done1" -lt "$n" "the kill came before the end"
hs_is "$rows1" "$done1" "the killed batch left no row: rows = deliveries recorded done"
hs_is "$(hs_dcount "state NOT IN ('pending', 'done')")" 0 "nothing dead after the kill"

hs_sync_bg --sink sql --drain --max-seconds 60
hs_sync_wait "$HS_SYNC_PID" "$HS_SYNC_OUTF"
hs_sync_expect 0 "second run: exit 0 (no lock left behind)"
hs_pg_no_driver_log "$HS_SYNC_PID" "second run: psqlODBC left no log file behind"
hs_is "$(hs_sync_field sql pending)/$(hs_sync_field sql dead)" 0/0 "second run: pending=0 dead=0"
hs_is "$(( done1 + $(hs_sync_field sql delivered) ))" "$n" \
    "second run delivered exactly what the first had not recorded"
hs_is "$(hs_pg_psql 'SELECT count(*) FROM Contact;' "$HS_PG_DB")" "$n" "one row per event"
hs_is "$(hs_pg_psql 'SELECT count(DISTINCT idem_key) FROM Contact;' "$HS_PG_DB")" "$n" "no key twice"
hs_pg_psql 'SELECT idem_key FROM Contact ORDER BY 1;' "$HS_PG_DB" >"$hs_sync_tmp/pg"
hs_sql 'SELECT idem_key FROM events ORDER BY 1;' >"$hs_sync_tmp/spool"
hs_is "$(cmp -s "$hs_sync_tmp/pg" "$hs_sync_tmp/spool" && echo same)" same \
    "the table's keys are the spool's"

hs_done
