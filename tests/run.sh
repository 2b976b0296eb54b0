#!/usr/bin/env bash
# run.sh - the suite `make test` runs.
#
#   tests/run.sh          unit tests, then the integration suite
#   tests/run.sh unit     build/san/unit/test_* (cmocka) only
#   tests/run.sh integ    the integration suite only
#
# The integration suite (tests/integ/t*.sh) runs once per server mode, each
# against a server started here with the test defaults (scripts that need
# another configuration start their own):
#   lighttpd-fcgi  lighttpd + mod_fastcgi, cgi-bin/hooks.fcgi
#   apache-fcgid   Apache + mod_fcgid (apache/hookspool.conf), cgi-bin/hooks.fcgi
#   apache-cgi     Apache + apache/.htaccess, plain CGI, the ASan+UBSan build
#                  build/san/cgi-bin/hooks.fcgi; any sanitizer report in a
#                  server log fails the pass
# Environment: HS_MODES (default: all three), HS_ONLY (a glob on script
# names, e.g. 't1*'), HS_VERBOSE=1 (print every ok line, not only failures),
# HS_KEEP=1 (keep the servers' temporary directories).
#
# The last line of output is always "N passed, N failed"; the exit status is
# non-zero when anything failed.

cd "$(dirname "$0")/.." || exit 2
what=${1:-all}
passed=0
failed=0

summary()
{
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

case $what in
all|unit|integ) ;;
*)
	echo "usage: tests/run.sh [unit|integ]" >&2
	failed=1
	summary
	;;
esac

# --- unit tests --------------------------------------------------------------

run_unit()
{
	local bin out p f rc
	local bins=(build/san/unit/test_*)
	if [ ! -e "${bins[0]}" ]; then
		echo "# unit: no build/san/unit/test_* binaries (make san builds them)"
		return
	fi
	for bin in "${bins[@]}"; do
		[ -x "$bin" ] || continue
		out=$(ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
		    timeout 300 "$bin" 2>&1)
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' <<<"$out" | tail -n 1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' <<<"$out" | tail -n 1)
		p=${p:-0}
		f=${f:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			# Crashed, aborted by a sanitizer or timed out before
			# cmocka could count: that is one failure at least.
			f=1
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" -gt 0 ]; then
			echo "not ok - unit ${bin##*/}: $p passed, $f failed (exit $rc)"
			sed 's/^/# /' <<<"$out" | tail -n 40
		else
			echo "ok - unit ${bin##*/}: $p passed"
		fi
	done
}

# The layout's rules (tests/layout/layers.py): layers, private sink
# folders, no include cycles. One result per rule.
run_layout()
{
	local out p f
	out=$(python3 tests/layout/layers.py 2>&1)
	p=$(grep -c '^ok - ' <<<"$out")
	f=$(grep -c '^not ok - ' <<<"$out")
	[ -n "$out" ] && [ "$((p + f))" -gt 0 ] || f=1
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		echo "not ok - layout: $p rules hold, $f broken"
		sed 's/^/# /' <<<"$out"
	else
		echo "ok - layout: $p rules hold"
	fi
}

# --- integration tests ---------------------------------------------------------

# run_script SCRIPT: run one script against the current server, count its
# ok / not ok lines, print the failures (everything with HS_VERBOSE).
run_script()
{
	local script=$1 name out rc p f t0 secs
	name=$(basename "$script" .sh)
	t0=$(date +%s%N)
	out=$(timeout -k 5 "${HS_SCRIPT_TIMEOUT:-300}" bash "$script" 2>&1)
	rc=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000 ))
	secs=$((secs / 1000)).$(printf '%03d' $((secs % 1000)) | cut -c1)s
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		out+=$'\n'"not ok - $name exited with status $rc"
		[ "$rc" -eq 124 ] && out+=" (timed out)"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && ! grep -q '^# SKIP' <<<"$out"; then
		f=1
		out+=$'\n'"not ok - $name ran no test"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		echo "not ok - [$HS_MODE] $name: $p passed, $f failed ($secs)"
		if [ -n "$HS_VERBOSE" ]; then
			sed 's/^/    /' <<<"$out"
		else
			# The failures with their diagnostics, and the
			# script's stderr (lines that are neither).
			awk '/^not ok /{keep=1; print "    " $0; next}
			     /^ok /{keep=0; next}
			     /^# [0-9]+ passed/{next}
			     keep || !/^# / {print "    " $0}' <<<"$out"
		fi
	else
		local skip
		skip=$(grep -m1 '^# SKIP' <<<"$out")
		echo "ok - [$HS_MODE] $name: $p passed${skip:+ ${skip#\# }} ($secs)"
		[ -n "$HS_VERBOSE" ] && sed 's/^/    /' <<<"$out"
	fi
	return 0
}

