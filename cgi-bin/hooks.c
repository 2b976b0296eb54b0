/*
 * hooks.c - the webhook handler: main and the route table.
 *
 * One binary serves every source so that one FastCGI process pool and one
 * web-server rule cover the whole gateway; each source lives in
 * lib/intake/sources/ and declares its own routes, so the table is built
 * from the registry, not written here. Runs as FastCGI under
 * lighttpd/Apache or as plain CGI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/caps.h"
#include "core/config.h"
#include "front/app.h"
#include "front/health.h"
#include "front/serve.h"
#include "intake/endpoints.h"
#include "intake/sources/sources.h"
#include "program/bootstrap.h"
#include "core/banned.h"

/* Every source's routes, in registry order, then /health. */
static struct hs_route routes[HS_MAX_ROUTES + 1];

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: hooks.fcgi [--check-config | --help]\n"
	    "\n"
	    "The hookspool webhook handler. A web server runs it as FastCGI\n"
	    "(lighttpd mod_fastcgi, Apache mod_fcgid) or as plain CGI; it\n"
	    "stores each verified webhook in the SQLite spool before it\n"
	    "answers.\n"
	    "\n"
	    "  --check-config  read the configuration, print every problem\n"
	    "                  and every key with its value source; exit 0 if\n"
	    "                  it is usable, 100 if not\n"
	    "  --help          this text\n"
	    "\n"
	    "Environment: HOOKSPOOL_CONF, the configuration file\n"
	    "(default %s).\n"
	    "Exit codes: 0 done, 100 usage or configuration error,\n"
	    "111 cannot start (FastCGI setup failed).\n", HS_CONF_DEFAULT_PATH);
}

static int
check_config(const char *path)
{
	struct hs_config *cfg = NULL;
	const struct hs_conf_key *k;
	const char *msg, *v;
	int is_error, rc;
	size_t i;

	rc = hs_config_load(&cfg, path) == HS_OK && hs_config_ok(cfg) ? 0 : 100;
	printf("config: %s\n", path);
	for (i = 0; cfg && (msg = hs_config_problem(cfg, i, &is_error)); i++)
		printf("%s: %s\n", is_error ? "error" : "warning", msg);
	for (i = 0; cfg && (k = hs_conf_key_at(i)); i++) {
		v = hs_config_get(cfg, k->name);
		printf("  %-32s %s%s\n", k->name,
		    !v ? "(unset)" : k->type == HS_CONF_SECRET ? "(set, hidden)" :
		    *v ? v : "(empty)",
		    hs_config_has(cfg, k->name) ? "" : v ? "  [default]" : "");
	}
	hs_config_free(cfg);
	printf("%s\n", rc ? "configuration has errors" : "configuration ok");
	return rc;
}

int
main(int argc, char **argv)
{
	const struct hs_boot boot = { "hooks", NULL, HS_LOG_INFO, 0,
	    HS_BOOT_ROUTES };
	struct hs_config *cfg = NULL;
	struct hs_app app;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--check-config"))
		return check_config(hs_config_default_path());
	/* Under CGI, servers may pass ISINDEX query words as arguments. */
	if (argc > 1 && !getenv("GATEWAY_INTERFACE") && hs_serve_is_cgi()) {
		usage(stderr);
		return 100;
	}
	if (hs_endpoints_build(routes, HS_MAX_ROUTES + 1, hs_source_registry,
	    hs_health_routes) != HS_OK)
		return 111;
	/* A configuration with errors still serves: /health says so. */
	if (hs_boot_config(&cfg, &boot) == HS_ENOMEM)
		return 111;
	hs_app_init(&app, cfg);
	rc = hs_serve(&app, routes);
	hs_app_release(&app);
	return rc;
}
