#!/usr/bin/env bash
# The README's deployment, followed literally in a staging root: `make
# install` puts everything a server needs under PREFIX (the handler, both
# tools, the web-server configurations, the SQL schemas), the tools named by
# the cron lines exist there, and lighttpd started with the README's
# variables, after the README's `install -d` of HOOKSPOOL_RUNDIR, serves the
# installed handler. Without that directory lighttpd cannot start — the
# step the README once left out.
. "$(dirname "$0")/lib.sh"
[ "$HS_MODE" = lighttpd-fcgi ] ||
    hs_skip_all "the install is mode-independent; it runs in lighttpd-fcgi mode"

stage=$(mktemp -d "${TMPDIR:-/tmp}/hs-install.XXXXXX")
hs_dirs+=("$stage")
chmod 0755 "$stage"
# -o all: install what is built; a test never rebuilds the checkout.
out=$(make -C "$HS_ROOT" --no-print-directory -o all install \
    DESTDIR="$stage" 2>&1)
rc=$?
hs_is "$rc" 0 "make install DESTDIR=… succeeds"
[ "$rc" -eq 0 ] || hs_diag "$out"
prefix=$stage/usr/lib/hookspool
for f in cgi-bin/hooks.fcgi tools/scheduled_sync tools/spoolctl \
    lighttpd/hookspool.conf apache/hookspool.conf apache/hookspool-site.conf \
    apache/.htaccess \
    sql/schema/sqlite.sql sql/schema/postgresql.sql sql/schema/tsql.sql; do
	[ -e "$prefix/$f" ] && hs_ok "installed: $f" || hs_not_ok "installed: $f"
done
for f in cgi-bin/hooks.fcgi tools/scheduled_sync tools/spoolctl; do
	"$prefix/$f" --help >/dev/null 2>&1
	hs_is "$?" 0 "the installed $f runs (--help)"
done
# The cron lines of the README name programs that exist under PREFIX.
for p in $(grep -Eo '/usr/lib/hookspool/tools/[a-z_]+' "$HS_ROOT/README.md" | sort -u); do
	[ -x "$stage$p" ] && hs_ok "README names $p: installed" ||
	    hs_not_ok "README names $p: installed"
done

# The README's configuration steps, with the staging root's paths.
user=${HS_RUN_USER:-$(id -un)}
group=$(id -gn "$user")
install -d -m 700 -o "$user" -g "$group" "$stage/var/lib/hookspool"
install -d -m 755 "$stage/etc/hookspool"
conf=$stage/etc/hookspool/hookspool.conf
printf 'API_KEY=%s\nWEBHOOK_SECRET=%s\nSPOOL_PATH=%s\n' "$HS_API_KEY" \
    "$HS_SECRET" "$stage/var/lib/hookspool/spool.db" >"$conf"
chown "root:$group" "$conf" 2>/dev/null || true
chmod 640 "$conf"
port=$(hs_free_port) || hs_bail "a free port"
rundir=$stage/run/hookspool
start()
{
	HOOKSPOOL_HOME=$prefix HOOKSPOOL_PORT=$port HOOKSPOOL_CONF=$conf \
	HOOKSPOOL_RUNDIR=$rundir HOOKSPOOL_USER=$HS_RUN_USER \
	    setsid "$HS_LIGHTTPD" -D -f "$prefix/lighttpd/hookspool.conf" \
	    </dev/null >"$stage/server.out" 2>&1 &
	pid=$!
	hs_pids+=("$pid")
}

# Without HOOKSPOOL_RUNDIR, lighttpd refuses to start.
start
hs_wait_until 20 bash -c "! kill -0 $pid 2>/dev/null"
kill -0 "$pid" 2>/dev/null && hs_not_ok "without HOOKSPOOL_RUNDIR lighttpd does not start" ||
    hs_ok "without HOOKSPOOL_RUNDIR lighttpd does not start"

install -d -m 750 -o "$user" -g "$group" "$rundir"
start
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ]; }
hs_wait_until 20 healthy
hs_is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" 200 \
    "after the README's install -d, the installed server answers /health"
HS_URL=http://127.0.0.1:$port HS_PREFIX= hs_post_contact "$(hs_contact_body "$(hs_unique t6007)")"
hs_is "$HS_STATUS" 202 "and stores a contact"
HOOKSPOOL_CONF=$conf "$prefix/tools/spoolctl" stats --json >"$stage/stats.json" 2>&1
hs_is "$(jq -r '.events' "$stage/stats.json" 2>/dev/null)" 1 "the installed spoolctl reads that spool"

hs_done
