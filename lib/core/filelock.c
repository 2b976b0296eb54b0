/*
 * core/filelock.c - flock() with a deadline.
 *
 * flock() has no timeout, so a timer interrupts the blocking call at the
 * deadline (SIGALRM installed without SA_RESTART). The timer fires once,
 * at the deadline, not at every tick: the kernel queues the waiters of a
 * lock in the order they came, and a waiter woken by a signal leaves that
 * queue and joins it again at the end. Ticks every 20 ms shuffled 31
 * waiting CGI processes again and again, so some waited past
 * SPOOL_BUSY_TIMEOUT_MS while others got through in tens of ms. After the
 * deadline the timer repeats: that closes the race where the signal lands
 * just before flock() starts to sleep. The caller's process is
 * single-threaded (one request at a time), which this relies on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/filelock.h"
#include "core/timefmt.h"
#include "core/banned.h"

#define TICK_US 20000	/* past the deadline: how often to interrupt again */

static void
on_alarm(int sig)
{
	(void)sig;
}

int
hs_lockfile_open(const char *path)
{
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

static enum hs_err
lock_blocking(int fd, int ms)
{
	struct sigaction sa, old;
	struct itimerval tv, oldtv;
	int64_t deadline = hs_mono_ms() + ms;
	enum hs_err rc = HS_EBUSY;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	memset(&tv, 0, sizeof(tv));
	tv.it_value.tv_sec = ms / 1000;
	tv.it_value.tv_usec = (ms % 1000) * 1000 + 1;
	tv.it_interval.tv_usec = TICK_US;
	setitimer(ITIMER_REAL, &tv, &oldtv);
	for (;;) {
		if (flock(fd, LOCK_EX) == 0) {
			rc = HS_OK;
			break;
		}
		if (errno != EINTR) {
			rc = HS_EIO;
			break;
		}
		if (hs_mono_ms() >= deadline)
			break;
	}
	setitimer(ITIMER_REAL, &oldtv, NULL);
	sigaction(SIGALRM, &old, NULL);
	return rc;
}

enum hs_err
hs_lock_timed(int fd, int ms)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return HS_OK;
	if (errno != EWOULDBLOCK)
		return HS_EIO;
	return lock_blocking(fd, ms);
}

void
hs_unlock(int fd)
{
	flock(fd, LOCK_UN);
}
