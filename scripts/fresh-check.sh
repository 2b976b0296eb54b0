#!/usr/bin/env bash
# fresh-check.sh - prove that `make test` passes the way CI runs it, on a
# fresh Debian machine: a debootstrapped minbase chroot with nothing of
# hookspool's dependencies installed, so the run includes the apt-get and
# `npm ci` installs that `make test` itself does.
#
# Run as root on a Debian host; see --help. Why a chroot and not the host:
# the host has every package already (deps.sh then installs nothing, npm ci
# is cached), a node from elsewhere, and years of local configuration; a
# test that only passes because of one of those would pass here and fail on
# a new CI runner. Why not a container: it needs nothing beyond debootstrap
# and works on any Debian host, including inside VMs without a container
# runtime.
#
# Layout under the cache directory (default /var/tmp/hookspool-fresh,
# outside any repository so `git clean` never removes it):
#   base-SUITE/        the pristine debootstrap, built once and reused
#   runs/STAMP-N/      a cp -a copy of it for run N, deleted afterwards
#   logs/STAMP/        one log per run, the setup log, summary.txt
set -uo pipefail

# The whole script is one compound command, parsed before it starts: bash
# reads a script as it runs, and a run lasts half an hour, during which a
# `git checkout` or an edit may change this file under it.
{

prog=fresh-check.sh
here=$(cd "$(dirname "$0")" && pwd)

usage()
{
	cat <<EOF
usage: scripts/$prog [OPTION]...

Build (once) a pristine Debian chroot with debootstrap, then for every run
copy it, clone the repository at REF into it and run the suite exactly as
CI does. Needs root. Exit status 0 only when every run passed.

Modes (combinable; root runs come first; default: --root 3):
  -R, --root N         run 'CI=true bash .ci/run' as root N times, each in
                       a fresh copy of the chroot, clone in /root/hookspool
  -U, --user           one run of 'make test' as an ordinary user (builder,
                       passwordless sudo, so deps.sh installs with sudo),
                       clone in /home/builder/hookspool (mode 0700)
  -L, --load           keep one host core busy (sha256sum /dev/zero, nice 0)
                       for the duration: the suite on a loaded machine

Source:
      --repo DIR       repository to test (default: the one this script is in)
  -r, --ref REF        commit, branch or tag (default HEAD); only committed
                       work is tested, as in CI

Chroot:
  -c, --cache DIR      cache directory (default \$HOOKSPOOL_FRESH_CACHE or
                       /var/tmp/hookspool-fresh)
  -s, --suite SUITE    Debian suite (default bookworm)
  -m, --mirror URL     Debian mirror (default: the host's apt mirror, else
                       http://deb.debian.org/debian)
      --rebuild        rebuild the cached base chroot
  -k, --keep           keep each run's chroot copy (for post-mortems)

Runs:
  -l, --log-dir DIR    logs (default CACHE/logs/YYYYmmdd-HHMMSS)
  -t, --timeout SECS   kill a run after SECS (default 3600)
  -q, --quiet          do not echo the runs' output, only the summary
  -h, --help           this text

What the chroot gets from the host, because a CI machine on this network
would have it too: /etc/resolv.conf, apt.conf.d files that configure a
proxy or the registry (e.g. 99artifact-registry), locally added CA
certificates (/usr/local/share/ca-certificates, TLS interception), the npm
registry (from /root/.npmrc, /etc/npmrc; default https://registry.npmjs.org/)
and http(s)_proxy/no_proxy. It also gets what any installed Debian has and a
bare debootstrap lacks: /etc/hosts with localhost and the host name, an
apt sources file with SUITE, SUITE-updates and SUITE-security, a tmpfs on
/dev/shm. Nothing else: no packages beyond minbase + ca-certificates, git,
make, sudo.

Examples:
  scripts/$prog --root 1            # one CI run of HEAD
  scripts/$prog --root 3 --load     # three, on a busy machine
  scripts/$prog --user -r main      # make test as an ordinary user
EOF
}

die()
{
	echo "$prog: $*" >&2
	exit 2
}

log()
{
	printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# --- options -----------------------------------------------------------------

opts=$(getopt -o hR:ULr:c:s:m:kl:t:q \
	-l help,root:,user,load,repo:,ref:,cache:,suite:,mirror:,rebuild,keep,log-dir:,timeout:,quiet \
	-n "$prog" -- "$@") || { usage >&2; exit 2; }
eval set -- "$opts"

root_runs=
user_runs=0
load=
repo=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null)
ref=HEAD
cache=${HOOKSPOOL_FRESH_CACHE:-/var/tmp/hookspool-fresh}
suite=bookworm
mirror=
rebuild=
keep=
log_dir=
timeout_secs=3600
quiet=
while :; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-R | --root) root_runs=$2; shift ;;
	-U | --user) user_runs=1 ;;
	-L | --load) load=1 ;;
	--repo) repo=$2; shift ;;
	-r | --ref) ref=$2; shift ;;
	-c | --cache) cache=$2; shift ;;
	-s | --suite) suite=$2; shift ;;
	-m | --mirror) mirror=$2; shift ;;
	--rebuild) rebuild=1 ;;
	-k | --keep) keep=1 ;;
	-l | --log-dir) log_dir=$2; shift ;;
	-t | --timeout) timeout_secs=$2; shift ;;
	-q | --quiet) quiet=1 ;;
	--) shift; break ;;
	esac
	shift
