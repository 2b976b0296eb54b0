#!/usr/bin/env bash
# apache/hookspool-site.conf, enabled at server level as a2ensite does,
# gives hookspool a virtual host on its own port and changes nothing else:
# the server's other site keeps its "/" and its paths, while every path of
# hookspool's port goes to the handler. (apache/hookspool.conf alone at
# server level took over every virtual host's "/".)
. "$(dirname "$0")/lib.sh"
[ "$HS_MODE" = apache-fcgid ] ||
    hs_skip_all "the Apache site file is what apache-fcgid mode serves"
hs_use_server
[ -n "$HS_OTHER_URL" ] || hs_bail "the test server has another site (HS_OTHER_URL)"

body=$(curl -sS "$HS_OTHER_URL/" 2>&1)
hs_is "$body" "another site" "the other site still serves its own /"
code=$(curl -s -o "$HS_DIR/other.out" -w '%{http_code}' "$HS_OTHER_URL/health")
hs_is "$code" 404 "the other site's /health is its own 404"
if grep -q '"error"' "$HS_DIR/other.out"; then
	hs_not_ok "not the handler's JSON" "$(cat "$HS_DIR/other.out")"
else
	hs_ok "not the handler's JSON"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -H "X-API-KEY: $HS_API_KEY" \
    -d '{}' "$HS_OTHER_URL/api/v1/manychat/webhook/contact")
hs_isnt_handler=$([ "$code" != 202 ] && [ "$code" != 422 ] && echo yes)
hs_is "${hs_isnt_handler:-no}" yes "a webhook path on the other site never reaches the handler ($code)"

hs_req GET "$HS_PREFIX/health"
hs_is "$HS_STATUS" 200 "hookspool's own port answers /health"

hs_done
