/*
 * front/after.c - a FastCGI process's deliveries after its answers, sent
 * from processes of their own.
 *
 * Once a FastCGI process has finished an answer the server counts it idle
 * and may hand it the next request at once: if the process then spent a
 * slow Graph API call on a chat reply, that request would wait. So the
 * replies go out from a worker process. A worker cannot be forked from
 * the handler itself: no SQLite connection may cross a fork (the library
 * keeps per-process lock state for every open file, which a child would
 * inherit wrong), and closing and reopening the handler's connection
 * around each fork can leave the spool with no connection open, so that
 * the next opener rebuilds the WAL index from the whole WAL while every
 * writer waits. Hence the forker: forked once when the FastCGI process
 * starts, before it opens the spool, it holds no connection and only
 * forks a worker per request's events; each worker opens its own
 * connection, runs the immediate sinks (sync/immediate.h) and exits.
 *
 * The handler hands the event ids over a socket pair without waiting. If
 * the forker is busy (its socket full, HS_AFTER_WORKERS workers running)
 * or gone, the handler does the work itself: slower for the next request,
 * never lost, and cron remains the safety net either way. The forker ends
 * when the handler does (its socket reaches EOF); running workers finish
 * within IMMEDIATE_MAX_MS.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "front/after.h"
#include "net/http_client.h"
#include "spool/spool.h"
#include "sync/immediate.h"
#include "core/banned.h"

/* Workers at once per FastCGI process; past it the forker waits. */
#define HS_AFTER_WORKERS 32

/* Points fds 0 and 1 at /dev/null: nothing of the server's stays open. */
static void
null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	(void)dup2(fd, STDIN_FILENO);
	(void)dup2(fd, STDOUT_FILENO);
	if (fd > STDOUT_FILENO)
		close(fd);
}

/* A worker: its own spool connection, the immediate sinks, exit. */
static void
work(const struct hs_config *cfg, const int64_t *ids, size_t n)
{
	struct hs_spool_opts o;
	struct hs_spool *sp = NULL;
	char err[512];

	hs_spool_opts_from_config(&o, cfg);
	if (hs_spool_open(&sp, &o, err, sizeof(err)) != HS_OK) {
		hs_log_msg(HS_LOG_ERROR, "spool", err);
		_exit(1);
	}
	hs_sync_immediate(sp, cfg, ids, n);
	/* No close: a last connection would checkpoint the whole WAL here
	 * (spool/spool.h); nothing is pending, the kernel drops the locks. */
	_exit(0);
}

static void
forker(int fd, const struct hs_config *cfg)
{
	int64_t ids[HS_MAX_DEFERRED];
	int running = 0;
	ssize_t got;
	pid_t pid;

	null_stdio();
	hs_http_prepare();
	for (;;) {
		while (running > 0 && waitpid(-1, NULL, WNOHANG) > 0)
			running--;
		got = recv(fd, ids, sizeof(ids), 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;		/* the handler is gone */
		while (running >= HS_AFTER_WORKERS && waitpid(-1, NULL, 0) > 0)
			running--;
		pid = fork();
		if (pid == 0) {
			close(fd);
			work(cfg, ids, (size_t)got / sizeof(ids[0]));
		}
		if (pid > 0)
			running++;
		else
			hs_log_msg(HS_LOG_WARN, "after", "cannot fork a worker: "
			    "the events wait for scheduled_sync");
	}
	_exit(0);
}

int
hs_after_start(const struct hs_config *cfg)
{
	int sv[2];
	pid_t pid;

	if (!hs_sync_immediate_wanted(cfg))
		return -1;
	/* Datagrams: one request's ids are one message, never split. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		forker(sv[1], cfg);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	return sv[0];
}

int
hs_after_hand_over(int fd, const int64_t *ids, size_t n)
{
	ssize_t sent;

	if (fd < 0 || n == 0)
		return -1;
	if (n > HS_MAX_DEFERRED)
		n = HS_MAX_DEFERRED;
	sent = send(fd, ids, n * sizeof(ids[0]), MSG_DONTWAIT | MSG_NOSIGNAL);
	return sent == (ssize_t)(n * sizeof(ids[0])) ? 0 : -1;
}
