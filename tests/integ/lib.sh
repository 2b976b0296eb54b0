# lib.sh - helpers for the hookspool integration suite (sourced, bash).
#
# The suite runs the real handler behind a real web server: lighttpd with
# mod_fastcgi, Apache with mod_fcgid, or Apache with plain CGI driven by the
# shipped .htaccess. Each server lives in its own mktemp -d with its own
# handler configuration (HOOKSPOOL_CONF) and spool (SPOOL_PATH), on a free
# loopback port, and is killed when the sourcing shell exits.
#
# A test script either finds a server started by tests/run.sh (HS_URL,
# SPOOL_PATH, HOOKSPOOL_CONF, HS_ERRLOG and HS_MODE in the environment) or
# starts one itself with hs_server_start, which is also how a script gets a
# server with a configuration of its own (rate limit, missing key, prefix).
#
# Results are printed TAP-like, "ok N - name" / "not ok N - name", followed
# by "# " diagnostics; hs_done prints the counts and sets the exit status.
#
#   HS_MODE   lighttpd-fcgi (default) | apache-fcgid | apache-cgi
#   HS_BIN    handler binary (default: cgi-bin/hooks.fcgi for the FastCGI
#             modes, build/san/cgi-bin/hooks.fcgi for apache-cgi)
#   HS_TMP    parent of the per-server temporary directories (default TMPDIR)
#   HS_KEEP   non-empty: leave the temporary directories behind
#   HS_PROCS  FastCGI processes lighttpd keeps (default 4)
#   HS_START_AS  start servers as this user instead of root (see
#             hs_server_start); as root, servers drop to HS_RUN_USER
#             (www-data, else nobody) and the spool belongs to that user
#
# Nothing that runs as another user reads the checkout: CI clones it into
# root's home, a directory only root can enter. The handler, the shipped
# server configurations and scheduled_sync are copied into the temporary
# directory of the server or script that runs them (hs_copy_in), servers
# and tools run with such a directory as their working directory, and the
# temporary directories are made below a TMPDIR those users can enter (as
# root, a TMPDIR they cannot enter is replaced by /tmp).

HS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HS_MODE=${HS_MODE:-lighttpd-fcgi}
HS_API=/api/v1
HS_API_KEY=test-api-key
HS_SECRET=shared_secret

HS_LIGHTTPD=/usr/sbin/lighttpd
HS_APACHE=/usr/sbin/apache2
HS_APACHE_MODULES=${HS_APACHE_MODULES:-/usr/lib/apache2/modules}

hs_n=0		# assertions so far
hs_failed=0	# of which failed
hs_pids=()	# process groups of the servers this shell started
declare -A hs_logs=()	# their error logs, by process group
hs_dirs=()	# temporary directories this shell created
hs_scratch=	# this shell's directory for response bodies and headers

# --- TAP-like output -------------------------------------------------------

