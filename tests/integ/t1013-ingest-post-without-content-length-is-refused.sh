#!/usr/bin/env bash
# A POST with neither Content-Length nor Transfer-Encoding is refused and
# nothing is stored. lighttpd answers 411 itself; mod_fcgid hands the
# handler CONTENT_LENGTH=0, so it sees an empty body (400, JSON); under plain
# CGI the handler sees no CONTENT_LENGTH and answers 411 with JSON.
. "$(dirname "$0")/lib.sh"
hs_use_server

answer=$(hs_raw "POST $HS_PREFIX$HS_API/manychat/webhook/contact HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-API-KEY: $HS_API_KEY\r\nConnection: close\r\n\r\n")
status=$(printf '%s' "$answer" | head -n 1 | awk '{print $2}')
# The body after the blank line, de-chunked when chunked.
body=$(printf '%s' "$answer" | tr -d '\r' | sed '1,/^$/d')
if printf '%s' "$answer" | grep -qi '^transfer-encoding: chunked'; then
	body=$(printf '%s\n' "$body" | sed -n '2p')
fi
HS_BODY=$body
case $HS_MODE in
lighttpd-fcgi)	expect=411 json=no ;;
apache-fcgid)	expect=400 json=yes ;;
apache-cgi)	expect=411 json=yes ;;
esac
hs_is "$status" "$expect" "POST without Content-Length: $expect under $HS_MODE"
if [ "$json" = yes ]; then
	if jq -e '(.error | length > 0) and (.detail | type == "string")' \
	    >/dev/null 2>&1 <<<"$body"; then
		hs_ok "POST without Content-Length: the handler's JSON error"
	else
		hs_not_ok "POST without Content-Length: the handler's JSON error" "body: '$body'"
	fi
fi
if [ "$HS_MODE" = apache-cgi ]; then
	hs_like "$(jq -r .detail <<<"$body" 2>/dev/null)" '[Cc]ontent-[Ll]ength' \
	    "411 detail names Content-Length"
fi
hs_is "$(hs_sql "SELECT count(*) FROM events WHERE length(body) = 0;")" 0 \
    "no empty event stored"

hs_done
