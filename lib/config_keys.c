/*
 * config_keys.c - every configuration key hookspool reads.
 *
 * Names follow the seed systems wherever they already named a setting
 * (API_KEY, API_V1_STR, ROOT_PATH, WEBHOOK_SECRET, ODOO_*, ...), so a seed
 * user's file can be reused. `hooks.fcgi --check-config` prints this table.
 */
#include <stddef.h>

#include "caps.h"
#include "config.h"

#define STR(x) #x
#define XSTR(x) STR(x)

const struct hs_conf_key hs_conf_keys[] = {
	{ "API_KEY", HS_CONF_SECRET, NULL, 0, 0,
	  "shared secret ManyChat sends in X-API-KEY" },
	{ "API_V1_STR", HS_CONF_STR, "/api/v1", 0, 0,
	  "path prefix of the ManyChat endpoints" },
	{ "ROOT_PATH", HS_CONF_STR, "", 0, 0,
	  "prefix of every path, e.g. /api/webhook (empty: none)" },
	{ "WEBHOOK_SECRET", HS_CONF_SECRET, NULL, 0, 0,
	  "HMAC-SHA256 key of x-webhook-signature on /webhook/receive" },
	{ "SPOOL_PATH", HS_CONF_STR, "/var/lib/hookspool/spool.db", 0, 0,
	  "the SQLite spool file (its directory must not be served)" },
	{ "SPOOL_SYNCHRONOUS", HS_CONF_STR, "FULL", 0, 0,
	  "SQLite synchronous level: FULL (durable), NORMAL or EXTRA" },
	{ "SPOOL_BUSY_TIMEOUT_MS", HS_CONF_INT,
	  XSTR(HS_BUSY_WAIT_MS_DEFAULT), 1, 60000,
	  "longest wait for the spool lock before answering 503" },
	{ "MAX_BODY_BYTES", HS_CONF_INT, "1048576", 1, HS_MAX_BODY_HARD,
	  "largest accepted request body; larger gets 413" },
	{ "RATE_LIMIT_REQUESTS", HS_CONF_INT, XSTR(HS_RATE_LIMIT_DEFAULT),
	  0, 1000000,
	  "requests per client IP per window on /webhook/receive (0: off)" },
	{ "RATE_LIMIT_WINDOW_SECONDS", HS_CONF_INT,
	  XSTR(HS_RATE_WINDOW_DEFAULT), 1, 86400,
	  "length of the sliding window of RATE_LIMIT_REQUESTS" },
	{ "TRUST_FORWARDED_FOR", HS_CONF_BOOL, "false", 0, 0,
	  "take the client IP from X-Forwarded-For (only behind a proxy)" },
	{ "LOG_LEVEL", HS_CONF_STR, "info", 0, 0,
	  "debug, info, warn or error" },
	{ "DEBUG", HS_CONF_BOOL, "false", 0, 0,
	  "seed setting: true means LOG_LEVEL=debug" },
	/* Sinks: read by tools/scheduled_sync. */
	{ "AZURE_STORAGE_CONNECTION_STRING", HS_CONF_SECRET, NULL, 0, 0,
	  "Azure Storage account for the queue sink" },
	{ "ODOO_HOST", HS_CONF_STR, NULL, 0, 0, "Odoo host name" },
	{ "ODOO_PORT", HS_CONF_INT, "443", 1, 65535, "Odoo port" },
	{ "ODOO_PROTOCOL", HS_CONF_STR, "jsonrpc+ssl", 0, 0,
	  "jsonrpc or jsonrpc+ssl" },
	{ "ODOO_DB", HS_CONF_STR, NULL, 0, 0, "Odoo database" },
	{ "ODOO_USER", HS_CONF_STR, NULL, 0, 0, "Odoo login" },
	{ "ODOO_PASSWORD", HS_CONF_SECRET, NULL, 0, 0,
	  "Odoo password or API key" },
	{ "DATABASE_URL", HS_CONF_SECRET, NULL, 0, 0,
	  "seed SQL URL (mssql+pyodbc://...), translated to ODBC" },
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