done
[ $# -eq 0 ] || die "unexpected argument '$1' (see --help)"
if [ -z "$root_runs" ]; then
	[ "$user_runs" -gt 0 ] && root_runs=0 || root_runs=3
fi
[[ $root_runs =~ ^[0-9]+$ ]] || die "--root needs a number, not '$root_runs'"
[[ $timeout_secs =~ ^[1-9][0-9]*$ ]] || die "--timeout needs seconds, not '$timeout_secs'"
[ $((root_runs + user_runs)) -gt 0 ] || die "nothing to run (--root 0 and no --user)"
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot, mount)"
if [ -z "$repo" ] || ! git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	die "'${repo:-$here}' is not a git repository (--repo)"
fi
sha=$(git -C "$repo" rev-parse --verify -q "$ref^{commit}") ||
	die "'$ref' is not a commit in $repo"

# Paths end up in /proc/self/mountinfo, where blanks are escaped: keep them
# plain so the unmount logic can match them literally.
mkdir -p "$cache" || die "cannot create '$cache'"
cache=$(cd "$cache" && pwd -P)
[[ $cache =~ ^/[A-Za-z0-9._/-]+$ ]] || die "cache path '$cache' must be plain (no blanks)"
case $cache/ in
"$(cd "$repo" && pwd -P)"/*) die "the cache must be outside the repository" ;;
esac
stamp=$(date +%Y%m%d-%H%M%S)
log_dir=${log_dir:-$cache/logs/$stamp}
mkdir -p "$log_dir" || die "cannot create '$log_dir'"
log_dir=$(cd "$log_dir" && pwd -P)
setup_log=$log_dir/setup.log

# --- host facts ----------------------------------------------------------------

# The host's Debian mirror: the first non-security URI of its apt sources.
host_mirror()
{
	local u
	u=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$u" ] || u=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++)
		if ($i ~ /^[a-z+]+:\/\// && $i !~ /security/) { print $i; exit } }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
	echo "${u:-http://deb.debian.org/debian}"
}

host_security_mirror()
{
	local u
	# URIs: fields and deb lines only; comments may hold other URLs.
	u=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /security/) { print $i; exit } }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$u" ] || u=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++)
		if ($i ~ /^[a-z+]+:\/\// && $i ~ /security/) { print $i; exit } }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
	echo "${u:-http://deb.debian.org/debian-security}"
}

# The npm registry the host uses (user config first, as npm reads it).
host_npm_registry()
{
	local f r
	for f in /root/.npmrc /etc/npmrc /usr/etc/npmrc /usr/local/etc/npmrc; do
		r=$(sed -n 's/^[[:space:]]*registry[[:space:]]*=[[:space:]]*//p' "$f" 2>/dev/null | tail -n 1)
		[ -n "$r" ] && { echo "$r"; return; }
	done
	echo https://registry.npmjs.org/
}

