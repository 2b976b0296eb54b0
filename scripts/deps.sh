#!/usr/bin/env bash
# Installs the Debian packages hookspool needs to build, run, test and
# benchmark, if any is missing. As root it runs apt-get; otherwise it uses
# sudo when sudo works without a password prompt on a terminal, and else
# prints the exact command to run and fails.
set -euo pipefail

packages=(
	gcc make pkg-config
	libfcgi-dev libjson-c-dev libssl-dev libsqlite3-dev libcurl4-openssl-dev
	unixodbc-dev libcmocka-dev
	sqlite3 curl jq openssl
	python3
	# ps, for bench/run.sh (today only apache2 pulls it in)
	procps
	lighttpd apache2 libapache2-mod-fcgid
	wrk
	# the sql sink: driver manager, psqlODBC and the SQLite ODBC driver,
	# and the PostgreSQL its tests and bench start as an ordinary user
	unixodbc odbc-postgresql libsqliteodbc postgresql
)
# Azurite (the Azure Storage emulator the tests run) comes from npm.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "hookspool: installing missing packages: ${missing[*]}"
cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -eq 0 ]]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [[ -t 0 ]]; }; then
	sudo=(sudo)
else
	echo "hookspool: cannot install packages without root. Run:" >&2
	echo "  sudo apt-get update && sudo ${cmd[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# Debian starts lighttpd and Apache on port 80 when they are installed: two
# servers on one port make the second package's setup fail. hookspool runs
# its own instances on free loopback ports, so forbid service starts for the
# duration of the install (policy-rc.d, the Debian mechanism for that).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod 755 "$policy"
	trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
"${sudo[@]}" "${cmd[@]}" -qq
