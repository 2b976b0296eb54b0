#!/usr/bin/env bash
# /webhook/receive refuses a missing or wrong signature with 401 and stores
# nothing; a right signature over an invalid body gets 422, not 401.
. "$(dirname "$0")/lib.sh"
hs_use_server

u=$(hs_unique badsig)
body=$(hs_signed_body user_info "$u")
good=$(hs_sign "$body")

hs_post /webhook/receive "$body"
hs_expect_error 401 "no signature"
hs_post /webhook/receive "$body" -H "x-webhook-signature: $(hs_sign "$body" other_secret)"
hs_expect_error 401 "signed with another secret"
hs_post /webhook/receive "$body" -H "x-webhook-signature: $(hs_sign "$body x")"
hs_expect_error 401 "signature of another body"
hs_post /webhook/receive "$body" -H "x-webhook-signature: ${good:0:63}"
hs_expect_error 401 "signature one hex digit short"
hs_post /webhook/receive "$body" -H "x-webhook-signature: ${good}00"
hs_expect_error 401 "signature with extra digits"
hs_post /webhook/receive "$body" -H "x-webhook-signature: sha1=$good"
hs_expect_error 401 "signature with a sha1= prefix"
hs_post /webhook/receive "$body" -H "x-webhook-signature: zz${good:2}"
hs_expect_error 401 "signature with non-hex digits"
hs_post /webhook/receive "$body " -H "x-webhook-signature: $good"
hs_expect_error 401 "body changed after signing (one trailing space)"
hs_is "$(hs_rows_with "$u")" 0 "nothing stored for refused requests"

# Verification comes before validation: the reference vector's body is
# signed right but lacks user_id.
hs_post /webhook/receive '{"type":"user_info","content":"x"}' \
    -H 'x-webhook-signature: df6184d5e7ea68ee9f66f5dee2b1a8d945a5a295eb64d8fa50c633afe2ce7144'
hs_expect_error 422 "reference vector (valid signature, no user_id)"

hs_done
