/*
 * azurite_fx.h - one real Azurite per cmocka group, for the tests that
 * talk to Azure Storage Queue (test_azure_live.c, test_sink_azure.c).
 *
 * group_setup starts tests/azurite/start.sh on a free loopback port and
 * leaves a connection string in struct live; when Azurite cannot be
 * installed (start.sh exit 111) L->up stays 0 and L->why says why, so the
 * tests can skip with that reason. Test-only; include once per binary.
 */
#ifndef HS_AZURITE_FX_H
#define HS_AZURITE_FX_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "sinks/azure/conn.h"

struct live {
	int up;
	int port;
	char dir[64];
	char script[PATH_MAX];
	char cs[512];
	char why[256];
};


static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* tests/azurite/start.sh, found from this binary: build/san/unit/x. */
static int
find_script(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *d;

	if (len <= 0)
		return -1;
	exe[len] = '\0';
	d = dirname(dirname(dirname(dirname(exe))));
	snprintf(out, n, "%s/tests/azurite/start.sh", d);
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, n, "tests/azurite/start.sh");
	return access(out, X_OK);
}

/* One Azurite for the whole group; its struct live is every test's state. */
static int
group_setup(void **state)
{
	struct live *L = calloc(1, sizeof(*L));
	char cmd[2 * PATH_MAX + 256];
	int st;

	if (!L)
		return -1;
	*state = L;

	if (find_script(L->script, sizeof(L->script)) != 0) {
		snprintf(L->why, sizeof(L->why), "tests/azurite/start.sh not found");
		return 0;
	}
	snprintf(L->dir, sizeof(L->dir), "/tmp/hs-azurite-XXXXXX");
	if (!mkdtemp(L->dir))
		return -1;
	L->port = free_port();
	snprintf(cmd, sizeof(cmd), "'%s' %d '%s' >/dev/null", L->script,
	         L->port, L->dir);
	st = system(cmd);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 111) {
		snprintf(L->why, sizeof(L->why), "azurite could not be installed "
		         "or started (start.sh exit 111; see %s/azurite.log)",
		         L->dir);
		return 0;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	L->up = 1;
	snprintf(L->cs, sizeof(L->cs), "DefaultEndpointsProtocol=http;"
	         "AccountName=devstoreaccount1;AccountKey=" HS_AZQ_DEV_KEY ";"
	         "QueueEndpoint=http://127.0.0.1:%d/devstoreaccount1;", L->port);
	return 0;
}

static int
group_teardown(void **state)
{
	struct live *L = *state;
	char cmd[2 * PATH_MAX + 256];

	if (L->up) {
		snprintf(cmd, sizeof(cmd), "'%s' --stop '%s'; rm -rf '%s'",
		         L->script, L->dir, L->dir);
		if (system(cmd) != 0)
			return -1;
	}
	free(L);
	return 0;
}

#endif
