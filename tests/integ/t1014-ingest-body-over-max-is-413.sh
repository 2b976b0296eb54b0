#!/usr/bin/env bash
# A body over MAX_BODY_BYTES (1 MiB by default) gets the handler's 413 with
# JSON and is not stored; a body of exactly 1 MiB is accepted.
. "$(dirname "$0")/lib.sh"
hs_use_server

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hs-413.XXXXXX")
hs_dirs+=("$tmp")

# padded ID SIZE: a valid contact of exactly SIZE bytes.
padded()
{
	local head="{\"manychat_id\":\"$1\",\"pad\":\"" tail='"}'
	local n=$(( $2 - ${#head} - ${#tail} ))
	printf '%s' "$head"
	head -c "$n" /dev/zero | tr '\0' a
	printf '%s' "$tail"
}

m=$(hs_unique big2m)
padded "$m" 2097152 >"$tmp/2m.json"
hs_post_contact "@$tmp/2m.json"
hs_expect_error 413 "2 MiB body"
hs_like "$(hs_json .detail)" '1048576' "2 MiB body: detail names the limit"
hs_is "$(hs_rows_with "$m")" 0 "2 MiB body: not stored"

m=$(hs_unique over1)
padded "$m" 1048577 >"$tmp/over.json"
hs_post_contact "@$tmp/over.json"
hs_expect_error 413 "1 MiB + 1 byte"
hs_is "$(hs_rows_with "$m")" 0 "1 MiB + 1 byte: not stored"

m=$(hs_unique exact1)
padded "$m" 1048576 >"$tmp/exact.json"
hs_post_contact "@$tmp/exact.json"
hs_is "$HS_STATUS" 202 "exactly 1 MiB: 202"
hs_is "$(hs_sql "SELECT length(body) FROM events WHERE instr(CAST(body AS TEXT), $(hs_q "$m")) > 0;")" \
    1048576 "exactly 1 MiB: stored whole"

# The signed endpoint has the same limit.
m=$(hs_unique bigsigned)
{ printf '{"type":"user_info","user_id":"%s","content":"' "$m"
  head -c 2097152 /dev/zero | tr '\0' a; printf '"}'; } >"$tmp/signed.json"
sig=$(openssl dgst -sha256 -hmac "$HS_SECRET" -r <"$tmp/signed.json" | cut -d' ' -f1)
hs_post /webhook/receive "@$tmp/signed.json" -H "x-webhook-signature: $sig"
hs_expect_error 413 "signed 2 MiB body"
hs_is "$(hs_rows_with "$m")" 0 "signed 2 MiB body: not stored"

hs_done