hs_diag()
{
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

hs_ok()
{
	hs_n=$((hs_n + 1))
	printf 'ok %d - %s\n' "$hs_n" "$1"
}

# hs_not_ok NAME [DIAGNOSTIC...]
hs_not_ok()
{
	hs_n=$((hs_n + 1))
	hs_failed=$((hs_failed + 1))
	printf 'not ok %d - %s\n' "$hs_n" "$1"
	shift
	[ $# -gt 0 ] && hs_diag "$@"
	return 0
}

# hs_is GOT EXPECTED NAME
hs_is()
{
	if [ "$1" == "$2" ]; then
		hs_ok "$3"
	else
		hs_not_ok "$3" "expected: '$2'" "     got: '$1'"
	fi
}

# hs_like GOT ERE NAME
hs_like()
{
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		hs_ok "$3"
	else
		hs_not_ok "$3" "expected to match: /$2/" "                got: '$1'"
	fi
}

# hs_cmp GOT OP EXPECTED NAME  (integer comparison: -eq -ge -le -gt -lt)
hs_cmp()
{
	if [[ "$1" =~ ^-?[0-9]+$ ]] && [ "$1" "$2" "$3" ]; then
		hs_ok "$4"
	else
		hs_not_ok "$4" "expected: $2 $3" "     got: '$1'"
	fi
}

# hs_done: stop the servers this shell started (checking their logs for
# sanitizer reports in apache-cgi mode), print the counts, exit 0 only when
# every assertion passed and there was at least one.
hs_done()
{
	while [ ${#hs_pids[@]} -gt 0 ]; do
		HS_PGID=${hs_pids[-1]}
		hs_server_stop
	done
	printf '# %d passed, %d failed\n' $((hs_n - hs_failed)) "$hs_failed"
	[ "$hs_n" -gt 0 ] && [ "$hs_failed" -eq 0 ]
	exit $?
}

# hs_wait_until SECONDS CMD [ARGS...]: run CMD every 50 ms until it
# succeeds, at most SECONDS long; CMD's last status. This is how a test
# waits for what a server or a tool is doing, never with a fixed sleep: a
# slow machine only waits longer, and SECONDS is a generous bound that
# only a failure reaches.
hs_wait_until()
{
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && { "$@"; return; }
		sleep 0.05
	done
}

# hs_clock_past MS: whether the real clock (epoch ms) is past MS; with
# hs_wait_until, how a test makes sure what it posts next is received
# later than what it posted before.
hs_clock_past()
{
	[ "$(date +%s%3N)" -gt "$1" ]
}

# hs_skip_all REASON: nothing to test in this mode.
hs_skip_all()
{
	printf '# SKIP %s\n' "$1"
	exit 0
}

hs_bail()
{
	hs_not_ok "$1"
	shift
	[ $# -gt 0 ] && hs_diag "$@"
	hs_done
}

# --- tools -----------------------------------------------------------------

# hs_need_tools: every tool the suite uses, with the Debian package to install.
# Prints one line per missing tool and fails when any is missing.
hs_need_tools()
{
	local spec tool pkg missing=0
	for spec in curl:curl jq:jq sqlite3:sqlite3 openssl:openssl \
	    flock:util-linux perl:perl-base timeout:coreutils \
	    setsid:util-linux "$HS_LIGHTTPD:lighttpd" \
	    "$HS_APACHE:apache2"; do
		tool=${spec%:*}
		pkg=${spec##*:}
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "missing tool '$tool' (Debian package $pkg; 'make deps' installs it)" >&2
			missing=1
		fi
	done
	if [ "$(id -u)" -eq 0 ]; then
		for tool in runuser setpriv; do
			if ! command -v "$tool" >/dev/null 2>&1; then
				echo "missing tool '$tool' (Debian package util-linux)" >&2
				missing=1
			fi
		done
	fi
	for spec in mod_fcgid.so:libapache2-mod-fcgid mod_cgid.so:apache2 \
	    mod_rewrite.so:apache2 mod_mpm_event.so:apache2; do
		if [ ! -f "$HS_APACHE_MODULES/${spec%:*}" ]; then
			echo "missing Apache module '$HS_APACHE_MODULES/${spec%:*}' (Debian package ${spec##*:})" >&2
			missing=1
		fi
	done
	return $missing
}

# --- users -----------------------------------------------------------------

# Started as root, the servers drop to HS_RUN_USER; then the spool, the run
# directory and the configuration must belong to that user.
if [ "$(id -u)" -eq 0 ]; then
	if id www-data >/dev/null 2>&1; then
		HS_RUN_USER=${HS_RUN_USER:-www-data}
	else
		HS_RUN_USER=${HS_RUN_USER:-nobody}
	fi
	HS_RUN_GROUP=$(id -gn "$HS_RUN_USER")
else
	HS_RUN_USER=
	HS_RUN_GROUP=
fi

# What the suite writes for a server or a tool must be readable by it
# whatever umask the caller has (CI's root may have 077); files that must
# stay private are given their mode explicitly.
umask 022

# hs_reachable DIR USER...: every USER can enter DIR (search permission on
# every directory of its path).
hs_reachable()
{
	local dir=$1 u
	shift
	for u in "$@"; do
		runuser -u "$u" -- test -x "$dir" 2>/dev/null || return 1
	done
}

# As root, the temporary directories must be reachable by HS_RUN_USER (the
# servers, the handler, scheduled_sync) and by PostgreSQL's user
# (pg_lib.sh: HS_PG_OS_USER): a TMPDIR or HS_TMP below a private home is
# replaced by /tmp. Checked once per run (HS_TMP_CHECKED is exported).
if [ -n "$HS_RUN_USER" ] &&
    [ "${HS_TMP_CHECKED:-}" != "${TMPDIR:-/tmp}:${HS_TMP:-}" ]; then
	hs_tmp_users=("$HS_RUN_USER" "${HS_PG_OS_USER:-nobody}")
	if ! hs_reachable "${TMPDIR:-/tmp}" "${hs_tmp_users[@]}"; then
		HS_TMP_NOTE="TMPDIR '$TMPDIR' cannot be entered by ${hs_tmp_users[*]}: using /tmp"
		export TMPDIR=/tmp HS_TMP_NOTE
	fi
	if [ -n "${HS_TMP:-}" ] && ! hs_reachable "$HS_TMP" "${hs_tmp_users[@]}"; then
		HS_TMP_NOTE+="${HS_TMP_NOTE:+; }HS_TMP '$HS_TMP' cannot be entered by ${hs_tmp_users[*]}: using ${TMPDIR:-/tmp}"
		export HS_TMP_NOTE
		unset HS_TMP
	fi
	HS_TMP_CHECKED=${TMPDIR:-/tmp}:${HS_TMP:-}
	export HS_TMP_CHECKED
	unset hs_tmp_users
fi

# hs_as_server_user CMD...: run CMD as the user the handler runs as, so that
# SQLite files it creates (-wal, -shm) stay usable by the handler. It runs
# in /, not in the caller's directory (which may be in the checkout).
hs_as_server_user()
{
	if [ -n "$HS_RUN_USER" ]; then
		(cd / && exec runuser -u "$HS_RUN_USER" -- "$@")
	else
		"$@"
	fi
}

# hs_copy_in FILE DIR [MODE]: copy FILE into DIR (created if missing, mode
# 0755 like every directory on its way down from the temporary directory)
# as mode MODE (default: 0755 for an executable FILE, else 0644); prints
# the copy's path. This is how a process running as another user gets a
# file of the checkout: the checkout may be where only its owner can go.
hs_copy_in()
{
	local file=$1 dir=$2 mode=$3 copy
	copy=$dir/${file##*/}
	[ -n "$mode" ] || { [ -x "$file" ] && mode=0755 || mode=0644; }
	mkdir -p "$dir" && chmod 0755 "$dir" &&
	    cp -- "$file" "$copy" && chmod "$mode" "$copy" || return 1
	printf '%s\n' "$copy"
}

# --- the spool ---------------------------------------------------------------

# hs_sql SQL: one query on the spool, read-only (never creates the file),
# "|"-separated rows. Empty output and status 1 if the spool does not exist.
hs_sql()
{
	[ -f "$SPOOL_PATH" ] || return 1
	hs_as_server_user sqlite3 -batch -noheader -readonly \
	    -cmd '.timeout 5000' "$SPOOL_PATH" "$1"
}

# hs_sql_count WHERE: number of events matching WHERE (0 without a spool).
hs_sql_count()
{
	local n
	n=$(hs_sql "SELECT count(*) FROM events WHERE $1;" 2>/dev/null)
	echo "${n:-0}"
}

# hs_q STRING: STRING as an SQL string literal.
hs_q()
{
	printf "'%s'" "${1//\'/\'\'}"
}

# hs_rows_key KEY: events stored under idempotency key KEY.
hs_rows_key()
{
	hs_sql_count "idem_key = $(hs_q "$1")"
}

# hs_rows_with TEXT: events whose raw body contains TEXT.
hs_rows_with()
{
	hs_sql_count "instr(CAST(body AS TEXT), $(hs_q "$1")) > 0"
}

# hs_hex STRING: uppercase hex of STRING's bytes (as SQLite's hex() prints).
hs_hex()
{
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | tr 'a-f' 'A-F'
}

# --- ports and processes -----------------------------------------------------

hs_port_in_use()
{
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

hs_free_port()
{
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! hs_port_in_use "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

hs_cleanup()
{
	local pg d
	for pg in "${hs_pids[@]}"; do
		hs_kill_group "$pg"
	done
	hs_pids=()
	if [ -z "$HS_KEEP" ]; then
		for d in "${hs_dirs[@]}"; do
			rm -rf -- "$d"
		done
	fi
	hs_dirs=()
}
trap hs_cleanup EXIT
trap 'exit 130' INT TERM

# hs_group_pids PGID: the live (not zombie) processes of process group PGID,
# read from /proc (no ps on a minimal system).
hs_group_pids()
{
	local pg=$1 f st pid
	for f in /proc/[0-9]*/stat; do
		st=$(cat "$f" 2>/dev/null) || continue
		pid=${st%% *}
		st=${st##*) }	# state ppid pgrp ...
		set -- $st
		[ "$3" = "$pg" ] && [ "$1" != Z ] && echo "$pid"
	done
}

# hs_group_users PGID: the users the live processes of PGID run as.
hs_group_users()
{
	local pid uid
	for pid in $(hs_group_pids "$1"); do
		uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		[ -n "$uid" ] && id -nu "$uid"
	done | sort -u
}

# hs_kill_group PGID: TERM the process group started by this shell (the
# server and the handlers it spawned), KILL what is left after 5 s.
hs_kill_group()
{
	local pg=$1 i
	kill -TERM -- "-$pg" 2>/dev/null || return 0
	for i in $(seq 1 50); do
		[ -z "$(hs_group_pids "$pg")" ] && break
		sleep 0.1
	done
	kill -KILL -- "-$pg" 2>/dev/null
	wait "$pg" 2>/dev/null
	return 0
}

# --- configuration files -----------------------------------------------------

# hs_write_conf FILE [KEY=VALUE | !KEY ...]: the handler's configuration,
# test defaults first; KEY=VALUE overrides or adds, !KEY leaves KEY out.
hs_write_conf()
{
	local file=$1 kv key
	shift
	local -A conf=(
		[API_KEY]=$HS_API_KEY
		[WEBHOOK_SECRET]=$HS_SECRET
		[SPOOL_PATH]=$SPOOL_PATH
		[RATE_LIMIT_REQUESTS]=100000
		[RATE_LIMIT_WINDOW_SECONDS]=60
		[LOG_LEVEL]=info
	)
	for kv in "$@"; do
		if [ "${kv#!}" != "$kv" ]; then
			unset "conf[${kv#!}]"
		else
			conf[${kv%%=*}]=${kv#*=}
		fi
	done
	{
		echo "# written by tests/integ/lib.sh for one test server"
		for key in $(printf '%s\n' "${!conf[@]}" | sort); do
			printf '%s=%s\n' "$key" "${conf[$key]}"
		done
	} >"$file"
}

# hs_apache_conf DIR MODE DROP_USER: the test server's httpd.conf.
hs_apache_conf()
{
	local dir=$1 mode=$2 drop=$3 m
	echo "# written by tests/integ/lib.sh: $mode"
	echo "ServerRoot \"$dir\""
	echo "ServerName 127.0.0.1"
	if [ "$mode" = apache-fcgid ]; then
		# The main server is another site (static, on its own port);
		# hookspool is the site apache/hookspool-site.conf defines.
		echo "Listen 127.0.0.1:$HS_OTHER_PORT"
	else
		echo "Listen 127.0.0.1:$HS_PORT"
	fi
	echo "PidFile \"$dir/run/httpd.pid\""
	echo "DefaultRuntimeDir \"$dir/run\""
	echo "Mutex file:$dir/run default"
	echo "ErrorLog \"$dir/run/error.log\""
	echo "LogLevel warn"
	echo "LoadModule mpm_event_module $HS_APACHE_MODULES/mod_mpm_event.so"
	for m in authz_core alias mime dir env rewrite; do
		echo "LoadModule ${m}_module $HS_APACHE_MODULES/mod_$m.so"
	done
	for m in log_config unixd; do
		echo "<IfModule !${m}_module>"
		echo "  LoadModule ${m}_module $HS_APACHE_MODULES/mod_$m.so"
		echo "</IfModule>"
	done
	if [ "$mode" = apache-fcgid ]; then
		echo "LoadModule fcgid_module $HS_APACHE_MODULES/mod_fcgid.so"
		echo "FcgidIPCDir \"$dir/run/fcgid\""
		echo "FcgidProcessTableFile \"$dir/run/fcgid_shm\""
	else
		echo "LoadModule cgid_module $HS_APACHE_MODULES/mod_cgid.so"
		echo "ScriptSock \"$dir/run/cgid.sock\""
	fi
	if [ -n "$drop" ]; then
		echo "User $drop"
		echo "Group $(id -gn "$drop")"
	fi
	cat <<-EOF
	LogFormat "%h \"%r\" %>s %b %D" hs
	CustomLog "$dir/run/access.log" hs
	TypesConfig /dev/null
	Timeout 20
	KeepAlive On
	# An answer cut short (see hs_complete) then costs 2 s, not 5.
	KeepAliveTimeout 2
	StartServers 1
	ServerLimit 4
	ThreadLimit 32
	ThreadsPerChild 32
	MaxRequestWorkers 96
	MinSpareThreads 8
	MaxSpareThreads 96
	DocumentRoot "$dir/htdocs"
	<Directory />
	  AllowOverride None
	  Require all denied
	</Directory>
	EOF
	if [ "$mode" = apache-fcgid ]; then
		# Another site next to hookspool, as on a real server: it must
		# keep serving its own "/" (t6008).
		cat <<-EOF
		<Directory "$dir/htdocs">
		  Require all granted
		</Directory>
		EOF
		# The shipped site file, exactly (copied unedited by
		# hs_server_start, with the hookspool.conf it includes), at
		# server level as a2ensite enables it: this is what the test
		# is about.
		echo "Include \"$dir/home/apache/hookspool-site.conf\""
		return
	fi
	# Shared hosting: the host allows .htaccess overrides and CGI, no more.
	cat <<-EOF
	<Directory "$dir/htdocs">
	  AllowOverride All
	  Options FollowSymLinks
	  Require all granted
	EOF
	for m in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		[ -n "${!m}" ] && echo "  PassEnv $m"
	done
	echo "</Directory>"
}

# --- servers -------------------------------------------------------------------

hs_default_bin()
{
	case $1 in
	apache-cgi)	echo "$HS_ROOT/build/san/cgi-bin/hooks.fcgi" ;;
	*)		echo "$HS_ROOT/cgi-bin/hooks.fcgi" ;;
	esac
}

# hs_server_start [KEY=VALUE | !KEY ...]: start a server of HS_MODE with a
# fresh spool and a configuration of the test defaults plus the arguments
# (see hs_write_conf; ROOT_PATH=... also sets HS_PREFIX). Started as root,
# the server drops to HS_RUN_USER itself; with HS_START_AS=USER it is started
# as USER instead, as an ordinary user would start it. Sets HS_URL,
# HS_PREFIX, HS_PORT, HS_DIR, HS_ERRLOG, SPOOL_PATH, HOOKSPOOL_CONF and
# exports them. Fails with the server's log on stderr if it does not answer.
hs_server_start()
{
	local try
	for try in 1 2 3; do
		hs_server_start_once "$@" && return 0
		# A port taken between the check and the bind: try another.
		grep -Eqi 'address already in use|could not bind' \
		    "$HS_ERRLOG" "$HS_DIR/server.out" 2>/dev/null || break
	done
	echo "cannot start $HS_MODE server; its log follows" >&2
	tail -n 30 "$HS_DIR/server.out" "$HS_DIR/run/error.log" "$HS_ERRLOG" \
	    2>/dev/null | sed 's/^/  /' >&2
	return 1
}

hs_server_start_once()
{
	local dir bin kv pg owner=$HS_RUN_USER drop=$HS_RUN_USER as=()
	if [ -n "$HS_START_AS" ]; then
		owner=$HS_START_AS
		drop=
		as=(setpriv "--reuid=$HS_START_AS" "--regid=$(id -g "$HS_START_AS")"
		    --init-groups)
	fi
	bin=${HS_BIN:-$(hs_default_bin "$HS_MODE")}
	if [ ! -x "$bin" ]; then
		echo "handler binary '$bin' not built (make all san)" >&2
		return 1
	fi
	dir=$(mktemp -d "${HS_TMP:-${TMPDIR:-/tmp}}/hookspool-integ.XXXXXX") || return 1
	hs_dirs+=("$dir")
	mkdir -p "$dir/spool" "$dir/run" "$dir/htdocs"
	HS_DIR=$dir
	HS_PORT=$(hs_free_port) || return 1
	HS_URL=http://127.0.0.1:$HS_PORT
	HS_PREFIX=
	for kv in "$@"; do
		case $kv in ROOT_PATH=*) HS_PREFIX=${kv#ROOT_PATH=} ;; esac
	done
	SPOOL_PATH=$dir/spool/spool.db
	HOOKSPOOL_CONF=$dir/hookspool.conf
	hs_write_conf "$HOOKSPOOL_CONF" "$@"
	chmod 0755 "$dir" "$dir/htdocs"
	chmod 0700 "$dir/spool" "$dir/run"
	chmod 0600 "$HOOKSPOOL_CONF"
	if [ -n "$owner" ]; then
		chown "$owner:$(id -g "$owner")" "$dir/spool" "$dir/run" \
		    "$HOOKSPOOL_CONF"
	fi

	# An install dir of the server's own, readable by the user the server
	# runs as (the checkout may not be): the handler as
	# cgi-bin/hooks.fcgi below HOOKSPOOL_HOME, as the shipped configs run
	# it, and those configs, copied unedited.
	local home=$dir/home
	HS_HANDLER=$(hs_copy_in "$bin" "$home/cgi-bin" 0755) &&
	    hs_copy_in "$HS_ROOT/lighttpd/hookspool.conf" "$home/lighttpd" >/dev/null &&
	    hs_copy_in "$HS_ROOT/apache/hookspool.conf" "$home/apache" >/dev/null &&
	    hs_copy_in "$HS_ROOT/apache/hookspool-site.conf" "$home/apache" >/dev/null ||
	    return 1
	HS_ERRLOG=$dir/run/error.log
	case $HS_MODE in
	lighttpd-fcgi)
		# The handler's stderr; lighttpd's own log is error.log.
		HS_ERRLOG=$dir/run/hooks.log
		(cd "$dir" &&
		HOOKSPOOL_HOME=$home HOOKSPOOL_PORT=$HS_PORT \
		HOOKSPOOL_CONF=$HOOKSPOOL_CONF HOOKSPOOL_RUNDIR=$dir/run \
		HOOKSPOOL_BIND=127.0.0.1 HOOKSPOOL_PROCS=${HS_PROCS:-4} \
		HOOKSPOOL_USER=$drop \
		    exec setsid "${as[@]}" "$HS_LIGHTTPD" -D -f "$home/lighttpd/hookspool.conf" \
		    </dev/null >"$dir/server.out" 2>&1) &
		pg=$!
		;;
	apache-fcgid|apache-cgi)
		if [ "$HS_MODE" = apache-cgi ]; then
			cp "$bin" "$dir/htdocs/hooks.fcgi"
			chmod 0755 "$dir/htdocs/hooks.fcgi"
			# The shipped .htaccess plus the one line its comment
			# tells a user to add.
			{
				cat "$HS_ROOT/apache/.htaccess"
				echo "SetEnv HOOKSPOOL_CONF $HOOKSPOOL_CONF"
			} >"$dir/htdocs/.htaccess"
			chmod 0644 "$dir/htdocs/.htaccess"
		fi
		if [ "$HS_MODE" = apache-fcgid ]; then
			HS_OTHER_PORT=$(hs_free_port) || return 1
			while [ "$HS_OTHER_PORT" = "$HS_PORT" ]; do
				HS_OTHER_PORT=$(hs_free_port) || return 1
			done
			HS_OTHER_URL=http://127.0.0.1:$HS_OTHER_PORT
			echo "another site" >"$dir/htdocs/index.html"
			chmod 0644 "$dir/htdocs/index.html"
		fi
		hs_apache_conf "$dir" "$HS_MODE" "$drop" >"$dir/httpd.conf"
		(cd "$dir" &&
		HOOKSPOOL_HOME=$home HOOKSPOOL_CONF=$HOOKSPOOL_CONF \
		HOOKSPOOL_BIND=127.0.0.1 HOOKSPOOL_PORT=$HS_PORT \
		    exec setsid "${as[@]}" "$HS_APACHE" -f "$dir/httpd.conf" -DFOREGROUND \
		    </dev/null >"$dir/server.out" 2>&1) &
		pg=$!
		;;
	*)
		echo "unknown HS_MODE '$HS_MODE'" >&2
		return 1
		;;
	esac
	hs_pids+=("$pg")
	hs_logs[$pg]=$HS_ERRLOG
	HS_PGID=$pg
	export HS_URL HS_PREFIX HS_PORT HS_DIR HS_ERRLOG SPOOL_PATH \
	    HOOKSPOOL_CONF HS_MODE HS_PGID HS_HANDLER HS_OTHER_URL
	hs_wait_ready "$pg"
}

# hs_wait_ready PID: until the server answers any HTTP status (10 s).
hs_wait_ready()
{
	local i code
	for i in $(seq 1 100); do
		if ! kill -0 "$1" 2>/dev/null; then
			return 1
		fi
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		    "$HS_URL$HS_PREFIX/health" 2>/dev/null)
		[ "$code" != 000 ] && [ -n "$code" ] && return 0
		sleep 0.1
	done
	return 1
}

# hs_server_stop: stop the server hs_server_start started last; for a
# sanitizer build (apache-cgi, or HS_CHECK_SANITIZERS=1) assert that its log
# holds no sanitizer report.
hs_server_stop()
{
	local pg=$HS_PGID keep=() p
	[ -n "$pg" ] || return 0
	hs_kill_group "$pg"
	for p in "${hs_pids[@]}"; do
		[ "$p" != "$pg" ] && keep+=("$p")
	done
	hs_pids=("${keep[@]}")
	if [ "$HS_MODE" = apache-cgi ] || [ -n "$HS_CHECK_SANITIZERS" ]; then
		hs_check_sanitizers "${hs_logs[$pg]}"
	fi
	unset "hs_logs[$pg]"
	HS_PGID=
}

# hs_check_sanitizers [LOG]: one assertion that the server log holds no
# ASan/UBSan/LSan report (only meaningful for a sanitizer build).
hs_check_sanitizers()
{
	local log=${1:-$HS_ERRLOG} hits
	hits=$(grep -E 'runtime error|AddressSanitizer|LeakSanitizer' "$log" 2>/dev/null | head -n 20)
	if [ -z "$hits" ]; then
		hs_ok "no sanitizer report in the server log"
	else
		hs_not_ok "no sanitizer report in the server log" "$hits"
	fi
}

# hs_use_server [KEY=VALUE ...]: the server from tests/run.sh when there is
# one and no special configuration is asked for, else a fresh one.
hs_use_server()
{
	if [ $# -eq 0 ] && [ -n "$HS_URL" ] && [ -n "$SPOOL_PATH" ]; then
		return 0
	fi
	hs_server_start "$@" || hs_bail "start a $HS_MODE server"
}

# hs_own_server [KEY=VALUE ...]: always a fresh server (for tests that need a
# clean spool or their own configuration); in apache-cgi mode the log is
# checked for sanitizer reports when the script ends.
hs_own_server()
{
	hs_server_start "$@" || hs_bail "start a $HS_MODE server"
}

# --- HTTP ----------------------------------------------------------------------

# hs_req METHOD PATH [CURL ARGS...]: one request to HS_URL + HS_PREFIX + PATH.
# Sets HS_STATUS (000 when no answer), HS_BODY (the body as text), HS_HDRS
# (the header file) and HS_CURL_RC (curl's exit status: 18 = the answer was
# cut short, 52 = no answer at all).
hs_req()
{
	local method=$1 path=$2
	shift 2
	local tmp
	if [ -z "$hs_scratch" ]; then
		hs_scratch=$(mktemp -d "${TMPDIR:-/tmp}/hs-req.XXXXXX")
		hs_dirs+=("$hs_scratch")
	fi
	tmp=$hs_scratch
	rm -f "$tmp/body" "$tmp/headers"
	HS_HDRS=$tmp/headers
	HS_STATUS=$(curl -s -X "$method" -o "$tmp/body" -D "$HS_HDRS" \
	    -w '%{http_code}' --max-time "${HS_TIMEOUT:-20}" "$@" \
	    "$HS_URL$HS_PREFIX$path")
	HS_CURL_RC=$?
	HS_BODY=$(cat "$tmp/body" 2>/dev/null)
}

# hs_post PATH BODY [CURL ARGS...]: POST BODY (@FILE: the file's bytes) with
# Content-Type HS_CT (default application/json; empty: no Content-Type).
hs_post()
{
	local path=$1 body=$2 ct=${HS_CT-application/json}
	shift 2
	if [ -n "$ct" ]; then
		set -- -H "Content-Type: $ct" "$@"
	else
		set -- -H 'Content-Type:' "$@"
	fi
	hs_req POST "$path" --data-binary "$body" "$@"
}

# hs_post_contact BODY [CURL ARGS...] / hs_post_campaign: with X-API-KEY
# HS_KEY (default the configured key; empty: no X-API-KEY header).
hs_post_contact()
{
	hs_post_manychat contact "$@"
}

hs_post_campaign()
{
	hs_post_manychat campaign-assignment "$@"
}

hs_post_manychat()
{
	local what=$1 body=$2 key=${HS_KEY-$HS_API_KEY}
	shift 2
	[ -n "$key" ] && set -- -H "X-API-KEY: $key" "$@"
	hs_post "$HS_API/manychat/webhook/$what" "$body" "$@"
}

# hs_sign BODY [SECRET]: lowercase hex HMAC-SHA256 of BODY (no newline added).
hs_sign()
{
	printf '%s' "$1" | openssl dgst -sha256 -hmac "${2:-$HS_SECRET}" -r |
	    cut -d' ' -f1
}

# hs_sha256 BODY: lowercase hex SHA-256 of BODY.
hs_sha256()
{
	printf '%s' "$1" | openssl dgst -sha256 -r | cut -d' ' -f1
}

# hs_post_signed BODY [CURL ARGS...]: POST to /webhook/receive, signed.
hs_post_signed()
{
	local body=$1
	shift
	hs_post /webhook/receive "$body" \
	    -H "x-webhook-signature: $(hs_sign "$body")" "$@"
}

# hs_header NAME: value of response header NAME (case-insensitive), or empty.
hs_header()
{
	tr -d '\r' <"$HS_HDRS" 2>/dev/null |
	    awk -v n="$(printf '%s' "$1" | tr 'A-Z' 'a-z')" '
		BEGIN { FS = ":" }
		tolower($1) == n { sub(/^[^:]*:[ \t]*/, ""); v = $0 }
		END { print v }'
}

# hs_json FILTER: jq -r FILTER on HS_BODY ("<not json>" if it is not JSON).
hs_json()
{
	printf '%s' "$HS_BODY" | jq -r "$1" 2>/dev/null || echo '<not json>'
}

# hs_is_json NAME: HS_BODY is one JSON object and Content-Type says JSON.
hs_is_json()
{
	local ct
	ct=$(hs_header Content-Type)
	if printf '%s' "$HS_BODY" | jq -e 'type == "object"' >/dev/null 2>&1 &&
	    [[ "$ct" == application/json* ]]; then
		hs_ok "$1"
	else
		hs_not_ok "$1" "Content-Type: '$ct'" "body: '${HS_BODY:0:300}'"
	fi
}

# hs_complete NAME: the last answer arrived whole (curl exit status 0).
hs_complete()
{
	if [ "$HS_CURL_RC" -eq 0 ]; then
		hs_ok "$1: complete answer"
	else
		hs_not_ok "$1: complete answer" "curl exit status $HS_CURL_RC"
	fi
}

# hs_expect_error STATUS NAME: status, JSON error envelope with a
# non-empty "error" and a string "detail".
hs_expect_error()
{
	local status=$1 name=$2
	hs_is "$HS_STATUS" "$status" "$name: status $status"
	hs_complete "$name"
	if printf '%s' "$HS_BODY" | jq -e \
	    '(.error | type == "string" and length > 0) and (.detail | type == "string")' \
	    >/dev/null 2>&1; then
		hs_ok "$name: JSON error envelope"
	else
		hs_not_ok "$name: JSON error envelope" "body: '${HS_BODY:0:300}'"
	fi
}

# hs_raw REQUEST [HALF_CLOSE]: send REQUEST ("\r\n" written literally) on a
# raw TCP connection, print what the server answers (10 s at most). With
# HALF_CLOSE=1 the write side is shut down after sending. Status 0 when
# the server closed the connection (it is done with the request), 3 when
# it still held it after 10 s.
hs_raw()
{
	perl -MIO::Socket::INET -e '
		my ($port, $req, $half) = @ARGV;
		$req =~ s/\\r\\n/\r\n/g;
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
		    PeerPort => $port, Proto => "tcp") or die "connect: $!\n";
		print $s $req;
		$s->flush;
		$s->shutdown(1) if $half;
		local $SIG{ALRM} = sub { exit 3 };
		alarm 10;
		my $buf;
		print $buf while sysread($s, $buf, 65536);
	' "$HS_PORT" "$1" "${2:-0}"
}

# hs_unique: a string no other request of this run has used.
hs_unique()
{
	printf '%s-%s-%s-%s' "${1:-t}" "$$" "$(date +%s%N)" "$RANDOM"
}

# Body builders. hs_contact_body ID [DATETIME]: a seed-shaped contact.
hs_contact_body()
{
	jq -nc --arg id "$1" --arg dt "${2:-2025-06-05T12:41:36Z}" '{
		manychat_id: $id, nombre_lead: "Test Contact Data",
		datetime_actual: $dt, ultimo_estado: "Nuevo",
		id: "1234567890_manychat_id", first_name: "Test",
		last_name: "Data", phone: "+56912345678",
		email: "test.data@example.com" }'
}

# hs_campaign_body ID CAMPAIGN [DATETIME]
hs_campaign_body()
{
	jq -nc --arg id "$1" --arg c "$2" --arg dt "${3:-2025-06-05T12:41:36Z}" '{
		manychat_id: $id, campaign_id: $c, comercial_id: "com-7",
		datetime_actual: $dt, ultimo_estado: "Asignado",
		tipo_asignacion: "automatica" }'
}

# hs_signed_body TYPE UNIQUE: a valid signed body of TYPE.
hs_signed_body()
{
	case $1 in
	reservation_update)
		jq -nc --arg u "$2" '{type: "reservation_update",
		    content: ("reserva " + $u), user_id: $u,
		    timestamp: "2025-06-05T12:41:36Z",
		    metadata: {reservation_id: ("r-" + $u), status: "confirmed"}}' ;;
	promo)
		jq -nc --arg u "$2" '{type: "promo", content: ("promo " + $u),
		    timestamp: "2025-06-05T12:41:36Z",
		    metadata: {promo_id: ("p-" + $u),
		        valid_until: "2025-12-31T23:59:59Z", discount: 15}}' ;;
	user_info)
		jq -nc --arg u "$2" '{type: "user_info", content: ("info " + $u),
		    user_id: $u, metadata: {}}' ;;
	esac
}
