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
closed=$?
status=$(printf '%s' "$answer" | head -n 1 | awk '{print $2}')
case $HS_MODE in
lighttpd-fcgi)	expect= ;;
apache-fcgid)	expect=500 ;;
apache-cgi)	expect=400 ;;
esac
hs_is "${status}" "$expect" "short body: answered ${expect:-nothing} under $HS_MODE"
hs_like "${status:-none}" '^(none|[345][0-9][0-9])$' "short body: never 2xx"
# Once the server has closed the connection it is done with the request
# (a handler answers only after its commit): nothing can be stored later.
hs_is "$closed" 0 "short body: the server closed the connection"
hs_is "$(hs_rows_with "$m")" 0 "short body: nothing stored"

# No server hands a short body on, so the handler's own answer is checked
# by running it as CGI directly: 200 announced, 20 bytes on stdin. It runs
# as the server's user, from the server's copy (the checkout may be closed
# to that user).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hs-short-cgi.XXXXXX")
hs_dirs+=("$tmp")
chmod 0755 "$tmp"
bin=${HS_HANDLER:-$(hs_copy_in "${HS_BIN:-$(hs_default_bin "$HS_MODE")}" "$tmp/bin")}
m=$(hs_unique short-cgi)
part="{\"manychat_id\":\"$m\"}"
out=$(printf '%s' "$part" | hs_as_server_user env -i \
    HOOKSPOOL_CONF="$HOOKSPOOL_CONF" GATEWAY_INTERFACE=CGI/1.1 \
    REQUEST_METHOD=POST REQUEST_URI="$HS_PREFIX$HS_API/manychat/webhook/contact" \
    SCRIPT_NAME=/hooks.fcgi SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1 \
    CONTENT_TYPE=application/json CONTENT_LENGTH=200 HTTP_X_API_KEY="$HS_API_KEY" \
    ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
    "$bin" 2>"$tmp/stderr")
err=$(cat "$tmp/stderr")
hs_like "$(printf '%s' "$out" | tr -d '\r' | grep -i '^Status:')" '^Status: 400' \
    "handler as CGI, short stdin: Status 400"
HS_BODY=$(printf '%s' "$out" | tr -d '\r' | sed '1,/^$/d')
if jq -e '(.error | length > 0) and (.detail | type == "string")' >/dev/null 2>&1 <<<"$HS_BODY"; then
	hs_ok "handler as CGI, short stdin: JSON error envelope"
else
	hs_not_ok "handler as CGI, short stdin: JSON error envelope" "output: $out" "stderr: $err"
fi
hs_is "$(hs_rows_with "$m")" 0 "handler as CGI, short stdin: nothing stored"
if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' <<<"$err"; then
	hs_not_ok "handler as CGI, short stdin: no sanitizer report" "$err"
else
	hs_ok "handler as CGI, short stdin: no sanitizer report"
fi

hs_done
