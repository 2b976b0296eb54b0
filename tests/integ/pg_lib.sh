# pg_lib.sh - a throwaway PostgreSQL (and a SQLite destination) for the SQL
# sink's tests and bench (sourced after lib.sh and sync_lib.sh, bash).
#
# Debian's own binaries (/usr/lib/postgresql/<version>/bin, package
# postgresql), never its cluster service: initdb makes a cluster in a
# mktemp -d, pg_ctl starts it on a free loopback TCP port (never 5432) with
# its socket and log in that directory, and it is stopped when the sourcing shell
# exits. PostgreSQL refuses to run as root, so as root every server command
# runs as HS_PG_OS_USER (default nobody, via runuser) and the cluster
# directory belongs to that user; as an ordinary user it runs as that user.
#
# The database user hs_pg / HS_PG_PASSWORD owns database hookspool; TCP
# logins need the password (scram-sha-256), so a wrong one is refused the
# way a real server refuses it. The sink reaches the server through
# psqlODBC by driver file path (HS_PG_CS), independent of /etc/odbcinst.ini.
#
# psqlODBC takes its logging from odbcinst.ini (the [PostgreSQL Unicode]
# and [PostgreSQL ANSI] sections, whatever the connection string says),
# and Debian's registers the drivers with CommLog=1: every connection then
# leaves a /tmp/psqlodbc_*.log behind. hs_pg_start therefore points
# ODBCSYSINI at an odbcinst.ini of the cluster's directory that registers
# both drivers by name, as Debian does, with every log off.
#
#   hs_pg_start [fast]   start a new cluster; "fast": no fsync (tests)
#   hs_pg_stop [MODE]    stop it (pg_ctl -m MODE: fast, immediate)
#   hs_pg_restart        start the stopped cluster again, same port
#   hs_pg_psql SQL       one psql command as hs_pg, unaligned output
#   hs_pg_schema         sql/schema/postgresql.sql, as the README says
#   hs_odbc_driver FILE  the full path of an ODBC driver library
#   hs_pg_odbcinst DIR   DIR/odbcinst.ini: psqlODBC registered, logs off
#   hs_pg_no_driver_log PID NAME  assert: PID left no psqlodbc_*.log
#   hs_sqlite_dest       a SQLite destination with sql/schema/sqlite.sql
#   hs_dest_sql SQL      one query on it
#
# Sets HS_PG_DIR, HS_PG_PORT, HS_PG_BIN, HS_PG_CS (an ODBC connection
# string), HS_PG_URL (postgresql://...), HS_PG_PASSWORD, and exports
# ODBCSYSINI.

HS_PG_OS_USER=${HS_PG_OS_USER:-nobody}
HS_PG_PASSWORD=hs-pg-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
HS_PG_DB=hookspool
HS_PG_USER=hs_pg
HS_PG_DIR=
HS_PG_PORT=
hs_pg_dirs=()

# hs_pg_bin: the newest installed /usr/lib/postgresql/*/bin.
hs_pg_bin()
{
	local d best=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/pg_ctl" ] && best=$d
	done
	[ -n "$best" ] && echo "$best"
}

