#!/usr/bin/env bash
# GET /health and GET /webhook/health answer 200 with the spool's state, and
# the numbers are the spool's own.
. "$(dirname "$0")/lib.sh"
hs_use_server

# Make sure the spool exists and holds at least one event.
hs_post_contact "$(hs_contact_body "$(hs_unique health)")"
hs_is "$HS_STATUS" 202 "a contact is stored first"

for path in /health /webhook/health; do
	hs_req GET "$path"
	hs_is "$HS_STATUS" 200 "GET $path: status 200"
	hs_is_json "GET $path: answer is JSON"
	hs_is "$(hs_json .status)" ok "GET $path: status ok"
	hs_is "$(hs_json .spool)" reachable "GET $path: spool reachable"
	hs_is "$(hs_json .schema_version)" "$(hs_sql 'PRAGMA user_version;')" \
	    "GET $path: schema_version is PRAGMA user_version"
	hs_is "$(hs_json .events)" "$(hs_sql 'SELECT count(*) FROM events;')" \
	    "GET $path: events is the number of rows"
	for state in pending done dead; do
		hs_is "$(hs_json ".deliveries.$state")" \
		    "$(hs_sql "SELECT count(*) FROM deliveries WHERE state = '$state';")" \
		    "GET $path: deliveries.$state counted"
	done
done

hs_req HEAD /health -I
hs_is "$HS_STATUS" 200 "HEAD /health: status 200"

hs_done
