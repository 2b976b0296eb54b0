#!/usr/bin/env bash
# 2,000 distinct contacts (500 in plain CGI) from 32 concurrent clients:
# every one is answered 2xx, and the spool holds exactly one row per 2xx
# answer - nothing lost, nothing doubled, no 503 under the handler's own
# contention.
. "$(dirname "$0")/lib.sh"
hs_use_server

# Plain CGI with the sanitizer build costs ~150 ms of CPU per request
# (process start, ASan, the leak check at exit): 2,000 would be minutes of
# CPU on two cores, so that mode bursts 32 clients over 500 requests. The
# writer lock's arrival order, which is what keeps every request within
# SPOOL_BUSY_TIMEOUT_MS under such a burst, has a unit test of its own.
if [ "$HS_MODE" = apache-cgi ]; then
	n=${HS_BURST:-500}
else
	n=${HS_BURST:-2000}
fi
par=${HS_BURST_PARALLEL:-32}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hs-burst.XXXXXX")
hs_dirs+=("$tmp")
prefix=$(hs_unique burst)
url=$HS_URL$HS_PREFIX$HS_API/manychat/webhook/contact

for i in $(seq 1 "$n"); do
	printf 'url = "%s"\n' "$url"
	printf 'header = "Content-Type: application/json"\n'
	printf 'header = "X-API-KEY: %s"\n' "$HS_API_KEY"
	printf 'data-binary = "{\\"manychat_id\\":\\"%s-%d\\",\\"nombre_lead\\":\\"Burst %d\\",\\"datetime_actual\\":\\"2025-06-05T12:41:36Z\\"}"\n' \
	    "$prefix" "$i" "$i"
	printf 'output = "/dev/null"\nsilent\nmax-time = 60\n'
	printf 'write-out = "%%{http_code}\\n"\n'
	[ "$i" -lt "$n" ] && printf 'next\n'
done >"$tmp/curl.cfg"

start=$(date +%s.%N)
curl --parallel --parallel-max "$par" -K "$tmp/curl.cfg" >"$tmp/codes" 2>"$tmp/curl.err"
end=$(date +%s.%N)
hs_diag "$n requests, $par clients: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f s", b - a }')"
hs_diag "status counts: $(sort "$tmp/codes" | uniq -c | tr -s ' \n' ' ')"

ok=$(grep -c '^2[0-9][0-9]$' "$tmp/codes")
bad=$(grep -vc '^2[0-9][0-9]$' "$tmp/codes")
rows=$(hs_sql_count "idem_key LIKE $(hs_q "manychat:contact:$prefix-%")")
hs_is "$(wc -l <"$tmp/codes" | tr -d ' ')" "$n" "an answer line per request"
hs_is "$bad" 0 "no non-2xx answer"
hs_is "$ok" "$n" "every request answered 2xx"
hs_is "$rows" "$ok" "one row per 2xx answer"
hs_is "$(hs_sql "SELECT count(DISTINCT idem_key) FROM events WHERE idem_key LIKE $(hs_q "manychat:contact:$prefix-%");")" \
    "$rows" "no key stored twice"

hs_done
