#!/usr/bin/env bash
# The seed's own DATABASE_URL line (mssql+pyodbc, Microsoft's ODBC Driver
# 17, which Debian does not ship) is accepted unchanged: the log says which
# driver was chosen instead (FreeTDS when registered) and why, never the
# password; a driver that cannot be loaded is a configuration error (exit
# 100) that names it and burns no attempt. The drivers are registered by an
# odbcinst.ini this test points ODBCSYSINI at; no SQL Server is needed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
hs_sync_one_mode
ini=$(mktemp -d "${TMPDIR:-/tmp}/hs-odbcinst.XXXXXX")
hs_pg_dirs+=("$ini")
chmod 0755 "$ini"
: >"$ini/odbcinst.ini"
chmod 0644 "$ini/odbcinst.ini"
export ODBCSYSINI=$ini
pw='p%40ss%3Bw0rd'	# "p@ss;w0rd", encoded as a URL must
url="mssql+pyodbc://usuario:$pw@servidor.database.windows.net:1433/basedatos?driver=ODBC+Driver+17+for+SQL+Server"
hs_sync_server "DATABASE_URL=$url"
hs_post_contact "$(hs_contact_body "$(hs_unique t4307)")"
hs_is "$HS_STATUS" 202 "a contact accepted"

hs_sync --sink sql
hs_sync_expect 100 "no SQL Server driver installed: exit 100"
hs_like "$(grep 'event=sql_config' "$HS_SYNC_ERR")" \
    "from=DATABASE_URL driver=\"ODBC Driver 17 for SQL Server\" database=\"database 'basedatos' on tcp:servidor.database.windows.net,1433 .*note=\"driver 'ODBC Driver 17 for SQL Server', but no driver for this database is installed" \
    "the log says no driver for it is installed"
hs_like "$(grep 'event=run' "$HS_SYNC_ERR")" \
    "the ODBC driver cannot be used \('odbcinst -q -d' lists the installed ones\): .*ODBC Driver 17 for SQL Server" \
    "the error names the driver"

printf '[FreeTDS]\nDescription=test: registered, not loadable\nDriver=%s\n' \
    "$ini/libtdsodbc.so" >"$ini/odbcinst.ini"
hs_sync --sink sql
hs_sync_expect 100 "FreeTDS registered but not loadable: exit 100"
hs_like "$(grep 'event=sql_config' "$HS_SYNC_ERR")" \
    "from=DATABASE_URL driver=FreeTDS database=\"database 'basedatos' on servidor.database.windows.net:1433 \(driver 'FreeTDS'\)\" note=\"driver 'FreeTDS' \(DATABASE_URL names 'ODBC Driver 17 for SQL Server', which is not installed\)\"" \
    "the log says FreeTDS was chosen instead of the missing driver, and why"
hs_like "$(grep 'event=run' "$HS_SYNC_ERR")" "Can't open lib '$ini/libtdsodbc.so'" \
    "the error names the driver file"
hs_is "$(hs_dcount "attempts > 0 OR state <> 'pending'")" 0 "no attempt counted"
hs_is "$(cat "$hs_sync_tmp"/run-*.err | grep -c -i -e 'p@ss' -e 'p%40ss' -e 'w0rd')" 0 \
    "the password appears in no output"

hs_done
