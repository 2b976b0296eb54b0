#!/usr/bin/env bash
# On a terminal 80 or 120 columns wide, spoolctl stats, list and show fit
# the window: times become ages, long errors and keys move under their
# row, less needed columns go; every idempotency key is shown whole, and
# one copied from the table finds its event with spoolctl show. In a pipe
# the table is in full (one row per event, $COLUMNS when set is obeyed),
# and --json keeps every field. export draws its progress on a terminal's
# stderr, never into the JSON Lines on stdout, and nothing without one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/tty_lib.sh"
hs_sync_one_mode
hs_tty_need
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}
[ -x "$HS_CTL" ] || hs_bail "'$HS_CTL' is built" "make san"

# No queue service answers on this port: every attempt is a retry with an
# error, so the tables have errors to show.
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$(hs_az_cs "$(hs_free_port)")" \
    'ROUTES=manychat/*:azure_queue;signed/*:azure_queue' \
    RETRY_BASE_MS=600000 RETRY_CAP_MS=600000
hs_is "$(hs_post_contacts 30 c)" 30 "30 contacts accepted"
for t in promo reservation_update; do
	hs_post_signed "$(hs_signed_body "$t" "u-$t")"
	hs_like "$HS_STATUS" '^20[0-9]$' "signed $t accepted"
done
hs_sync --once --max-seconds 30
hs_is "$(hs_dcount "state = 'pending' AND last_error IS NOT NULL")" 32 \
    "every delivery waits for a retry, with an error"
keys=$(hs_sql "SELECT idem_key FROM events ORDER BY id;")
hs_like "$(awk '{ print length }' <<<"$keys" | sort -n | tail -n 1)" '^(6[0-9]|7[0-9])$' \
    "the longest key is 60 to 79 characters (a signed event's sha256)"

# shown FILE: what the terminal showed, as lines.
ctl_tty()
{
	local cols=$1 shown=$2
	shift 2
	hs_tty "$cols" "$shown" -- "$HS_CTL" "$@"
	grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' "$shown" &&
	    hs_not_ok "spoolctl $1 on a terminal: no sanitizer report" "$(head -n 5 "$shown")"
}
# whole_keys FILE: how many of the spool's keys FILE shows as a whole word.
whole_keys()
{
	local k n=0
	while read -r k; do
		grep -Eq "(^| )$(sed 's/[.[\*^$+?(){}|]/\\&/g' <<<"$k")( |$)" "$1" &&
		    n=$((n + 1))
	done <<<"$keys"
	echo "$n"
}

d=$hs_sync_tmp
for cols in 80 120; do
	ctl_tty "$cols" "$d/list-$cols" list --limit 0
	hs_is "$HS_TTY_RC" 0 "list on $cols columns: exit 0"
	hs_cmp "$(hs_tty_widest "$d/list-$cols")" -le "$cols" \
	    "list on $cols columns: no line wider than the window"
	hs_is "$(whole_keys "$d/list-$cols")" 32 "list on $cols columns: every key whole"
	hs_is "$(grep -Ec '(sha256|manychat):[^ ]*\.\.\.' "$d/list-$cols")" 0 \
	    "list on $cols columns: no key cut"
	hs_like "$(head -n 1 "$d/list-$cols")" '^ID +RECEIVED +SOURCE +.*STATUS +DELIVERIES' \
	    "list on $cols columns: the header"
	hs_like "$(grep -E '^[0-9]' "$d/list-$cols" | head -n 1)" '^[0-9]+ +[0-9]+[smhd]( [0-9]+[smhd])? ago +' \
	    "list on $cols columns: times as ages"
	key=$(grep -Eo '(^| )sha256:[0-9a-f]{64}( |$)' "$d/list-$cols" | head -n 1 | tr -d ' ')
	CTL_OUT=$(timeout 60 "$HS_CTL" show "$key" --json 2>/dev/null </dev/null)
	hs_is "$(jq -r .source <<<"$CTL_OUT" 2>/dev/null)" signed \
	    "list on $cols columns: a key copied from the table finds its event"

	ctl_tty "$cols" "$d/stats-$cols" stats
	hs_is "$HS_TTY_RC" 0 "stats on $cols columns: exit 0"
	hs_cmp "$(hs_tty_widest "$d/stats-$cols")" -le "$cols" \
	    "stats on $cols columns: no line wider than the window"
	hs_like "$(cat "$d/stats-$cols")" $'\nazure_queue +yes +32 +0 +0 ' \
	    "stats on $cols columns: the sink's counts"

	ctl_tty "$cols" "$d/show-$cols" show "$key"
	sed -n '/^deliveries$/,/^history$/p' "$d/show-$cols" >"$d/show-$cols.d"
	hs_cmp "$(hs_tty_widest "$d/show-$cols.d")" -le "$cols" \
	    "show on $cols columns: the deliveries fit the window"
	hs_like "$(cat "$d/show-$cols.d")" 'azure_queue +pending' \
	    "show on $cols columns: the delivery"