mirror=${mirror:-$(host_mirror)}
security_mirror=$(host_security_mirror)
npm_registry=$(host_npm_registry)

# --- cleanup -------------------------------------------------------------------

load_pid=
run_pid=	# timeout(1) running the suite
tail_pid=	# tail -f echoing its log
cur_root=	# the chroot copy in use, for the trap

# procs_in ROOT: pids of the processes whose root directory is ROOT or below
# (what is left of the servers, PostgreSQL, Azurite when a run dies).
procs_in()
{
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[[ $r == "$1" || $r == "$1"/* ]] && echo "${p#/proc/}"
	done
}

kill_procs_in()
{
	local pids i
	pids=$(procs_in "$1")
	[ -z "$pids" ] && return 0
	log "killing processes left in $1: ${pids//$'\n'/ }"
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	for i in $(seq 50); do
		pids=$(procs_in "$1")
		[ -z "$pids" ] && return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null
	sleep 0.5
}

# mounts_under ROOT: mount points at or below ROOT, deepest first.
mounts_under()
{
	awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo |
		awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-
}

unmount_all()
{
	local m
	for m in $(mounts_under "$1"); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			log "warning: cannot unmount $m"
	done
}

# remove_root ROOT: only once nothing is mounted below it; --one-file-system
# as a second guard, so a bind mount of /dev can never be emptied.
remove_root()
{
	if [ -n "$(mounts_under "$1")" ]; then
		log "warning: $1 still has mounts; not removing it"
		return 1
	fi
	rm -rf --one-file-system -- "$1"
}

# teardown_root ROOT: a run's chroot, ROOT = runs/STAMP-N/root; removes
# runs/STAMP-N unless --keep.
teardown_root()
{
	[ -n "$1" ] && [ -d "$1" ] || return 0
	kill_procs_in "$1"
	unmount_all "$1"
	[ -n "$keep" ] || remove_root "$(dirname "$1")"
}

cleanup()
{
	local p
	for p in $run_pid $tail_pid; do
		kill "$p" 2>/dev/null
	done
	run_pid=
	tail_pid=
	loadavg_stop
	if [ -n "$load_pid" ]; then
		kill "$load_pid" 2>/dev/null
		wait "$load_pid" 2>/dev/null
		load_pid=
	fi
	teardown_root "$cur_root"
	cur_root=
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# --- the base chroot -------------------------------------------------------------

include=ca-certificates,git,make,sudo
base=$cache/base-$suite
base_key="suite=$suite variant=minbase include=$include arch=$(dpkg --print-architecture)"

build_base()
{
	local tmp=$base.tmp
	if ! command -v debootstrap >/dev/null 2>&1; then
		log "installing debootstrap on the host"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
			>>"$setup_log" 2>&1 ||
			{ apt-get update -qq >>"$setup_log" 2>&1 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
				>>"$setup_log" 2>&1; } ||
			die "cannot install debootstrap (see $setup_log)"
	fi
	if [ -d "$tmp" ]; then	# an interrupted debootstrap
		kill_procs_in "$tmp"
		unmount_all "$tmp"
		remove_root "$tmp" || die "cannot remove $tmp"
	fi
	rm -rf --one-file-system -- "$base"
	log "debootstrap $suite from $mirror into $base (a few minutes, log: $setup_log)"
	if ! debootstrap --variant=minbase --include="$include" "$suite" "$tmp" \
		"$mirror" >>"$setup_log" 2>&1; then
		tail -n 20 "$setup_log" >&2
		kill_procs_in "$tmp"
		unmount_all "$tmp"
		die "debootstrap failed (see $setup_log)"
	fi
	# Nothing cached in the base: every run downloads what it installs.
	rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
	echo "$base_key" >"$tmp/.hookspool-fresh-base"
	mv "$tmp" "$base"
}

# One builder at a time; runs only read the base.
exec 8>"$cache/.lock"
flock 8
if [ -n "$rebuild" ] || [ "$(cat "$base/.hookspool-fresh-base" 2>/dev/null)" != "$base_key" ]; then
	build_base
else
	log "reusing the base chroot $base"
fi
exec 8>&-	# release the lock; runs must not inherit the descriptor

# --- one run -------------------------------------------------------------------

# chroot_cmd USER CMD...: sets ccmd to the command line that runs CMD in the
# current chroot as USER with a clean environment: nothing of ours leaks in
# (env -i) except a proxy the host's network needs. runuser, not sudo, for
# the ordinary user: it is how a CI agent starts a job, with no terminal.
chroot_cmd()
{
	local user=$1 home v env
	shift
	[ "$user" = root ] && home=/root || home=/home/$user
	env=("HOME=$home" "USER=$user" "LOGNAME=$user" SHELL=/bin/bash
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		LANG=C.UTF-8 TERM=dumb)
	for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
		[ -n "${!v:-}" ] && env+=("$v=${!v}")
	done
	ccmd=(chroot "$cur_root")
	[ "$user" = root ] || ccmd+=(/usr/sbin/runuser -u "$user" --)
	ccmd+=(/usr/bin/env -i "${env[@]}" "$@")
}

# in_chroot USER CMD...: run it, stdin from /dev/null (CI has no terminal).
in_chroot()
{
	local ccmd
	chroot_cmd "$@"
	"${ccmd[@]}" </dev/null
}

mount_chroot()
{
	local r=$cur_root
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	# The host's devices, but a mount of our own: private, so that what is
	# mounted on top (/dev/shm below) never propagates back to the host's
	# /dev on hosts whose mounts are shared (systemd's default).
	mount --bind /dev "$r/dev" && mount --make-private "$r/dev"
	mount --bind /dev/pts "$r/dev/pts" && mount --make-private "$r/dev/pts"
	# A tmpfs of its own for POSIX shared memory (PostgreSQL's
	# dynamic_shared_memory_type=posix), like any booted machine.
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"
}

# configure_chroot: what an installed Debian on this network has and a bare
# debootstrap lacks (see --help). No packages.
configure_chroot()
{
	local r=$cur_root f hn
	cp -L /etc/resolv.conf "$r/etc/resolv.conf"
	hn=$(uname -n)
	echo "$hn" >"$r/etc/hostname"
	# debian-installer's /etc/hosts: localhost, the host name, IPv6.
	cat >"$r/etc/hosts" <<-EOF
	127.0.0.1	localhost
	127.0.1.1	$hn
	::1		localhost ip6-localhost ip6-loopback
	ff02::1		ip6-allnodes
	ff02::2		ip6-allrouters
	EOF
	# Debian's default sources (the installer adds -updates and -security);
	# never the host's third-party repositories.
	rm -f "$r/etc/apt/sources.list"
	cat >"$r/etc/apt/sources.list.d/debian.sources" <<-EOF
	Types: deb
	URIs: $mirror
	Suites: $suite $suite-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb
	URIs: $security_mirror
	Suites: $suite-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	# apt configuration the network needs: proxies, a registry's settings.
	for f in /etc/apt/apt.conf.d/*; do
		[ -f "$f" ] || continue
		if [[ $(basename "$f") == *artifact-registry* ]] ||
			grep -qiE 'proxy|Check-Valid-Until|Check-Date' "$f"; then
			cp "$f" "$r/etc/apt/apt.conf.d/"
		fi
	done
	# Locally added CAs (TLS interception on this network): without them
	# npm cannot reach its registry and curl/git fail on https.
	if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
		mkdir -p "$r/usr/local/share/ca-certificates"
		cp /usr/local/share/ca-certificates/*.crt "$r/usr/local/share/ca-certificates/"
		in_chroot root update-ca-certificates >>"$setup_log" 2>&1 ||
			log "warning: update-ca-certificates failed in the chroot"
	fi
}

# write_npmrc HOME OWNER: the npm registry (and the CA bundle when local
# CAs were added) and nothing else of the host's npm configuration.
write_npmrc()
{
	{
		echo "registry=$npm_registry"
		compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null &&
			echo "cafile=/etc/ssl/certs/ca-certificates.crt"
	} >"$cur_root$1/.npmrc"
	in_chroot root chown "$2:" "$1/.npmrc"
	chmod 0600 "$cur_root$1/.npmrc"
}

# clone_into USER HOME: the commit, as a branch of a bare repository in the
# chroot (/srv/hookspool.git), cloned by USER into HOME/hookspool. The bare
# repository is filled with a push from the host repository: no ref of the
# host repository changes, no hook runs (--no-verify).
clone_into()
{
	local user=$1 home=$2 branch bare=$cur_root/srv/hookspool.git
	branch=$(git -C "$repo" rev-parse --abbrev-ref "$ref" 2>/dev/null)
	[[ -z $branch || $branch == HEAD || $branch == */* ]] && branch=ci
	git init -q --bare "$bare" &&
		git -C "$repo" push -q --no-verify "$bare" "$sha:refs/heads/$branch" &&
		git -C "$bare" symbolic-ref HEAD "refs/heads/$branch" ||
		return 1
	in_chroot root chown -R "$user:" /srv/hookspool.git &&
		in_chroot root chmod 0700 "$home" &&
		in_chroot "$user" git clone -q /srv/hookspool.git "$home/hookspool" &&
		[ "$(in_chroot "$user" git -C "$home/hookspool" rev-parse HEAD)" = "$sha" ]
}

