#!/usr/bin/env bash
# spoolctl check on a sound installation: every check ok, the configured
# sinks probed live against Azurite (a missing queue is fine when the sink
# creates queues), exit 0. Each fault is one failed check and exit 1: a
# spool readable by others, Azurite down (--no-probe skips the probe), a
# wrong account key, ROUTES naming no sink, a bad value, no spool at all.
# Pending deliveries no configured sink will take are a warning. check
# changes nothing: no migration, no file created.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
hs_sync_one_mode
HS_CTL=${HS_CTL:-$HS_ROOT/build/san/tools/spoolctl}
[ -x "$HS_CTL" ] || hs_bail "'$HS_CTL' is built" "make san"

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
cj() { printf '%s' "$CTL_OUT" | jq -r "$1" 2>/dev/null || echo '<not json>'; }
# st NAME: status of the check NAME in the last --json answer.
st() { cj ".checks[] | select(.name == \"$1\") | .status" | sort | paste -sd,; }
dt() { cj ".checks[] | select(.name == \"$1\") | .detail" | head -n 1; }

hs_azurite_start
hs_sync_server "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" \
    AZURE_QUEUE_CONTACT=t5004-contacts AZURE_DEAD_LETTER_QUEUE=t5004-dlq
u=$(hs_unique t5004)
hs_post_contact "$(hs_contact_body "$u-1")"
hs_is "$HS_STATUS" 202 "a contact accepted"

ctl check --json
hs_is "$CTL_RC" 0 "sound installation: exit 0"
hs_is "$(cj .ok)" true "check: ok"
hs_is "$(cj .spool)" "$SPOOL_PATH" "check: the spool it looked at"
hs_is "$(cj .schema_version)/$(cj .latest_schema_version)" \
    "$(hs_sql 'PRAGMA user_version;')/$(hs_sql 'PRAGMA user_version;')" "check: schema versions"
for c in config routes "spool file" "spool directory" "lock file" \
    "spool schema" "journal mode" integrity "sink azure_queue" \
    "sink dead_letter"; do
	hs_is "$(st "$c")" ok "check '$c': ok"
done
hs_like "$(dt "spool file")" "mode 0600 .*owner ${HS_RUN_USER:-$(id -un)}" "spool file: mode and owner"
hs_like "$(dt "sink azure_queue")" "t5004-contacts.*does not exist yet" \
    "azure_queue probe: the queue is created on the first send"
hs_like "$(dt "sink azure_queue")" "127.0.0.1:$HS_AZ_PORT" "azure_queue probe: names the endpoint"
hs_sync --drain --max-seconds 20
ctl check --json --quick
hs_like "$(dt "sink azure_queue")" "t5004-contacts.* 1 message$" "probe after a sync: one message"
hs_like "$(dt integrity)" '^quick_check: ok' "--quick: quick_check"
ctl check
hs_like "$CTL_OUT" '^STATUS +CHECK +DETAIL' "check: table header"
hs_like "$CTL_OUT" 'ok: 0 failed' "check: summary line"
files0=$(ls -ln "$HS_DIR/spool" | awk '{print $3, $9}' | sort)

chmod 0644 "$SPOOL_PATH"
ctl check --json --no-probe
hs_is "$CTL_RC/$(st "spool file")" 1/fail "spool readable by others: fail, exit 1"
chmod 0600 "$SPOOL_PATH"

hs_azurite_stop
ctl check --json
hs_is "$CTL_RC/$(st "sink azure_queue")" 1/fail "Azurite down: the probe fails, exit 1"
hs_like "$(dt "sink azure_queue")" 'cannot reach' "Azurite down: says it cannot reach"
ctl check --json --no-probe
hs_is "$CTL_RC/$(st "sink azure_queue")" 0/ok "--no-probe: not contacted, exit 0"
hs_like "$(dt "sink azure_queue")" 'not probed' "--no-probe: says so"
hs_azurite_start "$HS_AZ_PORT"

hs_sync_reconf "AZURE_STORAGE_CONNECTION_STRING=$(hs_az_cs "$HS_AZ_PORT" "$HS_WRONG_KEY")"
ctl check --json
hs_is "$CTL_RC/$(st "sink azure_queue")" 1/fail "wrong account key: fail, exit 1"
hs_like "$(dt "sink azure_queue")" 'refused our credentials' "wrong key: says the credentials were refused"
hs_is "$(printf '%s' "$CTL_OUT$CTL_ERR" | grep -cF -e "$HS_WRONG_KEY" -e "$HS_DEV_KEY")" 0 \
    "no account key in the output"

hs_sync_reconf "ROUTES=manychat/contact:nosuch"
ctl check --json --no-probe
hs_is "$CTL_RC/$(st routes)" 1/fail "ROUTES naming an unknown sink: fail, exit 1"
hs_like "$(dt routes)" 'nosuch' "ROUTES: names the sink"

hs_sync_reconf SPOOL_BUSY_TIMEOUT_MS=soon FROBNICATE=1
ctl check --json --no-probe
hs_is "$CTL_RC" 1 "a bad value: exit 1"
hs_is "$(st config)" "fail,warn" "bad value fails, unknown key warns"
ctl stats
hs_is "$CTL_RC" 100 "other commands refuse a bad configuration: exit 100"
hs_like "$CTL_ERR" 'SPOOL_BUSY_TIMEOUT_MS' "the bad key is named"

hs_sync_reconf '!AZURE_STORAGE_CONNECTION_STRING' '!AZURE_DEAD_LETTER_QUEUE'
ctl check --json
hs_is "$CTL_RC" 0 "no sink configured: exit 0 (warnings)"
hs_is "$(st sinks)" warn "no sink configured: a warning"
hs_is "$(st "pending to unconfigured sink"),$(cj '[.checks[] | select(.status == "fail")] | length')" \
    ",0" "nothing pending: no such warning, nothing failed"
hs_post_contact "$(hs_contact_body "$u-2")"
hs_sync_reconf "AZURE_STORAGE_CONNECTION_STRING=$HS_AZ_CS" '!AZURE_DEAD_LETTER_QUEUE'
exec_sql_as() { hs_as_server_user sqlite3 -cmd '.timeout 5000' "$SPOOL_PATH" "$1"; }
exec_sql_as "INSERT INTO deliveries (event_id, sink, next_attempt_at, created_at, updated_at) SELECT max(id), 'dead_letter', 'x', 'x', 'x' FROM events;"
ctl check --json --no-probe
hs_is "$(st "pending to unconfigured sink")" warn "a pending delivery to an unconfigured sink: warning"
hs_like "$(dt "pending to unconfigured sink")" "1 pending deliveries to 'dead_letter'" "the warning names the sink"

ctl check --json --spool "$HS_DIR/spool/none.db"
hs_is "$CTL_RC/$(st "spool file")" 1/fail "no spool: fail, exit 1"
hs_is "$(ls "$HS_DIR/spool" | grep -c none)" 0 "no spool: none created"
hs_is "$(ls -ln "$HS_DIR/spool" | awk '{print $3, $9}' | sort)" "$files0" \
    "check created or re-owned no file"
hs_done
