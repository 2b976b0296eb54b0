#!/usr/bin/env bash
# A chunked request body (no Content-Length): lighttpd and mod_fcgid buffer
# it and pass CONTENT_LENGTH, so it is accepted; Apache's plain CGI passes no
# CONTENT_LENGTH, so the handler asks for one (411, JSON).
. "$(dirname "$0")/lib.sh"
hs_use_server

m=$(hs_unique chunked)
hs_post_contact "$(hs_contact_body "$m")" -H 'Transfer-Encoding: chunked'
case $HS_MODE in
apache-cgi)
	hs_expect_error 411 "chunked contact under plain CGI"
	hs_is "$(hs_rows_with "$m")" 0 "chunked contact under plain CGI: not stored"
	;;
*)
	hs_is "$HS_STATUS" 202 "chunked contact under $HS_MODE: 202"
	hs_is "$(hs_rows_with "$m")" 1 "chunked contact under $HS_MODE: stored"
	hs_is "$(hs_sql "SELECT hex(body) FROM events WHERE instr(CAST(body AS TEXT), $(hs_q "$m")) > 0;")" \
	    "$(hs_hex "$(hs_contact_body "$m")")" "chunked contact: body stored byte for byte"
	;;
esac

hs_done
