/*
 * double_fx.h - one Python double (tests/doubles/NAME.py) per cmocka
 * group, for the sink tests that talk to one (test_sink_odoo.c,
 * test_sink_whatsapp.c), and the fake pacer they hand the sink.
 *
 * double_start runs the double on a free loopback port in a temporary
 * folder and reads back the port it bound; when python3 cannot run, L.up
 * stays 0 and L.why says why, so need_double() skips with that reason.
 * double_stop is the group teardown. Test-only; include once per binary,
 * after <cmocka.h>.
 */
#ifndef HS_DOUBLE_FX_H
#define HS_DOUBLE_FX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "core/buf.h"
#include "sinks/sink.h"

#define DFX_UNUSED __attribute__((unused))

struct live {
	int up;
	pid_t pid;
	int port;
	char dir[64];
	char why[256];
};

static struct live L;

struct fake_pacer {
	struct hs_pacer p;
	long takes;
	long budget;	/* takes allowed; -1: any */
};

static enum hs_err
fake_take(struct hs_pacer *p, long n)
{
	struct fake_pacer *f = (struct fake_pacer *)p;

	if (f->budget >= 0 && f->takes + n > f->budget)
		return HS_ETIMEOUT;
	f->takes += n;
	return HS_OK;
}

static DFX_UNUSED void
pacer_init(struct fake_pacer *f, long budget)
{
	memset(f, 0, sizeof(*f));
	f->p.take = fake_take;
	f->budget = budget;
}

/* tests/doubles/<script>, found from this binary (build/san/unit/x), else
 * from the working folder. 0 when out names a readable file. */
static int
find_double(const char *script, char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (len > 0) {
		exe[len] = '\0';
		snprintf(out, n, "%s/tests/doubles/%s",
		         dirname(dirname(dirname(dirname(exe)))), script);
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(out, n, "tests/doubles/%s", script);
	return access(out, R_OK);
}

/*
 * Runs python3 tests/doubles/<script> --port 0 <port_flag> DIR/port
 * args... (args NULL-terminated, at most 16) and waits up to 5 s for the
 * double to write the port it bound there. 0 when it is up, or when
 * python3 cannot run (L.why set); -1 otherwise.
 */
static DFX_UNUSED int
double_start(const char *script, const char *port_flag,
             const char *const args[])
{
	char path[PATH_MAX], portfile[128];
	const char *argv[24] = { "python3", path, "--port", "0", port_flag,
	                         portfile };
	FILE *f;
	int i, n = 6;

	if (system("python3 -c 'import http.server' >/dev/null 2>&1") != 0) {
		snprintf(L.why, sizeof(L.why), "python3 cannot run");
		return 0;
	}
	if (find_double(script, path, sizeof(path)) != 0)
		return -1;
	for (i = 0; args[i] && n < 22; i++)
		argv[n++] = args[i];
	snprintf(L.dir, sizeof(L.dir), "/tmp/hs-double-unit-XXXXXX");
	if (!mkdtemp(L.dir))
		return -1;
	snprintf(portfile, sizeof(portfile), "%s/port", L.dir);
	if ((L.pid = fork()) == 0) {
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 200 && access(portfile, R_OK) != 0; i++)
		usleep(25000);
	if ((f = fopen(portfile, "r")) == NULL)
		return -1;
	if (fscanf(f, "%d", &L.port) != 1)
		L.port = 0;
	fclose(f);
	L.up = L.port > 0;
	return L.up ? 0 : -1;
}

static DFX_UNUSED int
double_stop(void **state)
{
	char cmd[128];

	if (L.pid > 0) {
		kill(L.pid, SIGTERM);
		waitpid(L.pid, NULL, 0);
	}
	if (L.dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", L.dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static DFX_UNUSED void
need_double(void)
{
	if (!L.up) {
		fprintf(stderr, "SKIP: %s\n", L.why);
		skip();
	}
}

static size_t
collect(char *p, size_t size, size_t n, void *ud)
{
	return hs_buf_add(ud, p, size * n) == HS_OK ? size * n : 0;
}

/* GET path (body NULL) or POST body to it; the answer as JSON (owned). */
static DFX_UNUSED struct json_object *
double_http(const char *path, const char *body)
{
	CURL *e = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL,
	    "Content-Type: application/json");
	struct json_object *o;
	struct hs_buf b;
	char url[128];

	hs_buf_init(&b, 64 * 1024 * 1024);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", L.port, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if (body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	assert_int_equal(curl_easy_perform(e), CURLE_OK);
	o = json_tokener_parse(hs_buf_str(&b));
	assert_non_null(o);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	hs_buf_release(&b);
	return o;
}

/* POST json to the double's /control. */
static DFX_UNUSED void
control(const char *json)
{
	json_object_put(double_http("/control", json));
}

#endif
