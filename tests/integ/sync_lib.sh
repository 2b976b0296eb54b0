# sync_lib.sh - helpers for the sync-engine and Azure sink integration
# tests (t3xxx-sync-*, t41xx-azure-*); sourced after lib.sh, bash.
#
# These tests need the web server only to accept events, so they run in one
# server mode: the first of HS_MODES (lighttpd-fcgi by default) and skip in
# the others. Each script starts its own server (a clean spool, its own
# configuration) and its own Azurite (tests/azurite/start.sh) on free
# loopback ports; both are stopped when the script exits. Azurite, like
# the Odoo double and psql -f, runs as the user running the tests, so it
# may use the checkout's tests/azurite/node_modules; only the servers and
# scheduled_sync run as the handler's user.
#
# scheduled_sync runs as the user the handler runs as (setpriv, no fork, so
# a pid is the tool's own pid and kill -9 reaches it), with the script's
# HOOKSPOOL_CONF, from a copy in the script's temporary directory (which is
# also its working directory): that user may not be able to read the
# checkout. The queues are read back with build/helpers/azq_dump.
#
#   HS_SYNC_BIN   the tool (default tools/scheduled_sync; the ASan+UBSan
#                 build/san/tools/scheduled_sync is checked for reports)
#   HS_AZQ_DUMP   the reader (default build/helpers/azq_dump)

HS_SYNC_BIN=${HS_SYNC_BIN:-$HS_ROOT/tools/scheduled_sync}
HS_AZQ_DUMP=${HS_AZQ_DUMP:-$HS_ROOT/build/helpers/azq_dump}
HS_DEV_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
HS_WRONG_KEY='aG9va3Nwb29sLXdyb25nLWtleQ=='

hs_az_dirs=()		# Azurite working directories this shell started
hs_sync_n=0		# runs so far (their stdout/stderr files are numbered)
hs_sync_tmp=
HS_SYNC_CONF_ARGS=()

hs_sync_cleanup()
{
	local d
	for d in "${hs_az_dirs[@]}"; do
		[ -f "$d/azurite.pid" ] &&
		    "$HS_ROOT/tests/azurite/start.sh" --stop "$d" >/dev/null 2>&1
	done
	hs_az_dirs=()
	hs_cleanup
}
trap hs_sync_cleanup EXIT

# hs_sync_one_mode: skip unless this is the first mode of the run.
hs_sync_one_mode()
{
	local first=${HS_MODES:-lighttpd-fcgi}
	first=${first%% *}
	[ "$HS_MODE" = "$first" ] ||
	    hs_skip_all "sync tests use the server only to accept events; they run in $first mode"
	[ -x "$HS_SYNC_BIN" ] || hs_bail "'$HS_SYNC_BIN' is built" "make all"
	[ -x "$HS_AZQ_DUMP" ] || hs_bail "'$HS_AZQ_DUMP' is built" \
	    "make build/helpers/azq_dump (or make san)"
	hs_sync_tmp=$(mktemp -d "${TMPDIR:-/tmp}/hs-sync.XXXXXX")
	hs_dirs+=("$hs_sync_tmp")
	chmod 0755 "$hs_sync_tmp"
	HS_SYNC_BIN=$(hs_copy_in "$HS_SYNC_BIN" "$hs_sync_tmp/bin" 0755) ||
	    hs_bail "copy '$HS_SYNC_BIN' into '$hs_sync_tmp/bin'"
}

# --- Azurite -----------------------------------------------------------------

# hs_az_cs PORT [KEY]: the connection string of an Azurite on PORT.
hs_az_cs()
{
	printf 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;QueueEndpoint=http://127.0.0.1:%s/devstoreaccount1' \
	    "${2:-$HS_DEV_KEY}" "$1"
}

