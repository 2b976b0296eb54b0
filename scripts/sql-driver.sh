# Sourced by scripts/run.sh: sql_driver_hint CONF prints, on stderr, what to
# install when the sql sink of configuration CONF names an ODBC driver that
# is not installed, and nothing otherwise.
#
# Why here and not only in the sink's log: the seed's DATABASE_URL names
# Microsoft's "ODBC Driver 17 for SQL Server", which Debian does not ship;
# without a driver every forwarding run stops (exit 100) while the server
# keeps accepting, and a user of `make run` would find out only in
# sync.log. The drivers tried are the ones lib/sinks/sql/url.c tries for a
# DATABASE_URL (the one it names, then that database's usual drivers), or
# the one ODBC_CONNECTION_STRING names; installed means listed by
# `odbcinst -q -d` (which honours ODBCSYSINI) or, for a path, readable.
# A DSN (DSN=name, the pyodbc DSN form, odbc_connect) is not looked into.

# The value of KEY in CONF as the configuration reads it (last one wins).
sql_conf_value()
{
	local sp='[[:space:]]'
	sed -n "s/^$sp*\(export$sp\{1,\}\)\{0,1\}$2$sp*=$sp*//p" "$1" |
	    tail -n 1 | sed "s/$sp*\$//" |
	    sed 's/^"\(.*\)"$/\1/; s/^'\''\(.*\)'\''$/\1/'
}

# A URL's query parameter NAME, decoded ('+' and %XX).
sql_url_param()
{
	local v
	v=$(tr '?&' '\n\n' <<<"$1" | sed -n "s/^$2=//Ip" | head -n 1)
	v=${v//+/ }
	printf '%b' "${v//%/\\x}"
}

sql_driver_installed()
{
	if [[ $1 == */* ]]; then
		[[ -r $1 ]]
		return
	fi
	{ odbcinst -q -d 2>/dev/null || true; } | grep -Fxiq "[$1]"
}

# The drivers the sink would try, one a line; nothing when it uses a DSN.
sql_driver_candidates()
{
	local odbc url want
	odbc=$(sql_conf_value "$1" ODBC_CONNECTION_STRING)
	url=$(sql_conf_value "$1" DATABASE_URL)
	if [[ -n $odbc ]]; then
		tr ';' '\n' <<<"$odbc" |
		    sed -n 's/^[[:space:]]*driver[[:space:]]*=[[:space:]]*//Ip' |
		    head -n 1 | sed 's/^{\(.*\)}$/\1/'
		return
	fi
	[[ -n $url && $url != *odbc_connect=* ]] || return 0
	want=$(sql_url_param "$url" driver)
	case $url in
	mssql*)
		# mssql+pyodbc://user:pass@dsn: a DSN, no driver named.
		[[ -n $want || $url == *@*[:/]* ]] || return 0
		[[ -z $want ]] || echo "$want"
		printf '%s\n' "ODBC Driver 18 for SQL Server" \
		    "ODBC Driver 17 for SQL Server" FreeTDS ;;
	postgres*)
		[[ -z $want ]] || echo "$want"
		printf '%s\n' "PostgreSQL Unicode" "PostgreSQL ANSI" ;;
	sqlite*)
		[[ -z $want ]] || echo "$want"
		echo SQLite3 ;;
	esac
}

sql_driver_hint()
{
	local c first= installed
	while IFS= read -r c; do
		[[ -n $c ]] || continue
		[[ -n $first ]] || first=$c
		sql_driver_installed "$c" && return 0
	done < <(sql_driver_candidates "$1")
	[[ -n $first ]] || return 0
	# odbcinst fails when nothing is registered: run.sh has pipefail on.
	installed=$({ odbcinst -q -d 2>/dev/null || true; } |
	    sed -n 's/^\[\(.*\)\]$/\1/p' | paste -sd, - | sed 's/,/, /g')
	cat >&2 <<MSG
hookspool: the sql sink's ODBC driver '$first' is not installed
  ('odbcinst -q -d' lists: ${installed:-none}); events wait in the spool
  until a driver for the database is installed:
MSG
	case $first in
	*SQL\ Server* | *[Ff]ree[Tt][Dd][Ss]* | *tdsodbc*)
		cat >&2 <<'HINT'
  FreeTDS (Debian):   sudo apt-get install tdsodbc
                      (DATABASE_URL then uses it; in ODBC_CONNECTION_STRING,
                      Driver=FreeTDS)
  Microsoft's driver: msodbcsql18, from Microsoft's apt repository
                      (README, "SQL over ODBC": the commands for Debian)
HINT
		;;
	*[Pp]ostgre* | *psqlodbc*)
		echo "  sudo apt-get install odbc-postgresql" >&2 ;;
	*[Ss][Qq][Ll]ite*)
		echo "  sudo apt-get install libsqliteodbc" >&2 ;;
	*)
		echo "  the package of that driver" \
		    "(README, \"SQL over ODBC\")" >&2 ;;
	esac
}
