/*
 * core/config_keys.c - the keys of the core itself (logging) and the seed
 * settings hookspool accepts and ignores.
 *
 * Every other key is declared by the module that reads it (a source, a
 * sink, the spool, the front, the sync engine); program/keys.c gathers
 * them. Names follow the seed systems wherever they already named a
 * setting (API_KEY, API_V1_STR, ROOT_PATH, WEBHOOK_SECRET, ODOO_*, ...),
 * so a seed user's file can be reused.
 */
#include <stddef.h>

#include "core/caps.h"
#include "core/config.h"

const struct hs_conf_key hs_core_keys[] = {
	{ "LOG_LEVEL", HS_CONF_STR, "info", 0, 0,
	  "debug, info, warn or error" },
	{ "DEBUG", HS_CONF_BOOL, "false", 0, 0,
	  "seed setting: true means LOG_LEVEL=debug" },
	{ "USE_KEY_VAULT", HS_CONF_BOOL, "false", 0, 0,
	  "seed setting; Key Vault is not used by hookspool" },
	{ "KEY_VAULT_NAME", HS_CONF_STR, NULL, 0, 0,
	  "seed setting; Key Vault is not used by hookspool" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

/* The seeds' server settings: meaningful to their Python stack only. */
const char *const hs_conf_ignored_prefixes[] = {
	"GUNICORN_", "WEBHOOK_HOST", "WEBHOOK_PORT", NULL
};