# hs_azurite_start [PORT]: start Azurite (on PORT, else a free one); sets
# HS_AZ_PORT, HS_AZ_DIR, HS_AZ_CS. Skips the script if Azurite cannot be
# installed (start.sh exit 111), bails if it does not start. A free port
# taken by someone else before Azurite binds it is retried with another.
hs_azurite_start()
{
	local rc try
	for try in 1 2 3 4 5; do
		HS_AZ_PORT=${1:-$(hs_free_port)}
		HS_AZ_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hs-azurite.XXXXXX")
		hs_dirs+=("$HS_AZ_DIR")
		hs_az_dirs+=("$HS_AZ_DIR")
		"$HS_ROOT/tests/azurite/start.sh" "$HS_AZ_PORT" "$HS_AZ_DIR" \
		    >/dev/null 2>"$HS_AZ_DIR/start.err"
		rc=$?
		[ $rc -eq 1 ] && grep -q EADDRINUSE "$HS_AZ_DIR/azurite.log" 2>/dev/null ||
		    break
		[ -n "$1" ] && sleep 0.5	# a fixed port: wait for it
	done
	[ $rc -eq 111 ] && hs_skip_all "azurite unavailable: $(tail -n 1 "$HS_AZ_DIR/start.err")"
	[ $rc -eq 0 ] || hs_bail "start azurite on port $HS_AZ_PORT" \
	    "$(cat "$HS_AZ_DIR/start.err")" "$(tail -n 5 "$HS_AZ_DIR/azurite.log" 2>/dev/null)"
	HS_AZ_CS=$(hs_az_cs "$HS_AZ_PORT")
}

# hs_azurite_stop: stop the Azurite started last (its port stays known).
hs_azurite_stop()
{
	"$HS_ROOT/tests/azurite/start.sh" --stop "$HS_AZ_DIR" >/dev/null 2>&1
}

# --- server and configuration --------------------------------------------------

# hs_sync_server [KEY=VALUE | !KEY ...]: a fresh server (and spool) whose
# configuration, shared with scheduled_sync, has the arguments.
hs_sync_server()
{
	HS_SYNC_CONF_ARGS=("$@")
	hs_own_server "$@"
}

# hs_sync_reconf [KEY=VALUE | !KEY ...]: rewrite the configuration with the
# server's arguments plus these (later ones win).
hs_sync_reconf()
{
	hs_write_conf "$HOOKSPOOL_CONF" "${HS_SYNC_CONF_ARGS[@]}" "$@"
}

# --- scheduled_sync --------------------------------------------------------------

# The prefix that runs a command as the handler's user, exec'ing it.
HS_SYNC_AS=()
if [ -n "$HS_RUN_USER" ]; then
	HS_SYNC_AS=(setpriv "--reuid=$HS_RUN_USER"
	    "--regid=$(id -g "$HS_RUN_USER")" --init-groups --)
fi

# hs_sync [ARGS...]: one run, waited for. Sets HS_SYNC_RC, HS_SYNC_OUT (its
# stdout), HS_SYNC_ERR (the file holding its stderr), HS_SYNC_SECS.
hs_sync()
{
	local t0
	hs_sync_n=$((hs_sync_n + 1))
	HS_SYNC_ERR=$hs_sync_tmp/run-$hs_sync_n.err
	t0=$(date +%s%N)
	HS_SYNC_OUT=$(cd "$hs_sync_tmp" && timeout -k 5 "${HS_SYNC_TIMEOUT:-120}" \
	    "${HS_SYNC_AS[@]}" "$HS_SYNC_BIN" "$@" 2>"$HS_SYNC_ERR")
	HS_SYNC_RC=$?
	HS_SYNC_SECS=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	hs_sync_sanitizers
}

# hs_sync_sanitizers: a failure when the last run's stderr holds an
# ASan/UBSan/LSan report (HS_SYNC_BIN=build/san/tools/scheduled_sync).
hs_sync_sanitizers()
{
	local hits
	hits=$(grep -E 'runtime error|AddressSanitizer|LeakSanitizer' "$HS_SYNC_ERR" 2>/dev/null | head -n 5)
	[ -z "$hits" ] || hs_not_ok "run $hs_sync_n: no sanitizer report" "$hits"
}

# hs_sync_bg [ARGS...]: one run in the background. Sets HS_SYNC_PID and the
# files HS_SYNC_OUTF / HS_SYNC_ERR; hs_sync_wait collects it.
hs_sync_bg()
{
	hs_sync_n=$((hs_sync_n + 1))
	HS_SYNC_ERR=$hs_sync_tmp/run-$hs_sync_n.err
	HS_SYNC_OUTF=$hs_sync_tmp/run-$hs_sync_n.out
	(cd "$hs_sync_tmp" && exec "${HS_SYNC_AS[@]}" "$HS_SYNC_BIN" "$@") \
	    >"$HS_SYNC_OUTF" 2>"$HS_SYNC_ERR" &
	HS_SYNC_PID=$!
}

# hs_sync_wait PID OUTFILE: wait for a background run; sets HS_SYNC_RC and
# HS_SYNC_OUT.
hs_sync_wait()
{
	wait "$1"
	HS_SYNC_RC=$?
	HS_SYNC_OUT=$(cat "$2")
	HS_SYNC_ERR=${2%.out}.err
	hs_sync_sanitizers
}

