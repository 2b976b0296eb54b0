#!/usr/bin/env bash
# While another process holds the spool's write lock longer than
# SPOOL_BUSY_TIMEOUT_MS, the handler gives up in bounded time with 503 +
# Retry-After and leaves no partial row; once the lock is gone the same
# request is stored once. Two holders: SQLite (BEGIN EXCLUSIVE) and the
# handler's own flock on SPOOL_PATH.lock.
. "$(dirname "$0")/lib.sh"
hs_own_server SPOOL_BUSY_TIMEOUT_MS=300

hs_post_contact "$(hs_contact_body "$(hs_unique warmup)")"
hs_is "$HS_STATUS" 202 "spool created by a first request"

# spool_is_locked: a write transaction cannot start right now.
spool_is_locked()
{
	! hs_as_server_user sqlite3 -cmd '.timeout 0' "$SPOOL_PATH" \
	    'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1
}

# The holders keep the lock until the test creates $release (or is gone):
# however slow the machine, the request below meets a held lock.
release_dir=$(mktemp -d "${TMPDIR:-/tmp}/hs-release.XXXXXX")
hs_dirs+=("$release_dir")
chmod 0755 "$release_dir"
release=$release_dir/release
hold_until_released="while [ ! -e '$release' ] && [ -d /proc/$$ ]; do sleep 0.05; done"

# try_locked NAME: post while the lock is held; check 503 and no row;
# then release the lock.
try_locked()
{
	local name=$1 m t0 t1 ms
	m=$(hs_unique "locked-$name")
	t0=$(date +%s%N)
	hs_post_contact "$(hs_contact_body "$m")"
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	hs_expect_error 503 "$name held: contact"
	hs_like "$(hs_header Retry-After)" '^[0-9]+$' "$name held: Retry-After in seconds"
	hs_cmp "$ms" -lt 2500 "$name held: answered in bounded time (${ms} ms)"
	touch "$release"
	wait "$holder" 2>/dev/null
	rm -f "$release"
	hs_is "$(hs_rows_with "$m")" 0 "$name held: no row, not even a partial one"
	hs_post_contact "$(hs_contact_body "$m")"
	hs_is "$HS_STATUS" 202 "$name released: the same request is accepted"
	hs_is "$(hs_json '.duplicate // false')" false "$name released: not taken for a duplicate"
	hs_is "$(hs_rows_with "$m")" 1 "$name released: stored once"
}

# 1. SQLite's own lock.
holder_log=$(mktemp "${TMPDIR:-/tmp}/hs-holder.XXXXXX")
hs_dirs+=("$holder_log")
{ echo 'BEGIN EXCLUSIVE;'; echo 'SELECT 1;'; eval "$hold_until_released"; echo 'COMMIT;'; } |
    hs_as_server_user sqlite3 -cmd '.timeout 5000' "$SPOOL_PATH" \
    >"$holder_log" 2>&1 &
holder=$!
if hs_wait_until 30 spool_is_locked; then
	hs_ok "BEGIN EXCLUSIVE holds the spool"
else
	hs_not_ok "BEGIN EXCLUSIVE holds the spool" "holder: $(cat "$holder_log")"
fi
try_locked "BEGIN EXCLUSIVE"

# 2. The handler's flock.
lock=$SPOOL_PATH.lock
hs_as_server_user flock "$lock" sh -c "$hold_until_released" &
holder=$!
flock_is_held() { ! hs_as_server_user flock -n "$lock" true 2>/dev/null; }
if hs_wait_until 30 flock_is_held; then
	hs_ok "flock holds $lock"
else
	hs_not_ok "flock holds $lock"
fi
try_locked flock

hs_done
