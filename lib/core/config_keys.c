/*
 * core/config_keys.c - every configuration key hookspool reads.
 *
 * Names follow the seed systems wherever they already named a setting
 * (API_KEY, API_V1_STR, ROOT_PATH, WEBHOOK_SECRET, ODOO_*, ...), so a seed
 * user's file can be reused. `hooks.fcgi --check-config` prints this table.
 */
#include <stddef.h>

#include "core/caps.h"
#include "core/config.h"

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
	/* The sync engine: tools/scheduled_sync. */
	{ "ROUTES", HS_CONF_STR, "", 0, 0,
	  "source/kind:sink,sink;... (empty: the seed's routing to every "
	  "configured sink)" },
	{ "MAX_ATTEMPTS", HS_CONF_INT, "10", 1, 1000,
	  "attempts before a delivery is dead" },
	{ "RETRY_BASE_MS", HS_CONF_INT, "2000", 1, 86400000,
	  "first backoff step; doubles per attempt, full jitter" },
	{ "RETRY_CAP_MS", HS_CONF_INT, "3600000", 1, 604800000,
	  "longest backoff between two attempts" },
	{ "SYNC_MAX_SECONDS", HS_CONF_INT, "55", 1, 86400,
	  "default --max-seconds of one scheduled_sync run" },
	/* Azure Storage Queue sink. */
	{ "AZURE_QUEUE_CONTACT", HS_CONF_STR, "manychat-contact-queue", 0, 0,
	  "queue of ManyChat contact events" },
	{ "AZURE_QUEUE_CAMPAIGN", HS_CONF_STR, "manychat-campaign-queue", 0, 0,
	  "queue of ManyChat campaign-assignment events" },
	{ "AZURE_QUEUE_DEFAULT", HS_CONF_STR, "hookspool-events", 0, 0,
	  "queue of every other kind routed to azure_queue" },
	{ "AZURE_QUEUE_CREATE", HS_CONF_BOOL, "true", 0, 0,
	  "create a missing queue (false: its deliveries go dead)" },
	{ "AZURE_DEAD_LETTER_QUEUE", HS_CONF_STR, "", 0, 0,
	  "also push dead events to this queue (seed: dead-letter-queue)" },
	{ "AZURE_QUEUE_RATE", HS_CONF_INT, "2000", 1, 100000,
	  "messages per second to Azure, shared by every run" },
	{ "AZURE_QUEUE_BATCH", HS_CONF_INT, "256", 1, 10000,
	  "deliveries claimed per batch" },
	{ "AZURE_QUEUE_CONCURRENCY", HS_CONF_INT, "16", 1, 64,
	  "requests in flight at once" },
	{ "AZURE_QUEUE_TIMEOUT_MS", HS_CONF_INT, "10000", 100, 600000,
	  "timeout of one request" },
	{ "AZURE_QUEUE_MESSAGE_TTL", HS_CONF_INT, "604800", -1, 2147483647,
	  "message time-to-live in seconds (-1: never expires)" },
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
	/* Odoo sink (lib/sinks/odoo*.c). */
	{ "ODOO_RATE", HS_CONF_INT, "1", 1, 1000,
	  "requests per second to Odoo (login included), shared by every run" },
	{ "ODOO_BATCH", HS_CONF_INT, "1000", 1, 10000,
	  "events per batch (a batch costs a few requests, not one per event)" },
	{ "ODOO_TIMEOUT_MS", HS_CONF_INT, "30000", 100, 600000,
	  "timeout of one Odoo request, answer included" },
	{ "ODOO_CONNECT_TIMEOUT_MS", HS_CONF_INT, "10000", 100, 600000,
	  "timeout of connecting to Odoo" },
	{ "ODOO_CA_FILE", HS_CONF_STR, NULL, 0, 0,
	  "CA bundle for jsonrpc+ssl (empty: the system's)" },
	{ "ODOO_CONTACT_MODEL", HS_CONF_STR, "manychat.contact", 0, 0,
	  "Odoo model of ManyChat contacts" },
	{ "ODOO_STATE_MODEL", HS_CONF_STR, "manychat.state", 0, 0,
	  "Odoo model of the contacts' state history" },
	{ "ODOO_FIELDS", HS_CONF_STR, "", 0, 0,
	  "field renames: role=field,... (e.g. contact.email=x_email; "
	  "empty field: not sent)" },
	{ "DATABASE_URL", HS_CONF_SECRET, NULL, 0, 0,
	  "seed SQL URL (mssql+pyodbc://...), translated to ODBC" },
	/* SQL sink (lib/sinks/sql/sql.c). */
	{ "ODBC_CONNECTION_STRING", HS_CONF_SECRET, NULL, 0, 0,
	  "ODBC connection string (Driver=...; or DSN=...) of the sql sink; "
	  "wins over DATABASE_URL" },
	{ "SQL_RATE", HS_CONF_INT, "10000", 1, 1000000,
	  "rows per second to the database, shared by every run" },
	{ "SQL_BATCH", HS_CONF_INT, "500", 1, 10000,
	  "deliveries written per transaction" },
	{ "SQL_PARAM_ARRAYS", HS_CONF_BOOL, "true", 0, 0,
	  "bind many rows per execution when the driver can (false: one "
	  "row at a time)" },
	{ "SQL_TIMEOUT_SECONDS", HS_CONF_INT, "30", 1, 3600,
	  "login and statement timeout of the sql sink" },
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