# hs_sync_field SINK FIELD: FIELD of SINK's summary line in HS_SYNC_OUT.
hs_sync_field()
{
	printf '%s\n' "$HS_SYNC_OUT" | awk -v s="sink=$1" -v f="$2" '
		$1 == "scheduled_sync:" && $2 == s {
			for (i = 3; i <= NF; i++)
				if (index($i, f "=") == 1)
					v = substr($i, length(f) + 2)
		}
		END { print v }'
}

# hs_sync_diag: the last run's output, as diagnostics.
hs_sync_diag()
{
	hs_diag "exit $HS_SYNC_RC after ${HS_SYNC_SECS:-?} s" "stdout: $HS_SYNC_OUT" \
	    "stderr (last 8 lines):" "$(tail -n 8 "$HS_SYNC_ERR" 2>/dev/null)"
}

# hs_sync_expect RC NAME: the last run exited RC (diagnostics when not).
hs_sync_expect()
{
	if [ "$HS_SYNC_RC" = "$1" ]; then
		hs_ok "$2"
	else
		hs_not_ok "$2" "expected exit $1"
		hs_sync_diag
	fi
}

# hs_sync_no_secret NAME: no account key in anything a run printed.
hs_sync_no_secret()
{
	local hits
	hits=$(cat "$hs_sync_tmp"/run-*.err "$hs_sync_tmp"/run-*.out 2>/dev/null |
	    grep -F -e "$HS_DEV_KEY" -e "$HS_WRONG_KEY" -e "SharedKey " | head -n 3)
	[ -n "$hits" ] || hits=$(printf '%s\n' "$HS_SYNC_OUT" |
	    grep -F -e "$HS_DEV_KEY" -e "$HS_WRONG_KEY" | head -n 3)
	if [ -z "$hits" ]; then
		hs_ok "$1"
	else
		hs_not_ok "$1" "$hits"
	fi
}

# --- the spool and the queues ---------------------------------------------------

# hs_dsql SQL: one read-only query on the spool.
hs_dsql()
{
	hs_sql "$1"
}

# hs_dcount WHERE: deliveries matching WHERE.
hs_dcount()
{
	local n
	n=$(hs_sql "SELECT count(*) FROM deliveries WHERE $1;" 2>/dev/null)
	echo "${n:-0}"
}

# hs_dump QUEUE...: take every message of the queues; one JSON per line.
hs_dump()
{
	HOOKSPOOL_CONF=$HOOKSPOOL_CONF "$HS_AZQ_DUMP" "$@"
}

# hs_post_contacts N PREFIX [PARALLEL]: N distinct contacts
# (manychat_id PREFIX-1 ... PREFIX-N) through the server, PARALLEL at a
# time (default 16). Prints how many were answered 2xx.
hs_post_contacts()
{
	local n=$1 prefix=$2 par=${3:-16} url i cfg
	url=$HS_URL$HS_PREFIX$HS_API/manychat/webhook/contact
	cfg=$hs_sync_tmp/post-$prefix.cfg
	for i in $(seq 1 "$n"); do
		printf 'url = "%s"\n' "$url"
		printf 'header = "Content-Type: application/json"\n'
		printf 'header = "X-API-KEY: %s"\n' "$HS_API_KEY"
		printf 'data-binary = "{\\"manychat_id\\":\\"%s-%d\\",\\"nombre_lead\\":\\"Lead %d\\",\\"datetime_actual\\":\\"2025-06-05T12:41:36Z\\"}"\n' \
		    "$prefix" "$i" "$i"
		printf 'output = "/dev/null"\nsilent\nmax-time = 60\n'
		printf 'write-out = "%%{http_code}\\n"\n'
		[ "$i" -lt "$n" ] && printf 'next\n'
	done >"$cfg"
	curl --parallel --parallel-max "$par" -K "$cfg" 2>/dev/null |
	    grep -c '^2[0-9][0-9]$'
}

# hs_ms ISO: milliseconds since the epoch of an ISO-8601 UTC time (SQL).
hs_ms_sql()
{
	printf "CAST(round((julianday(%s) - 2440587.5) * 86400000.0) AS INTEGER)" "$1"
}

# hs_now_iso: now as the spool writes times.
hs_now_iso()
{
	date -u +%Y-%m-%dT%H:%M:%S.%3NZ
}
