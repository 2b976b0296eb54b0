#!/usr/bin/env bash
# Two runs of the same sink at once: while the first is delivering, a
# second exits 1 at once with a log line and sends nothing; the first
# finishes normally; once it has, a new run is not refused. The first run
# is kept in the middle by Azurite stopping (SIGSTOP) while the second
# runs: it waits in a request, however fast or slow the machine is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
hs_azurite_start
n=1500
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t3006-contacts AZURE_QUEUE_RATE=300 AZURE_QUEUE_BATCH=50 \
    AZURE_QUEUE_TIMEOUT_MS=600000

u=$(hs_unique t3006)
hs_is "$(hs_post_contacts "$n" "$u" 32)" "$n" "$n contacts accepted"

hs_sync_bg --drain --max-seconds 60
pid=$HS_SYNC_PID out1=$HS_SYNC_OUTF
delivering() { [ "$(hs_dcount "state = 'done'")" -gt 0 ] || ! kill -0 "$pid" 2>/dev/null; }
hs_wait_until 60 delivering
hs_cmp "$(hs_dcount "state = 'done'")" -gt 0 "first run is delivering"
# Its next request waits (no timeout) until Azurite goes on.
az_pid=$(cat "$HS_AZ_DIR/azurite.pid")
kill -STOP "$az_pid"
hs_sync --max-seconds 30
hs_sync_expect 1 "second run at the same time: exit 1"
hs_cmp "${HS_SYNC_SECS%.*}" -lt 3 "second run: exits at once"
hs_like "$(cat "$HS_SYNC_ERR")" 'azure_queue' "second run: a log line naming the sink"
hs_diag "second run stderr: $(head -n 3 "$HS_SYNC_ERR")"
hs_is "$(grep -c 'event=attempt' "$HS_SYNC_ERR")" 0 "second run: no attempt"
hs_like "$(kill -0 "$pid" 2>&1 && echo running)" running "first run still running then"
kill -CONT "$az_pid"

hs_sync_wait "$pid" "$out1"
hs_sync_expect 0 "first run: exit 0"
hs_is "$(hs_sync_field azure_queue delivered)" "$n" "first run: delivered all $n"
hs_is "$(hs_dump t3006-contacts | wc -l)" "$n" "each event in the queue once"

hs_sync
hs_sync_expect 0 "a run after it: exit 0 (not locked)"
hs_is "$(hs_sync_field azure_queue delivered)" 0 "a run after it: nothing left"

hs_done
