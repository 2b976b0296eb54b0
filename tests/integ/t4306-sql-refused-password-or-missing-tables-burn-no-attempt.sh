#!/usr/bin/env bash
# Settings the database refuses stop the run before any delivery is
# attempted: a wrong password exits 111 (temporary: someone will fix the
# secret), missing tables exit 100 naming the schema file to run; neither
# burns an attempt or prints the password. Fixed, the same deliveries go
# through at their first attempt.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
hs_sync_one_mode
hs_pg_start fast || hs_bail "start PostgreSQL"
wrong=${HS_PG_CS/Password=$HS_PG_PASSWORD/Password=not-the-password}
hs_sync_server "ODBC_CONNECTION_STRING=$wrong"

u=$(hs_unique t4306)
hs_is "$(hs_post_contacts 20 "$u" 8)" 20 "20 contacts accepted"

hs_sync --sink sql
hs_sync_expect 111 "wrong password: exit 111"
hs_like "$(grep 'event=run' "$HS_SYNC_ERR")" \
    "database 'hookspool' on 127.0.0.1:$HS_PG_PORT \(driver 'psqlodbcw.so'\) refused our credentials: SQLSTATE [0-9A-Z]+: .*password authentication failed" \
    "wrong password: the log names the database and the refusal"
hs_is "$(hs_dcount "attempts > 0 OR state <> 'pending'")" 0 "wrong password: no attempt counted"
hs_is "$(grep -c -e not-the-password -e "$HS_PG_PASSWORD" "$HS_SYNC_ERR"; printf '%s' "$HS_SYNC_OUT" | grep -c -e not-the-password)" "$(printf '0\n0')" \
    "wrong password: no password in the output"

hs_sync_reconf "ODBC_CONNECTION_STRING=$HS_PG_CS"
hs_sync --sink sql
hs_sync_expect 100 "no tables: exit 100"
hs_like "$(grep 'event=run' "$HS_SYNC_ERR")" \
    'SQLSTATE 42P01: ERROR: relation \\"contact\\" does not exist \(create the tables with sql/schema/postgresql.sql' \
    "no tables: the log says which schema file creates them"
hs_is "$(hs_dcount "attempts > 0 OR state <> 'pending'")" 0 "no tables: no attempt counted"

hs_pg_schema >/dev/null || hs_bail "create the tables"
hs_sync --sink sql
hs_sync_expect 0 "fixed: exit 0"
hs_is "$(hs_sync_field sql delivered)" 20 "fixed: delivered=20"
hs_is "$(hs_dcount "state = 'done' AND attempts = 1")" 20 "fixed: each at its first attempt"
hs_is "$(hs_pg_psql 'SELECT count(*) FROM Contact;' "$HS_PG_DB")" 20 "fixed: 20 rows"

hs_done