# sanitizer_check LOG OFFSET NAME: one result for the part of LOG written
# after byte OFFSET.
sanitizer_check()
{
	local hits
	hits=$(tail -c +"$(($2 + 1))" "$1" 2>/dev/null |
	    grep -E 'runtime error|AddressSanitizer|LeakSanitizer' | head -n 20)
	if [ -z "$hits" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "not ok - [$HS_MODE] $3: sanitizer report in the server log"
		sed 's/^/    # /' <<<"$hits"
	fi
}

run_mode()
{
	local bin script off scripts=()
	HS_MODE=$1
	export HS_MODE
	case $HS_MODE in
	apache-cgi)
		bin=$PWD/build/san/cgi-bin/hooks.fcgi
		export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
		export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
		;;
	*)
		bin=$PWD/cgi-bin/hooks.fcgi
		;;
	esac
	for script in tests/integ/t[0-9][0-9][0-9][0-9]-*.sh; do
		# shellcheck disable=SC2053
		[[ $(basename "$script") == ${HS_ONLY:-*} ]] && scripts+=("$script")
	done
	echo "# $HS_MODE: ${#scripts[@]} scripts, handler $bin"
	if [ ! -x "$bin" ]; then
		echo "not ok - [$HS_MODE] handler '$bin' is not built (make all san)"
		failed=$((failed + 1))
		return
	fi
	(
		# One shell per mode: lib.sh's trap stops this mode's server
		# and removes its temporary directories.
		. tests/integ/lib.sh
		[ -n "$HS_TMP_NOTE" ] && echo "# $HS_TMP_NOTE"
		# Test a snapshot: a rebuild during the run must not swap the
		# binary under a running server (mod_fcgid restarts on a
		# changed mtime). Every server copies it into its own
		# directory, readable by the user it runs as.
		snap=$(mktemp -d "${TMPDIR:-/tmp}/hookspool-bin.XXXXXX")
		hs_dirs+=("$snap")
		export HS_BIN
		HS_BIN=$(hs_copy_in "$bin" "$snap" 0755) || {
			echo "not ok - [$HS_MODE] snapshot '$bin' in '$snap'"
			echo "RESULT $passed $((failed + 1))"
			exit 0
		}
		if ! hs_server_start; then
			echo "not ok - [$HS_MODE] start the server"
			echo "RESULT $passed $((failed + 1))"
			exit 0
		fi
		for script in "${scripts[@]}"; do
			off=$(stat -c %s "$HS_ERRLOG" 2>/dev/null || echo 0)
			run_script "$script"
			[ "$HS_MODE" = apache-cgi ] &&
			    sanitizer_check "$HS_ERRLOG" "$off" "$(basename "$script" .sh)"
		done
		echo "RESULT $passed $failed"
	) | {
		local line
		while IFS= read -r line; do
			if [[ $line == "RESULT "* ]]; then
				read -r _ passed failed <<<"$line"
			else
				printf '%s\n' "$line"
			fi
		done
		echo "RESULT $passed $failed" >"$result_file"
	}
	read -r _ passed failed <"$result_file"
}

run_integ()
{
	local missing mode
	missing=$(
		. tests/integ/lib.sh
		hs_need_tools 2>&1 >/dev/null
	)
	if [ -n "$missing" ]; then
		echo "not ok - integration suite: tools missing"
		sed 's/^/    /' <<<"$missing"
		failed=$((failed + 1))
		return
	fi
	result_file=$(mktemp)
	for mode in ${HS_MODES:-lighttpd-fcgi apache-fcgid apache-cgi}; do
		run_mode "$mode"
	done
	rm -f "$result_file"
}

case $what in
all)	run_layout; run_unit; run_integ ;;
unit)	run_layout; run_unit ;;
integ)	run_integ ;;
esac
summary
