#!/usr/bin/env bash
# Events accepted by the real server and forwarded by scheduled_sync into
# Azurite (contacts delivered; campaigns dead: their queue is missing and
# AZURE_QUEUE_CREATE is false; a signed event routed nowhere) are what
# spoolctl stats, list, show and export report, field by field in --json,
# agreeing with the sqlite3 views; every command has --help, and usage
# errors exit 100. spoolctl runs as root and leaves the spool's files to
# the handler's user.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}
[ -x "$HS_CTL" ] || hs_bail "'$HS_CTL' is built" "make san"

# ctl ARGS...: one spoolctl run; CTL_RC, CTL_OUT, CTL_ERR (text).
ctl()
{
	CTL_OUT=$(timeout 60 "$HS_CTL" "$@" 2>"$hs_sync_tmp/ctl.err" </dev/null)
	CTL_RC=$?
	CTL_ERR=$(cat "$hs_sync_tmp/ctl.err")
	if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' \
	    "$hs_sync_tmp/ctl.err"; then
		hs_not_ok "spoolctl $1: no sanitizer report" "$CTL_ERR"
	fi
}
# cj FILTER: jq -r FILTER on the last output.
cj() { printf '%s' "$CTL_OUT" | jq -r "$1" 2>/dev/null || echo '<not json>'; }

hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t5001-contacts AZURE_QUEUE_CAMPAIGN=t5001-campaigns \
    AZURE_QUEUE_CREATE=false
hs_dump --create t5001-contacts >/dev/null || hs_bail "create the contact queue"

u=$(hs_unique t5001)
declare -A key
for i in 1 2 3 4; do
	hs_post_contact "$(hs_contact_body "$u-$i")"
	key[c$i]=$(hs_json .idempotency_key)
done
for i in 1 2; do
	hs_post_campaign "$(hs_campaign_body "$u-$i" "camp-$i")"
	key[k$i]=$(hs_json .idempotency_key)
done
hs_post_signed "$(hs_signed_body promo "$u-p")"
hs_is "$(hs_sql_count 1)" 7 "7 events accepted"
hs_sync --drain --max-seconds 20
hs_sync_expect 0 "sync: exit 0"
hs_is "$(hs_dcount "state = 'done'")/$(hs_dcount "state = 'dead'")" 4/2 \
    "sync: 4 contacts done, 2 campaigns dead"

# --- stats ---------------------------------------------------------------------
ctl stats --json
hs_is "$CTL_RC" 0 "stats: exit 0"
hs_is "$(cj .spool)" "$SPOOL_PATH" "stats: spool"
hs_is "$(cj .schema_version)" "$(hs_sql 'PRAGMA user_version;')" "stats: schema_version"
hs_is "$(cj .events)" 7 "stats: events"
hs_is "$(cj '.deliveries | "\(.pending)/\(.done)/\(.dead)"')" 0/4/2 \
    "stats: deliveries pending/done/dead"
hs_is "$(cj .oldest_pending_at)/$(cj .oldest_pending_age_s)" null/null \
    "stats: nothing pending, no age"
hs_is "$(cj '[.by_source[] | "\(.source)/\(.kind)=\(.events)"] | join(" ")')" \
    "manychat/campaign=2 manychat/contact=4 signed/promo=1" "stats: by source/kind"
hs_is "$(cj '.by_source[] | select(.kind == "contact") | .last_received_at')" \
    "$(hs_sql "SELECT max(received_at) FROM events WHERE kind = 'contact';")" \
    "stats: last_received_at of contacts"
hs_is "$(cj '.by_sink | map(.sink) | join(" ")')" azure_queue "stats: one sink"
s='.by_sink[0]'
hs_is "$(cj "$s | \"\(.configured) \(.pending) \(.done) \(.dead)\"")" \
    "true 0 4 2" "stats: azure_queue configured, 0 pending, 4 done, 2 dead"
hs_is "$(cj "$s.last_success_at")" \
    "$(hs_sql "SELECT max(done_at) FROM deliveries;")" "stats: last_success_at"
