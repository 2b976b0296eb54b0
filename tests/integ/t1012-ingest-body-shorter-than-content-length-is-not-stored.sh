#!/usr/bin/env bash
# A client announces 200 bytes, sends fewer and closes its side. Nothing is
# stored. Who answers depends on the server, since each buffers the body
# before the handler runs: lighttpd closes the connection without an answer,
# mod_fcgid answers 500 (it cannot read the body), Apache with plain CGI
# answers 400.
. "$(dirname "$0")/lib.sh"
hs_use_server

m=$(hs_unique short)
part="{\"manychat_id\":\"$m\"}"
answer=$(hs_raw "POST $HS_PREFIX$HS_API/manychat/webhook/contact HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-API-KEY: $HS_API_KEY\r\nContent-Length: 200\r\nConnection: close\r\n\r\n$part" 1)
status=$(printf '%s' "$answer" | head -n 1 | awk '{print $2}')
case $HS_MODE in
lighttpd-fcgi)	expect= ;;
apache-fcgid)	expect=500 ;;
apache-cgi)	expect=400 ;;
esac
hs_is "${status}" "$expect" "short body: answered ${expect:-nothing} under $HS_MODE"
hs_like "${status:-none}" '^(none|[345][0-9][0-9])$' "short body: never 2xx"
sleep 0.5
hs_is "$(hs_rows_with "$m")" 0 "short body: nothing stored"

hs_done