# Timing-sensitive tests fail on a machine busy with other work; the load
# during each run goes into the summary so such a failure can be told from
# a regression. loadavg_start FILE samples the 1-minute load every 10 s.
loadavg_pid=
loadavg_start()
{
	(
		while :; do
			cut -d' ' -f1 /proc/loadavg
			sleep 10
		done
	) >"$1" &
	loadavg_pid=$!
}

loadavg_stop()
{
	[ -n "$loadavg_pid" ] || return 0
	kill "$loadavg_pid" 2>/dev/null
	wait "$loadavg_pid" 2>/dev/null
	loadavg_pid=
}

# loadavg_summary FILE: "mean/max" of the samples.
loadavg_summary()
{
	awk '{ s += $1; if ($1 > m) m = $1; n++ }
	     END { if (n) printf "%.1f/%.1f", s / n, m; else print "-" }' "$1"
}

fmt_secs()
{
	printf '%d:%02d' $(($1 / 60)) $(($1 % 60))
}

declare -a r_name r_exit r_wall r_setup r_line r_fail r_load

# do_run N MODE: one run in a fresh copy of the base; records its results.
do_run()
{
	local n=$1 mode=$2 user home cmd rundir logf t0 t1 t2 rc line fails
	rundir=$cache/runs/$stamp-$n
	logf=$log_dir/run-$n-$mode.log
	t0=$SECONDS
	log "run $n ($mode): copying the base chroot to $rundir"
	mkdir -p "$rundir" || die "cannot create $rundir"
	cur_root=$rundir/root
	cp -a "$base" "$cur_root" || die "cannot copy $base"
	mount_chroot || die "cannot mount /proc, /sys, /dev in $cur_root"
	configure_chroot
	if [ "$mode" = root ]; then
		user=root home=/root
		cmd=(env CI=true bash .ci/run)
	else
		user=builder home=/home/builder
		in_chroot root useradd -m -s /bin/bash "$user" &&
			echo "$user ALL=(ALL:ALL) NOPASSWD: ALL" >"$cur_root/etc/sudoers.d/$user" &&
			chmod 0440 "$cur_root/etc/sudoers.d/$user" ||
			die "cannot create the user $user in the chroot"
		cmd=(make test)
	fi
	write_npmrc "$home" "$user"
	clone_into "$user" "$home" >>"$setup_log" 2>&1 ||
		die "cannot clone $sha into $cur_root$home/hookspool (see $setup_log)"
	{
		echo "# fresh-check run $n: mode $mode, commit $sha ($ref), suite $suite"
		echo "# chroot $cur_root, load ${load:+on}${load:-off}, $(date -R)"
		echo "# command (as $user, in $home/hookspool): ${cmd[*]}"
	} >"$logf"
	t1=$SECONDS
	log "run $n ($mode): ${cmd[*]} as $user (log: $logf)"
	loadavg_start "$log_dir/run-$n-loadavg.txt"
	# The suite itself, in the checkout, killed (with all it started, by
	# teardown_root) when it outlives --timeout.
	# In the background, waited for: bash runs a trap only once the
	# foreground command is over, and timeout sits in a process group of
	# its own, so a Ctrl-C would otherwise wait for the whole suite.
	chroot_cmd "$user" /bin/sh -c 'cd "$0" && exec "$@"' "$home/hookspool" "${cmd[@]}"
	timeout -k 30 "$timeout_secs" "${ccmd[@]}" </dev/null >>"$logf" 2>&1 &
	run_pid=$!
	if [ -z "$quiet" ]; then
		tail -n +1 -f --pid="$run_pid" "$logf" &
		tail_pid=$!
	fi
	wait "$run_pid"
	rc=$?
	run_pid=
	if [ -n "$tail_pid" ]; then
		wait "$tail_pid"	# ends within a second of the run
		tail_pid=
	fi
	t2=$SECONDS
	loadavg_stop
	[ "$rc" -eq 124 ] && echo "# fresh-check: timed out after ${timeout_secs}s" >>"$logf"
	echo "# fresh-check: exit status $rc, wall $(fmt_secs $((t2 - t1)))" >>"$logf"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logf" | tail -n 1)
	fails=$(sed -n -E 's/^not ok - (\[[^]]*\] [^:]*|unit [^:]*|[^:]*):.*/\1/p' "$logf" |
		paste -sd, -)
	r_name[n]="$n $mode"
	r_exit[n]=$rc
	r_wall[n]=$(fmt_secs $((t2 - t1)))
	r_setup[n]=$(fmt_secs $((t1 - t0)))
	r_line[n]=${line:-(no summary line)}
	r_fail[n]=$fails
	r_load[n]=$(loadavg_summary "$log_dir/run-$n-loadavg.txt")
	log "run $n ($mode): exit $rc in ${r_wall[n]}: ${r_line[n]}"
	teardown_root "$cur_root"
	cur_root=
}

