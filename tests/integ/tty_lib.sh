# tty_lib.sh - run a tool on a pseudo-terminal of a given width, as a
# person at a terminal would; sourced after lib.sh, bash.
#
# Programs behave differently on a terminal (a progress line, tables as
# wide as the window), and cron, scripts and the other tests never have
# one. tests/integ/pty_run.py gives the command a terminal of COLS columns
# and records what it showed, byte for byte ("\r" included).

HS_PTY_RUN=$HS_ROOT/tests/integ/pty_run.py

# hs_tty_need: skip the script when no Python 3 can make a terminal.
hs_tty_need()
{
	python3 -c 'import pty, termios' 2>/dev/null ||
	    hs_skip_all "python3 with pty and termios is needed for a terminal"
}

# hs_tty COLS SHOWN [--stdout FILE] [--stderr FILE] -- CMD [ARG...]: runs
# CMD on a terminal COLS wide (its stdout and stderr, unless sent to a
# file), in HS_TTY_CWD if set; SHOWN gets what the terminal showed. Sets
# HS_TTY_RC.
hs_tty()
{
	local cols=$1 shown=$2
	shift 2
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1" "$2")
		shift 2
	done
	(cd "${HS_TTY_CWD:-.}" && exec timeout -k 5 "${HS_TTY_TIMEOUT:-120}" \
	    python3 "$HS_PTY_RUN" --cols "$cols" "${opts[@]}" "$shown" "$@")
	HS_TTY_RC=$?
}

# hs_tty_lines FILE: the lines the terminal showed, one per "\n" or "\r",
# without "ESC [ K" (erase to the end of the line).
hs_tty_lines()
{
	tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g'
}

# hs_tty_widest FILE: the widest line the terminal showed, in characters:
# lines end at "\n" and every "\r" starts one again; "ESC [ K" (erase to
# the end of the line) takes no room.
hs_tty_widest()
{
	perl -CSD -ne 'chomp; s/\e\[K//g;
	    for (split /\r/) { $m = length if length > $m }
	    END { print $m + 0, "\n" }' "$1"
}

# hs_tty_count FILE TEXT: how many times TEXT (fixed) was shown.
hs_tty_count()
{
	T=$2 perl -0777 -ne 'print scalar(() = /\Q$ENV{T}\E/g), "\n"' "$1"
}
