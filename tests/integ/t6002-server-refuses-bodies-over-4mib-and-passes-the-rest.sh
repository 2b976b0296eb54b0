#!/usr/bin/env bash
# The server's own limit sits at 4 MiB, above the handler's: bodies up to
# 4 MiB reach the handler (its 413 is JSON), bigger ones are refused by the
# server with 413 before the handler runs. Nothing is stored.
. "$(dirname "$0")/lib.sh"
hs_use_server

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hs-4m.XXXXXX")
hs_dirs+=("$tmp")
padded()
{
	local head="{\"manychat_id\":\"$1\",\"pad\":\"" tail='"}'
	local n=$(( $2 - ${#head} - ${#tail} ))
	printf '%s' "$head"
	head -c "$n" /dev/zero | tr '\0' a
	printf '%s' "$tail"
}

m=$(hs_unique b3m)
padded "$m" 3145728 >"$tmp/body"
hs_post_contact "@$tmp/body"
hs_expect_error 413 "3 MiB: the handler answers"

m=$(hs_unique b4m)
padded "$m" 4194304 >"$tmp/body"
hs_post_contact "@$tmp/body"
hs_expect_error 413 "exactly 4 MiB: the handler answers"

m=$(hs_unique b4m1)
padded "$m" 4194305 >"$tmp/body"
hs_post_contact "@$tmp/body"
hs_is "$HS_STATUS" 413 "4 MiB + 1 byte: 413"
if jq -e '.error' >/dev/null 2>&1 <<<"$HS_BODY"; then
	hs_not_ok "4 MiB + 1 byte: refused by the server, not the handler" \
	    "the handler answered: $HS_BODY"
else
	hs_ok "4 MiB + 1 byte: refused by the server, not the handler"
fi

m=$(hs_unique b5m)
padded "$m" 5242880 >"$tmp/body"
hs_post_contact "@$tmp/body"
hs_is "$HS_STATUS" 413 "5 MiB: 413 from the server"
hs_is "$(hs_rows_with "b4m")$(hs_rows_with "b3m")$(hs_rows_with "b5m")" 000 "nothing stored"

hs_done
