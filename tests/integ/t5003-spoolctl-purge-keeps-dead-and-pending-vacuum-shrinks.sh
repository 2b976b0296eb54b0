#!/usr/bin/env bash
# Retention: after a quiet spell, spoolctl purge --older-than deletes the
# events whose deliveries are all done (with their deliveries and history)
# and the events no route sent anywhere; dead and pending ones stay until
# --include-dead / --include-pending, and events received since stay. It
# refuses off a terminal without --yes and counts with --dry-run. vacuum
# then gives the space back and leaves an intact spool the handler keeps
# writing to. The quiet spell is on spoolctl's test clock
# (HOOKSPOOL_TEST_NOW): "now" is 2 s after the last change to an old
# event, so --older-than 2s cuts between old and new events exactly,
# however long the test takes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}
[ -x "$HS_CTL" ] || hs_bail "'$HS_CTL' is built" "make san"

# ctl ARGS...: one spoolctl run, on the test clock CTL_NOW when it is set.
ctl()
{
	CTL_OUT=$(HOOKSPOOL_TEST_NOW=${CTL_NOW:-} timeout 60 "$HS_CTL" "$@" \
	    2>"$hs_sync_tmp/ctl.err" </dev/null)
	CTL_RC=$?
	CTL_ERR=$(cat "$hs_sync_tmp/ctl.err")
	if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' \
	    "$hs_sync_tmp/ctl.err"; then
		hs_not_ok "spoolctl $1: no sanitizer report" "$CTL_ERR"
	fi
}
cj() { printf '%s' "$CTL_OUT" | jq -r "$1" 2>/dev/null || echo '<not json>'; }

hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t5003-contacts AZURE_QUEUE_CAMPAIGN=t5003-campaigns \
    AZURE_QUEUE_CREATE=false RETRY_BASE_MS=600000 RETRY_CAP_MS=600000
hs_dump --create t5003-contacts >/dev/null || hs_bail "create the contact queue"

u=$(hs_unique t5003)
hs_is "$(hs_post_contacts 300 "$u-old")" 300 "300 old contacts accepted"
for i in 1 2; do
	hs_post_campaign "$(hs_campaign_body "$u-old-$i" "camp-$i")"
done
hs_post_signed "$(hs_signed_body promo "$u-routeless")"
hs_sync --drain --max-seconds 30
hs_is "$(hs_dcount "state = 'done'")/$(hs_dcount "state = 'dead'")" 300/2 \
    "old: 300 contacts done, 2 campaigns dead"
# A pending one: its queue is down when it is tried.
hs_azurite_stop
hs_post_contact "$(hs_contact_body "$u-old-pending")"
hs_sync --once
hs_is "$(hs_dcount "state = 'pending' AND attempts = 1")" 1 "old: 1 contact pending in backoff"
hs_azurite_start "$HS_AZ_PORT"
total=$(hs_sql_count 1)
hs_is "$total" 304 "304 events in the spool"

# The cut: just after the last change to an old event (received, or a
# delivery updated); spoolctl's "now" is 2 s later. New events come once
# the real clock has passed it.
last=$(hs_sql "SELECT max(t) FROM (SELECT max(received_at) AS t FROM events
    UNION ALL SELECT max(updated_at) FROM deliveries);")
cut_ms=$(( $(hs_sql "SELECT $(hs_ms_sql "$(hs_q "$last")");") + 1 ))
cut=$(date -u -d "@$((cut_ms / 1000)).$(printf '%03d' $((cut_ms % 1000)))" \
    +%Y-%m-%dT%H:%M:%S.%3NZ)
CTL_NOW=$((cut_ms + 2000))

# --- purge ---------------------------------------------------------------------
ctl purge --older-than 2s
hs_is "$CTL_RC" 1 "purge off a terminal without --yes: exit 1"
hs_like "$CTL_ERR" 'add --yes' "purge without --yes: says what to add"
ctl purge --older-than 2s --dry-run --json
hs_is "$CTL_RC/$(cj .dry_run)/$(cj .matched)/$(cj .purged)" 0/true/301/0 \
    "purge --dry-run: 300 done + 1 routeless would go, nothing went"
hs_is "$(hs_sql_count 1)" "$total" "refused and dry purges deleted nothing"
# Received now: within the retention period.
hs_wait_until 30 hs_clock_past $((cut_ms - 1))
hs_is "$(hs_post_contacts 5 "$u-new")" 5 "5 new contacts accepted after the quiet spell"
hs_is "$(hs_sql_count "received_at >= $(hs_q "$cut") AND instr(CAST(body AS TEXT), $(hs_q "$u-new-")) > 0")" \
    5 "the new contacts were received after the cut"
bytes0=$(stat -c %s "$SPOOL_PATH")
ctl purge --older-than 2s --yes --json
hs_is "$CTL_RC" 0 "purge --yes: exit 0"
hs_is "$(cj '"\(.matched) \(.purged) \(.include_dead) \(.include_pending)"')" \
    "301 301 false false" "purge: 301 events purged"
hs_is "$(cj .before)" "$cut" "purge: before is spoolctl's now - 2 s, in ISO-8601 UTC"
hs_is "$(hs_rows_with "$u-old-")" 3 "left: the 2 dead campaigns and the pending contact"
hs_is "$(hs_rows_with "$u-new-")" 5 "left: every new contact"
hs_is "$(hs_rows_with "$u-routeless")" 0 "the routeless event is gone"
hs_is "$(hs_sql "SELECT count(*) FROM deliveries WHERE event_id NOT IN (SELECT id FROM events);")" \
    0 "no delivery outlives its event"
ctl purge --older-than 2s --include-dead --yes --json
hs_is "$(cj .purged)" 2 "--include-dead: the 2 dead events go"
ctl purge --older-than 2s --include-pending --yes --json
hs_is "$(cj .purged)" 1 "--include-pending: the pending one goes"
hs_is "$(hs_sql_count 1)" 5 "only the new contacts are left"
ctl purge --older-than 30d --yes
hs_is "$CTL_RC" 0 "purge with nothing to do: exit 0"
hs_like "$CTL_OUT" '^purged 0 events received before ' "nothing to purge: says 0"

# --- vacuum --------------------------------------------------------------------
ctl vacuum
hs_is "$CTL_RC" 1 "vacuum without --yes off a terminal: exit 1"
ctl vacuum --yes --json
hs_is "$CTL_RC" 0 "vacuum --yes: exit 0"
hs_cmp "$(cj .bytes_after)" -lt "$(cj .bytes_before)" "vacuum: fewer bytes after"
hs_cmp "$(stat -c %s "$SPOOL_PATH")" -lt "$bytes0" "vacuum: the file shrank"
hs_is "$(hs_sql 'PRAGMA integrity_check;')" ok "vacuum: the spool is intact"
hs_post_contact "$(hs_contact_body "$u-after")"
hs_is "$HS_STATUS" 202 "the handler stores events after the vacuum"
hs_is "$(stat -c %U "$SPOOL_PATH"* | sort -u | paste -sd,)" "${HS_RUN_USER:-$(id -un)}" \
    "spool files keep the handler's owner"
hs_done
