#!/usr/bin/env bash
# scheduled_sync --drain run by hand on a terminal: a progress line that
# redraws in place ("\r", never wider than the window) instead of a log
# line per delivery, and a summary in words at the end; --verbose adds the
# attempt lines, each on a line of its own, never glued to the progress
# line. With stderr in a file (cron, the other tests) the output is what
# it always was: one logfmt line per attempt, no "\r", no escape.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
. "$(dirname "$0")/tty_lib.sh"
hs_sync_one_mode
hs_tty_need
hs_sqlite_dest || hs_bail "create the SQLite destination with sql/schema/sqlite.sql"
hs_sync_server "ODBC_CONNECTION_STRING=$HS_SQLITE_CS"

u=$(hs_unique t3012)
# post N FROM: N contacts, numbered from FROM, each accepted.
post()
{
	local i bad=0
	for ((i = $2; i < $2 + $1; i++)); do
		hs_post_contact "$(hs_contact_body "$u-$i")"
		[ "$HS_STATUS" = 202 ] || bad=$((bad + 1))
	done
	hs_is "$bad" 0 "$1 contacts accepted"
}
post 40 0
HS_TTY_CWD=$hs_sync_tmp
SHOWN=$hs_sync_tmp/tty-1.shown
hs_tty 100 "$SHOWN" -- "${HS_SYNC_AS[@]}" "$HS_SYNC_BIN" --sink sql --drain \
    --batch 4 --max-seconds 60
hs_is "$HS_TTY_RC" 0 "terminal run: exit 0"
hs_is "$(hs_dcount "sink = 'sql' AND state = 'done'")" 40 "terminal run: 40 delivered"
hs_is "$(hs_tty_count "$SHOWN" 'event=attempt')" 0 \
    "terminal run: no log line per attempt"
hs_cmp "$(hs_tty_count "$SHOWN" $'\rsql [')" -ge 2 \
    "terminal run: the progress line is redrawn in place (\\r)"
hs_like "$(hs_tty_lines "$SHOWN" | grep '^sql \[' | tail -n 1)" \
    '^sql \[#{20}\] 40/40 delivered=40 retried=0 dead=0( [0-9]+/s)?$' \
    "terminal run: the last progress line shows every delivery"
hs_tty_lines "$SHOWN" | grep '^sql \[' >"$hs_sync_tmp/frames"
hs_cmp "$(hs_tty_widest "$hs_sync_tmp/frames")" -le 99 \
    "terminal run: no progress line as wide as the window (100)"
hs_like "$(cat "$SHOWN")" \
    $'\nsql: 40 delivered, 0 to retry, 0 dead in [0-9.]+ s; nothing pending\n' \
    "terminal run: a summary in words"
hs_is "$(grep -c 'sink=sql delivered=' "$SHOWN")" 0 \
    "terminal run: no logfmt summary on a terminal's stdout"

# --verbose: the attempt lines too, each from column 0; stdout in a file
# keeps its logfmt summary while stderr is the terminal.
post 12 100
SHOWN=$hs_sync_tmp/tty-2.shown
hs_tty 80 "$SHOWN" --stdout "$hs_sync_tmp/tty-2.out" -- "${HS_SYNC_AS[@]}" \
    "$HS_SYNC_BIN" --sink sql --drain --batch 3 --verbose --max-seconds 60
hs_is "$HS_TTY_RC" 0 "--verbose run: exit 0"
hs_is "$(hs_tty_lines "$SHOWN" | grep -c '^ts=.* event=attempt .*outcome=done')" 12 \
    "--verbose run: one attempt line per delivery, each at column 0"
hs_is "$(hs_tty_lines "$SHOWN" | grep -c 'sql \[.*ts=')" 0 \
    "--verbose run: no log line glued to the progress line"
hs_cmp "$(hs_tty_count "$SHOWN" $'\rsql [')" -ge 1 "--verbose run: the progress line too"
HS_SYNC_OUT=$(cat "$hs_sync_tmp/tty-2.out")
hs_is "$(hs_sync_field sql delivered)/$(hs_sync_field sql pending)" 12/0 \
    "--verbose run: stdout in a file keeps the logfmt summary"

# No terminal: exactly the lines cron and the other tests parse.
post 6 200
hs_sync --sink sql --drain --batch 2 --max-seconds 60
hs_sync_expect 0 "run without a terminal: exit 0"
hs_is "$(grep -c 'event=attempt .*sink=sql .*outcome=done' "$HS_SYNC_ERR")" 6 \
    "no terminal: one attempt line per delivery"
hs_is "$(grep -c $'\r\|\e' "$HS_SYNC_ERR")/$(printf '%s' "$HS_SYNC_OUT" | grep -c $'\r\|\e')" \
    0/0 "no terminal: no \\r and no escape sequence"
hs_like "$HS_SYNC_OUT" '^scheduled_sync: sink=sql delivered=6 retried=0 dead=0 pending=0 ' \
    "no terminal: the logfmt summary"
hs_done
