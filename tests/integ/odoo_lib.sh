# odoo_lib.sh - helpers for the Odoo sink integration tests (t42xx-odoo-*);
# sourced after lib.sh and sync_lib.sh, bash.
#
# Each script starts its own Odoo double (tests/doubles/odoo_double.py,
# Python standard library only) on a free loopback port with a fresh
# record store, then its own server whose configuration names the double
# (ODOO_HOST/PORT/...), so the handler gives every ManyChat event an odoo
# delivery. scheduled_sync runs as in sync_lib.sh. The double's call log
# (one JSON line per /jsonrpc request, with its arrival time) is how the
# tests see what Odoo received and when.
#
#   HS_ODOO_PY   the Python 3 to run the double with (default python3)

HS_ODOO_PY=${HS_ODOO_PY:-python3}
HS_ODOO_DOUBLE=$HS_ROOT/tests/doubles/odoo_double.py
HS_ODOO_DB=hookspool
HS_ODOO_USER=bot@example.com
HS_ODOO_PASSWORD=odoo-Test-Pw-4u7q
HS_ODOO_PID=
HS_ODOO_PORT=
HS_ODOO_DIR=
HS_ODOO_SCHEME=http	# https when the double serves TLS (--tls-cert)
HS_ODOO_CURL=()		# curl options for /control and /dump (--cacert)

hs_odoo_cleanup()
{
	[ -n "$HS_ODOO_PID" ] && kill "$HS_ODOO_PID" 2>/dev/null &&
	    wait "$HS_ODOO_PID" 2>/dev/null
	HS_ODOO_PID=
	hs_sync_cleanup
}
trap hs_odoo_cleanup EXIT

# hs_odoo_need: skip the script when no Python 3 can run the double.
hs_odoo_need()
{
	"$HS_ODOO_PY" -c 'import http.server, json, threading' 2>/dev/null ||
	    hs_skip_all "python3 is missing ('make deps' installs it)"
}

# hs_odoo_tls: a self-signed certificate for 127.0.0.1 in a directory of
# its own ($hs_odoo_pki: cert.pem, key.pem), and the curl options that
# trust it; then hs_odoo_start --tls-cert/--tls-key serves HTTPS.
hs_odoo_tls()
{
	hs_odoo_pki=$(mktemp -d "${TMPDIR:-/tmp}/hs-odoo-pki.XXXXXX")
	hs_dirs+=("$hs_odoo_pki")
	chmod 0755 "$hs_odoo_pki"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=odoo.test \
	    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	    -keyout "$hs_odoo_pki/key.pem" -out "$hs_odoo_pki/cert.pem" \
	    >/dev/null 2>&1 || hs_bail "make a self-signed certificate"
	chmod 0644 "$hs_odoo_pki/cert.pem"
	HS_ODOO_SCHEME=https
	HS_ODOO_CURL=(--cacert "$hs_odoo_pki/cert.pem")
}

# hs_odoo_start [DOUBLE ARGS...]: start the double on HS_ODOO_PORT (or a
# free port the first time) with the store and log in HS_ODOO_DIR (a new
# directory the first time: a restart keeps the records). Sets
# HS_ODOO_PID, HS_ODOO_PORT, HS_ODOO_DIR, HS_ODOO_LOG, HS_ODOO_URL.
hs_odoo_start()
{
	if [ -z "$HS_ODOO_DIR" ]; then
		HS_ODOO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hs-odoo.XXXXXX")
		hs_dirs+=("$HS_ODOO_DIR")
	fi
	HS_ODOO_LOG=$HS_ODOO_DIR/calls.log
	rm -f "$HS_ODOO_DIR/port"
	"$HS_ODOO_PY" "$HS_ODOO_DOUBLE" --port "${HS_ODOO_PORT:-0}" \
	    --port-file "$HS_ODOO_DIR/port" --log "$HS_ODOO_LOG" \
	    --state "$HS_ODOO_DIR/state.json" --db "$HS_ODOO_DB" \
	    --user "$HS_ODOO_USER" --password "$HS_ODOO_PASSWORD" "$@" \
	    >>"$HS_ODOO_DIR/double.out" 2>&1 &
	HS_ODOO_PID=$!
	hs_wait_until 60 hs_odoo_listening
	[ -s "$HS_ODOO_DIR/port" ] || hs_bail "start the odoo double" \
	    "$(tail -n 5 "$HS_ODOO_DIR/double.out")"
	HS_ODOO_PORT=$(cat "$HS_ODOO_DIR/port")
	HS_ODOO_URL=$HS_ODOO_SCHEME://127.0.0.1:$HS_ODOO_PORT
}