hs_is "$(cj "$s.last_run_at")" \
    "$(hs_sql "SELECT max(updated_at) FROM deliveries;")" "stats: last_run_at"
hs_like "$(cj "$s.last_error")" 'QueueNotFound|not exist|404' "stats: last_error names the missing queue"
hs_is "$(cj "$s | [.done, .dead, .last_error] | @tsv")" \
    "$(hs_sql "SELECT done || char(9) || dead || char(9) || last_error FROM sink_health WHERE sink = 'azure_queue';")" \
    "stats agrees with the sink_health view"
hs_is "$(hs_sql "SELECT count(*) FROM dead;")|$(hs_sql "SELECT count(*) FROM pending;")" \
    "2|0" "views: dead has 2 rows, pending none"
ctl stats
hs_like "$CTL_OUT" 'SINK +CONFIGURED +PENDING +DONE +DEAD +OLDEST PENDING +LAST SUCCESS +LAST RUN +LAST ERROR' \
    "stats: table header"
hs_like "$CTL_OUT" '7 events; deliveries: 0 pending, 4 done, 2 dead' "stats: summary line"

# --- list ----------------------------------------------------------------------
ctl list --json --state dead
hs_is "$CTL_RC" 0 "list --state dead: exit 0"
hs_is "$(cj .count)" 2 "list --state dead: 2 events"
hs_is "$(cj '[.events[].kind] | unique | join(",")')" campaign "list --state dead: the campaigns"
hs_is "$(cj '[.events[].idempotency_key] | sort | join(" ")')" \
    "$(printf '%s\n' "${key[k1]}" "${key[k2]}" | sort | paste -sd' ')" "list --state dead: their keys"
hs_is "$(cj '[.events[] | .status, .deliveries[0].state, .deliveries[0].sink, (.deliveries[0].attempts | tostring)] | unique | join(",")')" \
    "1,azure_queue,dead" "list: status, delivery state, sink, attempts"
ctl list --json --source manychat --kind contact --limit 2
hs_is "$(cj '.count')/$(cj .limit)" 2/2 "list --limit 2: two events"
hs_is "$(cj '.events[0].id > .events[1].id')" true "list: newest first"
hs_is "$(cj '.events[0].idempotency_key')" "${key[c4]}" "list: the newest contact first"
hs_is "$(cj '.events[0] | [.source, .kind, .status, .remote_addr, .content_type] | join(",")')" \
    "manychat,contact,done,127.0.0.1,application/json" "list: event fields"
hs_like "$(cj '.events[0].deliveries[0].receipt')" '^[0-9a-f-]{32,}$' "list: receipt is the MessageId"
ctl list --json --state=dead --limit=1 --sink=azure_queue
hs_is "$CTL_RC/$(cj .count)/$(cj .limit)/$(cj '.events[0].kind')" 0/1/1/campaign \
    "list --state=dead --limit=1: options take their value after '='"
ctl list --json --since 1h
hs_is "$(cj .count)" 7 "list --since 1h: all"
ctl list --json --until 2000-01-01
hs_is "$(cj .count)" 0 "list --until 2000-01-01: none"
ctl list --json --key "${key[c2]}"
hs_is "$(cj '.events | length')" 1 "list --key: one event"
ctl list --json --sink azure_queue --state done --entity "manychat:$u-3"
hs_is "$(cj '.events[0].idempotency_key')" "${key[c3]}" "list --entity: the contact's event"
ctl list --json --contains "$u-p"
hs_is "$(cj '.events[0].source')/$(cj .count)" signed/1 "list --contains: the signed event"
ctl list
hs_like "$CTL_OUT" '^ID +RECEIVED +SOURCE +KIND +STATUS +KEY +DELIVERIES .* LAST ERROR$' "list: table header"
hs_like "$CTL_OUT" 'azure_queue:dead/1' "list: table shows sink:state/attempts"

