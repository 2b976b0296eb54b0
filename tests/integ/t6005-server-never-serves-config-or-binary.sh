#!/usr/bin/env bash
# Every path goes to the handler, so nothing on disk is served: not the
# configs, not the binary, not .htaccess; such paths are the handler's 404.
. "$(dirname "$0")/lib.sh"
hs_use_server

for path in /hookspool.conf /cgi-bin/hooks.fcgi /hooks.fcgi /.htaccess \
    /apache/hookspool.conf /lighttpd/hookspool.conf /Makefile /lib/core/config.c \
    /httpd.conf /run/error.log; do
	hs_req GET "$path"
	hs_expect_error 404 "GET $path"
	if grep -qaE "$HS_API_KEY|$HS_SECRET|ELF|RewriteRule|fastcgi" <<<"$HS_BODY"; then
		hs_not_ok "GET $path: nothing of the file in the answer"
	else
		hs_ok "GET $path: nothing of the file in the answer"
	fi
done

# The request URI reaches the handler unchanged: a query string does not
# change the route.
m=$(hs_unique query)
hs_post "$HS_API/manychat/webhook/contact?utm_source=manychat&x=1" \
    "$(hs_contact_body "$m")" -H "X-API-KEY: $HS_API_KEY"
hs_is "$HS_STATUS" 202 "contact with a query string: 202"
hs_is "$(hs_rows_with "$m")" 1 "contact with a query string: stored"

hs_done