# hs_odoo_listening: the double wrote its port, or it is gone.
hs_odoo_listening()
{
	[ -s "$HS_ODOO_DIR/port" ] || ! kill -0 "$HS_ODOO_PID" 2>/dev/null
}

# hs_odoo_stop: stop the double (Odoo down: connections are refused).
hs_odoo_stop()
{
	[ -n "$HS_ODOO_PID" ] || return 0
	kill "$HS_ODOO_PID" 2>/dev/null
	wait "$HS_ODOO_PID" 2>/dev/null
	HS_ODOO_PID=
}

# hs_odoo_conf [KEY=VALUE...]: the configuration arguments naming the
# double (for hs_sync_server), the arguments after them.
hs_odoo_conf()
{
	printf '%s\n' ODOO_HOST=127.0.0.1 "ODOO_PORT=$HS_ODOO_PORT" \
	    ODOO_PROTOCOL=jsonrpc "ODOO_DB=$HS_ODOO_DB" \
	    "ODOO_USER=$HS_ODOO_USER" "ODOO_PASSWORD=$HS_ODOO_PASSWORD" "$@"
}

# hs_odoo_ctl JSON: switch the double (see odoo_double.py).
hs_odoo_ctl()
{
	curl -s --max-time 5 "${HS_ODOO_CURL[@]}" \
	    -H 'Content-Type: application/json' \
	    --data-binary "$1" "$HS_ODOO_URL/control" >/dev/null
}

# hs_odoo_dump: every record and the counters, as one JSON document.
hs_odoo_dump()
{
	curl -s --max-time 10 "${HS_ODOO_CURL[@]}" "$HS_ODOO_URL/dump"
}

# hs_odoo_q JQ: jq -r JQ on a fresh dump.
hs_odoo_q()
{
	hs_odoo_dump | jq -r "$1"
}

# hs_odoo_calls [JQ-SELECT]: the log's calls (one JSON per line) that match
# the jq boolean expression (default: all).
hs_odoo_calls()
{
	[ -f "$HS_ODOO_LOG" ] || return 0
	jq -c "select(${1:-true})" "$HS_ODOO_LOG"
}

# hs_odoo_ncalls [JQ-SELECT]: how many.
hs_odoo_ncalls()
{
	hs_odoo_calls "$1" | wc -l
}

# hs_odoo_contact_body ID [STATE] [DATETIME] [EXTRA JQ]: a contact event.
hs_odoo_contact_body()
{
	jq -nc --arg id "$1" --arg st "${2:-Nuevo}" \
	    --arg dt "${3:-2025-06-05T12:41:36Z}" "{
		manychat_id: \$id, nombre_lead: (\"Lead \" + \$id),
		datetime_actual: \$dt, ultimo_estado: \$st,
		first_name: \"Ana\", last_name: (\"P \" + \$id),
		phone: \"+56912345678\", email: (\$id + \"@example.com\")
	    } ${4:+| $4}"
}

# hs_odoo_campaign_body ID CAMPAIGN [STATE] [DATETIME]
hs_odoo_campaign_body()
{
	jq -nc --arg id "$1" --arg c "$2" --arg st "${3:-Asignado}" \
	    --arg dt "${4:-2025-06-05T12:45:00Z}" '{
		manychat_id: $id, campaign_id: $c, comercial_id: "com-7",
		datetime_actual: $dt, ultimo_estado: $st,
		tipo_asignacion: "Automatica" }'
}

# hs_odoo_no_secret NAME: the password is in nothing a run printed.
hs_odoo_no_secret()
{
	local hits
	hits=$(cat "$hs_sync_tmp"/run-*.err "$hs_sync_tmp"/run-*.out 2>/dev/null |
	    grep -cF -e "$HS_ODOO_PASSWORD")
	[ -z "$hits" ] || [ "$hits" -eq 0 ] && [ -z "$(printf '%s' "$HS_SYNC_OUT" |
	    grep -F -e "$HS_ODOO_PASSWORD")" ] && { hs_ok "$1"; return; }
	hs_not_ok "$1" "the Odoo password appears $hits times"
}