# --- main ----------------------------------------------------------------------

if [ -n "$load" ]; then
	nice -n 0 sha256sum /dev/zero >/dev/null 2>&1 &
	load_pid=$!
	log "load: sha256sum /dev/zero on the host (pid $load_pid)"
fi
log "testing $sha ($ref) of $repo: $root_runs root run(s), $user_runs user run(s); logs in $log_dir"

n=0
for _ in $(seq "$root_runs"); do
	n=$((n + 1))
	do_run "$n" root
done
for _ in $(seq "$user_runs"); do
	n=$((n + 1))
	do_run "$n" user
done
cleanup

# --- summary -------------------------------------------------------------------

bad=0
for i in $(seq "$n"); do
	[ "${r_exit[i]}" -eq 0 ] || bad=$((bad + 1))
done
{
	echo "fresh-check: $sha ($ref), $suite, load ${load:+on}${load:-off}, $(nproc) cores"
	printf '%-8s %-4s %-6s %-6s %-10s %s\n' run exit setup wall load result
	for i in $(seq "$n"); do
		printf '%-8s %-4s %-6s %-6s %-10s %s\n' "${r_name[i]}" "${r_exit[i]}" \
			"${r_setup[i]}" "${r_wall[i]}" "${r_load[i]}" "${r_line[i]}"
		# The failing scripts (and unit binaries), one a line.
		[ -n "${r_fail[i]}" ] && tr ',' '\n' <<<"${r_fail[i]}" | sed 's/^/         failed: /'
	done
	echo "setup: copy, configure, clone; wall: the CI command, package installs"
	echo "included; load: host 1-minute load average mean/max during the run"
	echo "(${load:+--load adds 1 busy core; }$(nproc) cores: above that, timing tests may fail)"
	echo "logs: $log_dir"
} | tee "$log_dir/summary.txt"
[ "$bad" -eq 0 ]
exit
}
