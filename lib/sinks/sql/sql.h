/*
 * sinks/sql/sql.h - the SQL sink (lib/sinks/sql/sql.c): ManyChat contact and
 * campaign events as rows of Contact and Campaign_Contact, every other
 * event as a row of Webhook_Event, in any database unixODBC reaches (Azure
 * SQL through FreeTDS or Microsoft's driver, PostgreSQL, SQLite).
 * Configured by ODBC_CONNECTION_STRING or the seed's DATABASE_URL; reached
 * through hs_sink_registry.
 */
#ifndef HS_SINKS_SQL_H
#define HS_SINKS_SQL_H

#include "sinks/sink.h"

extern const struct hs_sink_ops hs_sink_sql;

#endif
