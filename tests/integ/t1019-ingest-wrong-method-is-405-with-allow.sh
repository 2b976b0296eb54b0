#!/usr/bin/env bash
# A known path with the wrong method gets 405, a JSON error and an Allow
# header naming the right method.
. "$(dirname "$0")/lib.sh"
hs_use_server

# check METHOD PATH ALLOW-REGEX
check()
{
	if [ "$1" = GET ]; then
		hs_req GET "$2"
	else
		hs_req "$1" "$2" -H 'Content-Type: application/json' \
		    --data-binary '{}'
	fi
	hs_expect_error 405 "$1 $2"
	hs_like "$(hs_header Allow)" "$3" "$1 $2: Allow header"
}

check GET "$HS_API/manychat/webhook/contact" '^POST$'
check PUT "$HS_API/manychat/webhook/contact" '^POST$'
check GET "$HS_API/manychat/webhook/campaign-assignment" '^POST$'
check DELETE "$HS_API/manychat/webhook/campaign-assignment" '^POST$'
check GET /webhook/receive '^POST$'
check PATCH /webhook/receive '^POST$'
check POST /health '(^|, ?)GET(,|$)'
check POST /webhook/health '(^|, ?)GET(,|$)'
check PUT /health '(^|, ?)GET(,|$)'

hs_done
