#!/usr/bin/env bash
# The web server itself refuses (403) every path with a "spool" segment,
# however it is spelt, before the handler runs; the database never leaks.
. "$(dirname "$0")/lib.sh"
hs_use_server

for path in /spool/spool.db /spool/ /spool /spool/spool.db-wal /%73pool/spool.db \
    /x/spool/spool.db /spool/../spool/spool.db "/spool/spool.db?x=1"; do
	hs_req GET "$path" --path-as-is
	hs_is "$HS_STATUS" 403 "GET $path: 403"
	if grep -q 'SQLite format' <<<"$HS_BODY"; then
		hs_not_ok "GET $path: no database bytes"
	else
		hs_ok "GET $path: no database bytes"
	fi
done
hs_req POST /spool/spool.db -H 'Content-Type: application/json' --data-binary '{}'
hs_is "$HS_STATUS" 403 "POST /spool/spool.db: 403"
hs_req HEAD /spool/spool.db -I
hs_is "$HS_STATUS" 403 "HEAD /spool/spool.db: 403"

# Names that merely contain "spool" are the handler's (404 JSON).
hs_req GET /spoolx
hs_expect_error 404 "GET /spoolx"

hs_done
