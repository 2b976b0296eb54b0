#!/usr/bin/env bash
# The spool is a private (0600) SQLite file in WAL mode with the documented
# tables and a schema version, as /health reports it.
. "$(dirname "$0")/lib.sh"
hs_use_server

hs_post_contact "$(hs_contact_body "$(hs_unique private)")"
hs_is "$HS_STATUS" 202 "a contact is stored"

hs_is "$(stat -c %a "$SPOOL_PATH")" 600 "spool file mode 0600"
for f in "$SPOOL_PATH-wal" "$SPOOL_PATH-shm"; do
	[ -e "$f" ] && hs_is "$(stat -c %a "$f")" 600 "$(basename "$f") mode 0600"
done
hs_is "$(hs_sql 'PRAGMA journal_mode;')" wal "journal mode is WAL"
v=$(hs_sql 'PRAGMA user_version;')
hs_cmp "${v:-0}" -ge 1 "PRAGMA user_version is set"
hs_req GET /health
hs_is "$(hs_json .schema_version)" "$v" "health reports the same schema version"
for t in events deliveries meta rate_buckets client_hits; do
	hs_is "$(hs_sql "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '$t';")" \
	    1 "table $t exists"
done

hs_done