done
hs_is "$(grep -c '^    sha256:' "$d/list-80")" 2 \
    "list on 80 columns: a long key goes under its row, whole"
hs_like "$(grep -E '^ +[^ ]' "$d/list-80" | grep -vE '^ +(sha256|manychat|KEY|LAST)' | head -n 1)" \
    '^    .*(onnect|refused)' "list on 80 columns: the error under its row"

# --- a pipe ------------------------------------------------------------------
CTL_OUT=$(timeout 60 env -u COLUMNS "$HS_CTL" list --limit 0 2>/dev/null </dev/null)
hs_is "$(wc -l <<<"$CTL_OUT")" 34 "list in a pipe: header, one line per event, count"
hs_like "$(head -n 1 <<<"$CTL_OUT")" \
    '^ID +RECEIVED +SOURCE +KIND +STATUS +KEY +DELIVERIES .* LAST ERROR$' \
    "list in a pipe: every column"
printf '%s\n' "$CTL_OUT" >"$d/list-pipe"
hs_is "$(whole_keys "$d/list-pipe")" 32 "list in a pipe: every key whole"
CTL_OUT=$(COLUMNS=80 timeout 60 "$HS_CTL" list --limit 0 2>/dev/null </dev/null)
hs_cmp "$(printf '%s\n' "$CTL_OUT" | awk '{ if (length > m) m = length } END { print m }')" \
    -le 80 "list in a pipe with COLUMNS=80: fits 80"
CTL_OUT=$(COLUMNS=80 timeout 60 "$HS_CTL" list --json --limit 0 2>/dev/null </dev/null)
hs_is "$(jq -r '.events[0] | has("received_at") and has("idempotency_key") and (.deliveries[0] | has("last_error"))' <<<"$CTL_OUT")" \
    true "--json keeps every field whatever the width"

# --- export ------------------------------------------------------------------
hs_tty 80 "$d/export.shown" --stdout "$d/export.jsonl" -- "$HS_CTL" export
hs_is "$HS_TTY_RC" 0 "export with stderr on a terminal: exit 0"
hs_is "$(jq -s length "$d/export.jsonl")" 32 "export: 32 JSON lines on stdout"
hs_is "$(grep -c $'\r\|\e' "$d/export.jsonl")" 0 "export: no progress in the JSON Lines"
hs_cmp "$(hs_tty_count "$d/export.shown" $'\rspoolctl: exporting: ')" -ge 1 \
    "export: progress drawn in place on the terminal"
hs_like "$(hs_tty_lines "$d/export.shown" | grep exporting | tail -n 1)" \
    '^spoolctl: exporting: 32 events, [0-9.]+ MiB$' "export: the last progress line counts every event"
hs_like "$(tail -c 40 "$d/export.shown")" $'\r\e\\[Kspoolctl: exported 32 events\n$' \
    "export: the progress line gives way to the count"
timeout 60 "$HS_CTL" export >"$d/export2.jsonl" 2>"$d/export2.err" </dev/null
hs_is "$(cat "$d/export2.err")" "spoolctl: exported 32 events" \
    "export without a terminal: the count alone on stderr"
hs_done
