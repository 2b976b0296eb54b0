# proc.sh - CPU and memory of a process tree, read from /proc (sourced, bash).
#
# bench/run.sh asks what the server (lighttpd and the hooks.fcgi processes
# it spawned) costs: CPU time over a run, to see which process the load
# lands on, and resident memory under load. Only /proc and ps are used, so
# nothing needs installing and the sampling costs the machine little.

# proc_tree PID: PID and its direct children (lighttpd's FastCGI processes).
proc_tree()
{
	echo "$1"
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# proc_ticks PID...: user + system CPU of the PIDs, in clock ticks. The
# command name in /proc/PID/stat may hold spaces, so fields are counted
# after its closing parenthesis. Gone processes count 0.
proc_ticks()
{
	local pid line sum=0 rest
	local -a f
	for pid in "$@"; do
		line=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		rest=${line##*) }
		read -r -a f <<<"$rest"
		# rest starts at field 3 (state): utime is field 14, stime 15
		sum=$((sum + f[11] + f[12]))
	done
	echo "$sum"
}

# cpu_times: "busy idle iowait" of the whole machine since boot, in ticks
# (busy = user + nice + system + irq + softirq + steal).
cpu_times()
{
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5, $6; exit }' \
	    /proc/stat
}

# mem_kind: "PSS" when every process can report it (smaps_rollup, Linux
# 4.14+), else "RSS". PSS splits shared pages (libc, libsqlite3, the
# spool's -shm mapping) between the processes that map them, so a sum of
# PSS is the tree's real footprint; a sum of RSS counts them once per
# process and overstates it.
mem_kind()
{
	if [ -r "/proc/$1/smaps_rollup" ]; then
		echo PSS
	else
		echo RSS
	fi
}

# mem_sample PID...: "pss_kb rss_kb nprocs" summed over the PIDs (pss_kb
# is 0 without smaps_rollup). Builtins only: it runs in a loop under load.
mem_sample()
{
	local pid pss=0 rss=0 n=0 k v rest
	for pid in "$@"; do
		v=
		while read -r k v rest; do
			[ "$k" = VmRSS: ] && break
			v=
		done 2>/dev/null <"/proc/$pid/status"
		[ -n "$v" ] || continue
		rss=$((rss + v))
		n=$((n + 1))
		while read -r k v rest; do
			[ "$k" = Pss: ] && { pss=$((pss + v)); break; }
		done 2>/dev/null <"/proc/$pid/smaps_rollup"
	done
	echo "$pss $rss $n"
}