# hs_odbc_driver NAME: the full path of a driver library, e.g. psqlodbcw.so.
hs_odbc_driver()
{
	local f
	for f in /usr/lib/*/odbc/"$1" /usr/lib/odbc/"$1" /usr/lib64/"$1"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# hs_pg_odbcinst DIR: write DIR/odbcinst.ini (DIR must exist), registering
# psqlODBC's drivers under Debian's names with their logs off; readable by
# every user (scheduled_sync runs as the handler's).
hs_pg_odbcinst()
{
	local name file
	{
		echo "# written by tests/integ/pg_lib.sh: psqlODBC, logs off"
		for name in "PostgreSQL Unicode:psqlodbcw.so" \
		    "PostgreSQL ANSI:psqlodbca.so"; do
			file=$(hs_odbc_driver "${name#*:}") || continue
			printf '[%s]\nDescription=%s (test)\nDriver=%s\nDebug=0\nCommLog=0\n' \
			    "${name%%:*}" "${name%%:*}" "$file"
		done
	} >"$1/odbcinst.ini" && chmod 0644 "$1/odbcinst.ini"
}

# hs_pg_no_driver_log PID NAME: assert that process PID (a run through
# psqlODBC) left no psqlodbc_*PID.log in /tmp or TMPDIR, where the driver
# writes its logs when they are on.
hs_pg_no_driver_log()
{
	local f hits=
	for f in /tmp/psqlodbc_* "${TMPDIR:-/tmp}"/psqlodbc_*; do
		[[ $f =~ [^0-9]$1\.log$ ]] && [[ $hits != *"$f"* ]] && hits+="$f "
	done
	hs_is "$hits" "" "$2"
}

# hs_pg_as CMD...: run a server command as the cluster's owner.
hs_pg_as()
{
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u "$HS_PG_OS_USER" -- "$@")
	else
		(cd / && "$@")
	fi
}

hs_pg_cleanup()
{
	local d
	for d in "${hs_pg_dirs[@]}"; do
		[ -f "$d/data/postmaster.pid" ] &&
		    hs_pg_as "$HS_PG_BIN/pg_ctl" -D "$d/data" -m immediate \
		    stop >/dev/null 2>&1
		[ -n "$HS_KEEP" ] || rm -rf -- "$d"
	done
	hs_pg_dirs=()
}

# hs_pg_start [fast]: a new cluster in a mktemp -d. Fails (with the server
# log on stderr) when it cannot start.
hs_pg_start()
{
	local dir try opts
	HS_PG_BIN=$(hs_pg_bin) || {
		echo "PostgreSQL is not installed (Debian package postgresql; 'make deps' installs it)" >&2
		return 1
	}
	dir=$(mktemp -d "${TMPDIR:-/tmp}/hs-pg.XXXXXX") || return 1
	hs_pg_dirs+=("$dir")
	chmod 0755 "$dir"
	mkdir "$dir/data" "$dir/run"
	printf '%s\n' "$HS_PG_PASSWORD" >"$dir/pwfile"
	[ "$(id -u)" -eq 0 ] &&
	    chown "$HS_PG_OS_USER:$(id -g "$HS_PG_OS_USER")" "$dir/data" \
	    "$dir/run" "$dir/pwfile"
	chmod 0700 "$dir/data"
	HS_PG_DIR=$dir
	if ! hs_pg_as "$HS_PG_BIN/initdb" -D "$dir/data" -U "$HS_PG_USER" \
	    --pwfile="$dir/pwfile" --auth-local=trust \
	    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
	    >"$dir/initdb.log" 2>&1; then
		echo "initdb failed:" >&2
		tail -n 20 "$dir/initdb.log" >&2
		return 1
	fi
	opts="-c listen_addresses=127.0.0.1 -k $dir/run -c max_connections=20"
	# fast: no fsync, which only an OS crash would make lose a commit;
	# synchronous_commit stays on, so a killed server loses none.
	[ "${1:-}" = fast ] && opts+=" -c fsync=off -c full_page_writes=off"
	HS_PG_OPTS=$opts
	for try in 1 2 3 4 5; do
		HS_PG_PORT=$(hs_free_port) || return 1
		[ "$HS_PG_PORT" = 5432 ] && continue
		hs_pg_ctl_start && break
		grep -qi 'could not bind\|already in use' "$dir/run/server.log" ||
		    { tail -n 20 "$dir/run/server.log" >&2; return 1; }
	done
	[ -f "$dir/data/postmaster.pid" ] || return 1
	hs_pg_psql "CREATE DATABASE $HS_PG_DB;" >/dev/null ||
	    { echo "cannot create database $HS_PG_DB" >&2; return 1; }
	HS_PG_CS="Driver=$(hs_odbc_driver psqlodbcw.so);Servername=127.0.0.1;Port=$HS_PG_PORT;Database=$HS_PG_DB;Username=$HS_PG_USER;Password=$HS_PG_PASSWORD;SSLmode=disable"
	HS_PG_URL="postgresql://$HS_PG_USER:$HS_PG_PASSWORD@127.0.0.1:$HS_PG_PORT/$HS_PG_DB"
	mkdir "$dir/odbc" && chmod 0755 "$dir/odbc" && hs_pg_odbcinst "$dir/odbc" ||
	    { echo "cannot write $dir/odbc/odbcinst.ini" >&2; return 1; }
	ODBCSYSINI=$dir/odbc
	export HS_PG_DIR HS_PG_PORT HS_PG_BIN HS_PG_CS HS_PG_URL ODBCSYSINI
}

hs_pg_ctl_start()
{
	hs_pg_as "$HS_PG_BIN/pg_ctl" -D "$HS_PG_DIR/data" \
	    -l "$HS_PG_DIR/run/server.log" -w -t 30 \
	    -o "$HS_PG_OPTS -p $HS_PG_PORT" start >/dev/null 2>&1
}

# hs_pg_stop [MODE]: stop the server (fast by default; immediate = crash).
hs_pg_stop()
{
	hs_pg_as "$HS_PG_BIN/pg_ctl" -D "$HS_PG_DIR/data" -m "${1:-fast}" \
	    -w -t 30 stop >/dev/null 2>&1
}

# hs_pg_restart: start the stopped cluster again on its port.
hs_pg_restart()
{
	hs_pg_ctl_start || { tail -n 20 "$HS_PG_DIR/run/server.log" >&2; return 1; }
}

# hs_pg_psql SQL [DB]: run SQL as hs_pg over the socket; "|"-separated
# rows, no header. Fails on any SQL error.
hs_pg_psql()
{
	hs_pg_as "$HS_PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
	    -h "$HS_PG_DIR/run" -p "$HS_PG_PORT" -U "$HS_PG_USER" \
	    -d "${2:-postgres}" -c "$1"
}

# hs_pg_schema: create the sink's tables with the shipped file, through
# TCP with the password, exactly as the README's psql line does.
hs_pg_schema()
{
	PGPASSWORD=$HS_PG_PASSWORD PGOPTIONS="-c client_min_messages=warning" \
	    "$HS_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
	    -h 127.0.0.1 -p "$HS_PG_PORT" -U "$HS_PG_USER" -d "$HS_PG_DB" \
	    -f "$HS_ROOT/sql/schema/postgresql.sql"
}

# Source this after sync_lib.sh (when used): the cluster is stopped first,
# then everything the other helpers started.
hs_pg_exit()
{
	hs_pg_cleanup
	if declare -F hs_sync_cleanup >/dev/null; then
		hs_sync_cleanup
	else
		hs_cleanup
	fi
}
trap hs_pg_exit EXIT

# --- the SQLite destination --------------------------------------------------

# hs_sqlite_dest: a fresh SQLite destination file with the shipped schema,
# created with the README's sqlite3 line as the handler's user (who also
# runs scheduled_sync). Sets HS_SQLITE_DB and HS_SQLITE_CS (driver by path).
hs_sqlite_dest()
{
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/hs-sqlite.XXXXXX") || return 1
	hs_pg_dirs+=("$d")
	chmod 0755 "$d"
	[ -n "$HS_RUN_USER" ] && chown "$HS_RUN_USER:$HS_RUN_GROUP" "$d"
	HS_SQLITE_DB=$d/destination.db
	# The file is read here and fed on stdin: that user may not be able
	# to read the checkout.
	hs_as_server_user sqlite3 "$HS_SQLITE_DB" \
	    <"$HS_ROOT/sql/schema/sqlite.sql" || return 1
	HS_SQLITE_CS="Driver=$(hs_odbc_driver libsqlite3odbc.so);Database=$HS_SQLITE_DB;Timeout=5000"
}

# hs_dest_sql SQL: one query on the SQLite destination, "|"-separated.
hs_dest_sql()
{
	sqlite3 -batch -noheader -readonly -cmd '.timeout 5000' \
	    "$HS_SQLITE_DB" "$1"
}
