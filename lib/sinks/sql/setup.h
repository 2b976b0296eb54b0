/*
 * sinks/sql/setup.h - where the SQL sink's connection string comes from:
 * ODBC_CONNECTION_STRING as written, else the seed's DATABASE_URL
 * translated (sinks/sql/url.h).
 */
#ifndef HS_SINKS_SQL_SETUP_H
#define HS_SINKS_SQL_SETUP_H

#include <stddef.h>

#include "core/err.h"

struct hs_config;
struct hs_sql_drivers;

/*
 * The connection string the configuration gives (drivers answers which
 * ODBC drivers are installed). *cs is the caller's to free: it holds the
 * password. who (wholen bytes) names the database for messages
 * ("database 'x' on host:port (driver 'y')"). Logs where the string came
 * from and which driver was chosen. HS_ECONFIG with why, or HS_ENOMEM.
 */
enum hs_err hs_sql_setup_cs(const struct hs_config *cfg,
                            const struct hs_sql_drivers *drivers, char **cs,
                            char *who, size_t wholen, char *why,
                            size_t whylen) HS_MUST_CHECK;

#endif