# --- show ----------------------------------------------------------------------
ctl show "${key[c1]}" --json
hs_is "$CTL_RC" 0 "show KEY: exit 0"
id=$(hs_sql "SELECT id FROM events WHERE idem_key = $(hs_q "${key[c1]}");")
hs_is "$(cj .id)" "$id" "show: id"
hs_is "$(cj .body.manychat_id)" "$u-1" "show: body is the JSON posted"
hs_is "$(cj '.headers | type')" object "show: headers object"
hs_is "$(cj .response_status)" 202 "show: the answer given"
hs_is "$(cj '.deliveries | length')/$(cj '.deliveries[0].state')" 1/done "show: one done delivery"
hs_is "$(cj '.history | length')" 0 "show: no history yet"
hs_is "$(cj .body_sha256)" "$(hs_sha256 "$(hs_sql "SELECT CAST(body AS TEXT) FROM events WHERE id = $id;")")" \
    "show: body_sha256 of the stored bytes"
ctl show "$id"
hs_like "$CTL_OUT" "^event $id: manychat/contact, done" "show ID: headline"
hs_like "$CTL_OUT" "\"manychat_id\": \"$u-1\"" "show: pretty-printed body"
hs_like "$CTL_OUT" 'deliveries' "show: deliveries section"
ctl show no-such-key
hs_is "$CTL_RC" 1 "show unknown key: exit 1"
hs_like "$CTL_ERR" "no event with id or key 'no-such-key'" "show unknown key: says so"

# --- export --------------------------------------------------------------------
ctl export --source manychat
hs_is "$CTL_RC" 0 "export: exit 0"
hs_is "$(printf '%s\n' "$CTL_OUT" | wc -l)" 6 "export: one line per ManyChat event"
hs_is "$(printf '%s\n' "$CTL_OUT" | jq -s 'length')" 6 "export: every line is JSON"
hs_is "$(printf '%s\n' "$CTL_OUT" | jq -s '[.[].id] == ([.[].id] | sort)')" true "export: oldest first"
first=$(printf '%s\n' "$CTL_OUT" | head -n 1)
fid=$(jq -r .id <<<"$first")
hs_is "$(jq -cS .body <<<"$first")" \
    "$(hs_sql "SELECT CAST(body AS TEXT) FROM events WHERE id = $fid;" | jq -cS .)" \
    "export: body embedded as the JSON received"
hs_is "$(jq -r '[.source, .kind, .idempotency_key, (.deliveries | length | tostring)] | join(",")' <<<"$first")" \
    "manychat,contact,${key[c1]},1" "export: event fields"
hs_like "$CTL_ERR" 'exported 6 events' "export: count on stderr"

# --- help and usage -------------------------------------------------------------
for c in stats list show retry replay purge vacuum export check; do
	ctl "$c" --help
	hs_is "$CTL_RC/$(head -n 1 <<<"$CTL_OUT" | cut -d' ' -f1-3)" "0/usage: spoolctl $c" "$c --help"
done
ctl --help
hs_like "$CTL_OUT" 'Exit codes: 0 done, 1 ' "--help documents the exit codes"
for args in "frobnicate" "list --frob" "list --yes" "show" "purge" \
    "purge --older-than 10" "list --state stuck" "list --since yesterday" \
    "stats extra" "list --limit=x" "list --json=1" "stats --spool"; do
	ctl $args
	hs_is "$CTL_RC" 100 "usage error exits 100: spoolctl $args"
done
ctl stats --spool "$HS_DIR/spool/none.db"
hs_is "$CTL_RC" 1 "stats on a missing spool: exit 1"
hs_like "$CTL_ERR" "no spool at" "missing spool: says so"
hs_is "$(ls "$HS_DIR/spool" | grep -c none)" 0 "missing spool: not created"

# spoolctl ran as root: every file of the spool still belongs to the handler.
owners=$(stat -c %U "$SPOOL_PATH"* | sort -u | paste -sd,)
hs_is "$owners" "${HS_RUN_USER:-$(id -un)}" "spool files keep the handler's owner"
hs_done
