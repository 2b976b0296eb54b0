#!/usr/bin/env bash
# The shipped config also works when an ordinary user starts the server (no
# privilege drop, no User directive): the handler runs as that user and owns
# the spool. Run as root, the rest of the suite covers the other way
# (started as root, dropping to HS_RUN_USER).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || hs_skip_all "not root: the whole suite already runs as an ordinary user"

HS_START_AS=$HS_RUN_USER hs_own_server
m=$(hs_unique plainuser)
hs_post_contact "$(hs_contact_body "$m")"
hs_is "$HS_STATUS" 202 "started as $HS_RUN_USER: contact 202"
hs_is "$(hs_rows_with "$m")" 1 "started as $HS_RUN_USER: stored"
hs_is "$(stat -c %U "$SPOOL_PATH")" "$HS_RUN_USER" "spool owned by $HS_RUN_USER"
hs_req GET /spool/spool.db
hs_is "$HS_STATUS" 403 "started as $HS_RUN_USER: spool refused"
users=$(hs_group_users "$HS_PGID" | tr "\n" " ")
hs_is "$users" "$HS_RUN_USER " "every server process runs as $HS_RUN_USER"

hs_done
