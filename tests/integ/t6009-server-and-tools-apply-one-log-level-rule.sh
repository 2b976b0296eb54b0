#!/usr/bin/env bash
# The handler, scheduled_sync and spoolctl read one configuration file and
# apply one log-level rule (program/bootstrap.h): DEBUG=true means debug
# even over LOG_LEVEL, else LOG_LEVEL, else the program's default; a
# LOG_LEVEL that is not a level is warned about by each. The three run
# here by hand with the same HOOKSPOOL_CONF (the handler as plain CGI,
# which is how it starts under any server) and their stderr is compared.
. "$(dirname "$0")/lib.sh"

first=${HS_MODES:-lighttpd-fcgi}
[ "$HS_MODE" = "${first%% *}" ] ||
    hs_skip_all "the programs run by hand here; once, in ${first%% *} mode"

# bin PATH: the ASan+UBSan build when there is one, else the normal one.
bin()
{
	if [ -x "$HS_ROOT/build/san/$1" ]; then
		echo "$HS_ROOT/build/san/$1"
	else
		echo "$HS_ROOT/$1"
	fi
}
HOOKS=$(bin cgi-bin/hooks.fcgi)
SYNC=$(bin tools/scheduled_sync)
CTL=$(bin tools/spoolctl)
for b in "$HOOKS" "$SYNC" "$CTL"; do
	[ -x "$b" ] || hs_bail "'$b' is built" "make all san"
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/hs-loglevel.XXXXXX")
hs_dirs+=("$dir")
export HOOKSPOOL_CONF=$dir/hookspool.conf

# run_all [KEY=VALUE ...]: a configuration with these lines, then each
# program once; their stderr in $dir/hooks.err, sync.err, spoolctl.err.
run_all()
{
	{
		echo "API_KEY=$HS_API_KEY"
		echo "SPOOL_PATH=$dir/spool.db"
		printf '%s\n' "$@"
	} >"$HOOKSPOOL_CONF"
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/health \
	    REQUEST_URI=/health SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1 \
	    timeout 60 "$HOOKS" </dev/null >"$dir/hooks.out" 2>"$dir/hooks.err"
	timeout 60 "$SYNC" >/dev/null 2>"$dir/sync.err" </dev/null
	timeout 60 "$CTL" stats >/dev/null 2>"$dir/spoolctl.err" </dev/null
	if cat "$dir"/*.err | grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer'
	then
		hs_not_ok "$*: no sanitizer report" "$(cat "$dir"/*.err)"
	fi
}

# each ERE NAME: every program's stderr matches ERE (PROG stands for its
# name in the log lines: hooks, scheduled_sync, spoolctl).
each()
{
	local p f
	for p in hooks:hooks scheduled_sync:sync spoolctl:spoolctl; do
		f=$dir/${p#*:}.err
		hs_like "$(cat "$f")" "${1//PROG/${p%%:*}}" "${p%%:*}: $2"
	done
}

# none ERE NAME: no program's stderr matches ERE.
none()
{
	local hits
	hits=$(grep -Eh -- "$1" "$dir"/hooks.err "$dir"/sync.err \
	    "$dir"/spoolctl.err)
	if [ -z "$hits" ]; then
		hs_ok "$2"
	else
		hs_not_ok "$2" "$hits"
	fi
}

run_all LOG_LEVEL=debug
hs_like "$(head -n 1 "$dir/hooks.out")" '^Status: 200' "the handler answered /health"
each 'level=debug prog=PROG .*event=start .*log_level=debug because=LOG_LEVEL' \
    "LOG_LEVEL=debug: debug"

run_all DEBUG=true LOG_LEVEL=error
each 'level=debug prog=PROG .*event=start .*log_level=debug because=DEBUG' \
    "DEBUG=true over LOG_LEVEL=error: debug"

run_all LOG_LEVEL=loud
each 'level=warn prog=PROG .*LOG_LEVEL is not one of debug, info, warn, error' \
    "LOG_LEVEL=loud: warned about"
none 'level=debug' "LOG_LEVEL=loud: nobody logs at debug"
hs_like "$(cat "$dir/hooks.err")" 'level=info prog=hooks .*event=request' \
    "LOG_LEVEL=loud: the handler falls back to its default, info"

run_all LOG_LEVEL=warn
none 'level=(debug|info)' "LOG_LEVEL=warn: nobody logs below warn"
hs_like "$(cat "$dir/sync.err")" 'level=warn prog=scheduled_sync .*no sink is configured' \
    "LOG_LEVEL=warn: warnings still shown"

run_all LOG_LEVEL=info
hs_like "$(cat "$dir/hooks.err")" 'level=info prog=hooks .*event=request' \
    "LOG_LEVEL=info: the handler logs the request"
none 'level=debug' "LOG_LEVEL=info: nobody logs at debug"

hs_done
