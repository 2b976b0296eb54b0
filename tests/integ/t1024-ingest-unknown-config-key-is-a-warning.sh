#!/usr/bin/env bash
# An unknown key in the configuration (a typo, a key from a newer version)
# is logged as a warning naming it; the handler keeps serving.
. "$(dirname "$0")/lib.sh"
hs_own_server SURPRISE_KEY=1 RATE_LIMT_REQUESTS=5

m=$(hs_unique unknownkey)
hs_post_contact "$(hs_contact_body "$m")"
hs_is "$HS_STATUS" 202 "contact with unknown keys in the config: 202"
hs_is "$(hs_rows_with "$m")" 1 "stored"
for key in SURPRISE_KEY RATE_LIMT_REQUESTS; do
	# The server writes the handler's stderr to its log in its own time.
	hs_wait_until 30 grep -qF "$key" "$HS_ERRLOG"
	line=$(grep -F "$key" "$HS_ERRLOG" | head -n 1)
	hs_like "$line" '(warn|WARN)' "the log warns about $key"
done

hs_done
