/*
 * sinks/sql/sql.c - the SQL sink: a batch of events written in one transaction,
 * a bad row isolated, a lost connection reconnected once.
 *
 * A batch is first written whole (sinks/sql/write.c: one transaction, parameter
 * arrays where the driver takes them). When that fails because of a row's
 * data (a value too long, a CHECK, a duplicate key raced in), the batch is
 * rolled back and halved, each half written on its own, down to the single
 * row at fault (sinks/bisect.h): that row goes dead with the driver's
 * message and every other row is written, in about 2·log2(batch)
 * transactions. When the
 * connection is lost the sink reconnects once and writes what is not yet
 * committed again (the statements are idempotent, so a COMMIT whose answer
 * was lost does no harm); if that fails too, the rest is retried later
 * with the engine's backoff. Refused credentials stop the run (HS_EAUTH),
 * a missing driver, table or column is a setup error (HS_ECONFIG); neither
 * costs the deliveries an attempt.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "sinks/bisect.h"
#include "sinks/sink.h"
#include "sinks/sql/sql.h"
#include "sinks/sql/setup.h"
#include "sinks/sql/odbc.h"
#include "sinks/sql/row.h"
#include "sinks/sql/url.h"
#include "core/banned.h"

/* The configuration keys this module reads. */
static const struct hs_conf_key sql_keys[] = {
	{ "DATABASE_URL", HS_CONF_SECRET, NULL, 0, 0,
	  "seed SQL URL (mssql+pyodbc://...), translated to ODBC" },
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
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

#define BIND_BUDGET	(8u << 20)	/* bytes bound per execution */

struct hs_sink {
	char *cs;			/* the connection string: a secret */
	char who[400];			/* the database, for messages */
	struct hs_sql_db_opts opts;
	struct hs_sql_db *db;
	/* the current batch */
	size_t cap;
	struct hs_sql_row *rows;
	struct hs_sql_row **todo;	/* rows not yet decided */
	unsigned char *decided;
	struct hs_outcome *out;
};

/* What the batch loop does next. */
enum step { GO_ON, LOST, STOP_AUTH, STOP_SETUP };

/* Outcomes -------------------------------------------------------------- */

static void
set_out(struct hs_sink *s, const struct hs_sql_row *row,
        enum hs_outcome_kind k, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
set_out(struct hs_sink *s, const struct hs_sql_row *row,
        enum hs_outcome_kind k, const char *fmt, ...)
{
	size_t i = (size_t)(row - s->rows);
	struct hs_outcome *o = &s->out[i];
	va_list ap;

	o->kind = k;
	o->retry_after_ms = -1;
	o->receipt[0] = '\0';
	if (k == HS_OUT_DONE)
		snprintf(o->receipt, sizeof(o->receipt), "%s",
		    hs_sql_table_name(row->table));
	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
	s->decided[i] = 1;
}

static void
set_all(struct hs_sink *s, struct hs_sql_row **p, size_t n,
        enum hs_outcome_kind k, const struct hs_sql_diag *dg)
{
	char what[300];
	size_t i;

	hs_sql_diag_str(dg, what, sizeof(what));
	for (i = 0; i < n; i++)
		if (k == HS_OUT_DONE)
			set_out(s, p[i], k, "%s", "");
		else
			set_out(s, p[i], k, "%s: %s",
			    hs_sql_table_name(p[i]->table), what);
}

/* Connection ------------------------------------------------------------ */

static void
log_connected(const struct hs_sink *s)
{
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_INFO, "sql_connect");
	hs_log_str(&l, "database", s->who);
	hs_log_str(&l, "dbms", hs_sql_db_dbms(s->db));
	hs_log_str(&l, "driver", hs_sql_db_driver(s->db));
	hs_log_str(&l, "param_arrays", hs_sql_db_arrays(s->db) ? "yes" : "no");
	hs_log_end(&l);
}

static enum step
connect_db(struct hs_sink *s, struct hs_sql_diag *dg)
{
	struct hs_logline l;
	char what[300];
	enum hs_err rc;

	if (s->db)
		return GO_ON;
	rc = hs_sql_db_open(&s->db, s->cs, &s->opts, dg);
	if (rc == HS_OK) {
		log_connected(s);
		return GO_ON;
	}
	if (rc == HS_ENOMEM)
		snprintf(dg->msg, sizeof(dg->msg), "out of memory");
	if (dg->cls == HS_SQL_AUTH)
		return STOP_AUTH;
	if (dg->cls == HS_SQL_SETUP || dg->cls == HS_SQL_DRIVER)
		return STOP_SETUP;
	hs_sql_diag_str(dg, what, sizeof(what));
	hs_log_begin(&l, HS_LOG_WARN, "sql_unreachable");
	hs_log_str(&l, "database", s->who);
	hs_log_str(&l, "error", what);
	hs_log_end(&l);
	return LOST;
}

static void
disconnect(struct hs_sink *s)
{
	hs_sql_db_close(s->db);
	s->db = NULL;
}

/* Writing --------------------------------------------------------------- */

/* The rows of todo[] that hs_bisect() halves, and how it ended. */
struct rows {
	struct hs_sink *s;
	struct hs_sql_diag *dg;	/* the last write's */
	enum step st;
};

/*
 * Writes todo[at..at + k) in one transaction. A row's fault (its data, a
 * duplicate key) refuses the group; every other answer decides it whole
 * or stops the halving.
 */
static enum hs_bisect_sent
rows_send(void *ctx, size_t at, size_t k, void **why)
{
	struct rows *w = ctx;
	struct hs_sql_row **p = w->s->todo + at;
	struct hs_sql_diag *dg = w->dg;
	enum hs_err rc = hs_sql_db_write(w->s->db, p, k, dg);

	if (rc == HS_ENOMEM) {
		snprintf(dg->msg, sizeof(dg->msg), "out of memory");
		set_all(w->s, p, k, HS_OUT_RETRY, dg);
		return HS_BISECT_DECIDED;
	}
	if (rc == HS_OK) {
		set_all(w->s, p, k, HS_OUT_DONE, dg);
		return HS_BISECT_TAKEN;
	}
	switch (dg->cls) {
	case HS_SQL_CONNECTION:
		w->st = LOST;
		return HS_BISECT_STOP;
	case HS_SQL_AUTH:
		w->st = STOP_AUTH;
		return HS_BISECT_STOP;
	case HS_SQL_SETUP:
	case HS_SQL_DRIVER:
		w->st = STOP_SETUP;
		return HS_BISECT_STOP;
	case HS_SQL_TRANSIENT:
		set_all(w->s, p, k, HS_OUT_RETRY, dg);
		return HS_BISECT_DECIDED;
	case HS_SQL_DUPLICATE:
	case HS_SQL_ROW:
		break;
	}
	*why = dg;
	return HS_BISECT_REFUSED;
}

/* Every group is sent (no inference), so why is the row's own write. */
static void
row_refused(void *ctx, size_t at, const void *why)
{
	const struct hs_sql_diag *dg = why;
	struct rows *w = ctx;

	set_all(w->s, w->s->todo + at, 1, dg->cls == HS_SQL_DUPLICATE ?
	    HS_OUT_DONE : HS_OUT_DEAD, dg);
}

/*
 * Writes todo[0..n), halving on a row's fault. GO_ON when every row of it
 * is decided; otherwise the rows not decided are still to be written.
 */
static enum step
isolate(struct hs_sink *s, size_t n, struct hs_sql_diag *dg)
{
	struct rows w = { s, dg, GO_ON };
	const struct hs_bisect bis = {
		.send = rows_send,
		.refused = row_refused,
		.ctx = &w,
	};

	(void)hs_bisect(&bis, n);
	return w.st;
}

/* Moves the rows not yet decided to the front of todo; their count. */
static size_t
undecided(struct hs_sink *s, size_t k)
{
	size_t i, m = 0;

	for (i = 0; i < k; i++)
		if (!s->decided[s->todo[i] - s->rows])
			s->todo[m++] = s->todo[i];
	return m;
}

/* The schema file for a DBMS or driver name, or NULL. */
static const char *
schema_for(const char *name)
{
	if (strcasestr(name, "postgres") || strcasestr(name, "psqlodbc"))
		return "sql/schema/postgresql.sql";
	if (strcasestr(name, "sqlite"))
		return "sql/schema/sqlite.sql";
	if (strcasestr(name, "SQL Server") || strcasestr(name, "tds"))
		return "sql/schema/tsql.sql";
	return NULL;
}

/* A missing table or column: the schema was not created. */
static int
no_schema(const struct hs_sql_diag *dg)
{
	static const char *const states[] = {
		"42S02", "42S22", "42P01", "42703", NULL
	};
	size_t i;

	for (i = 0; states[i]; i++)
		if (strcmp(dg->state, states[i]) == 0)
			return 1;
	return strstr(dg->msg, "no such table") ||
	    strstr(dg->msg, "no such column");
}

/* The run-stopping outcomes, explained in why. */
static enum hs_err
stop(const struct hs_sink *s, enum step st, const struct hs_sql_diag *dg,
     char *why, size_t whylen)
{
	const char *file = s->db ? schema_for(hs_sql_db_dbms(s->db)) : NULL;
	char what[300];

	hs_sql_diag_str(dg, what, sizeof(what));
	if (st == STOP_AUTH) {
		snprintf(why, whylen, "%s refused our credentials: %s", s->who,
		    what);
		return HS_EAUTH;
	}
	if (!file)
		file = schema_for(s->who);	/* names the driver */
	if (dg->cls == HS_SQL_DRIVER)
		snprintf(why, whylen, "%s: the ODBC driver cannot be used "
		    "('odbcinst -q -d' lists the installed ones): %s", s->who,
		    what);
	else if (no_schema(dg))
		snprintf(why, whylen, "%s: %s (create the tables with %s; "
		    "README, \"SQL over ODBC\")", s->who, what,
		    file ? file : "the sql/schema/ file of this database");
	else
		snprintf(why, whylen, "%s: %s", s->who, what);
	return HS_ECONFIG;
}

/* Writes todo[0..k); a lost connection is reconnected once. */
static enum hs_err
write_rows(struct hs_sink *s, size_t k, char *why, size_t whylen)
{
	struct hs_sql_diag dg;
	struct hs_logline l;
	char what[300];
	enum step st;
	int live = 0;	/* LOST came from a connection that worked */

	memset(&dg, 0, sizeof(dg));
	st = connect_db(s, &dg);
	if (st == GO_ON) {
		st = isolate(s, k, &dg);
		live = st == LOST;
	}
	if (live) {
		hs_sql_diag_str(&dg, what, sizeof(what));
		hs_log_begin(&l, HS_LOG_WARN, "sql_reconnect");
		hs_log_str(&l, "database", s->who);
		hs_log_str(&l, "error", what);
		hs_log_end(&l);
		disconnect(s);
		k = undecided(s, k);
		st = connect_db(s, &dg);
		if (st == GO_ON)
			st = isolate(s, k, &dg);
	}
	if (st == LOST) {
		disconnect(s);
		k = undecided(s, k);
		hs_sql_diag_str(&dg, what, sizeof(what));
		snprintf(dg.msg, sizeof(dg.msg), "%.120s unreachable: %.100s",
		    s->who, what);
		dg.state[0] = '\0';
		set_all(s, s->todo, k, HS_OUT_RETRY, &dg);
	}
	return st == STOP_AUTH || st == STOP_SETUP ?
	    stop(s, st, &dg, why, whylen) : HS_OK;
}

static enum hs_err
grow(struct hs_sink *s, size_t n)
{
	void *a, *b, *c;

	if (n <= s->cap)
		return HS_OK;
	a = realloc(s->rows, n * sizeof(*s->rows));
	if (a)
		s->rows = a;
	b = realloc(s->todo, n * sizeof(*s->todo));
	if (b)
		s->todo = b;
	c = realloc(s->decided, n);
	if (c)
		s->decided = c;
	if (!a || !b || !c)
		return HS_ENOMEM;
	s->cap = n;
	return HS_OK;
}

static enum hs_err
sink_deliver(struct hs_sink *s, const struct hs_delivery *in, size_t n,
             int64_t now_ms, struct hs_outcome *out, char *why,
             size_t whylen)
{
	char err[200];
	size_t i, k = 0;
	enum hs_err rc;

	(void)now_ms;
	if (grow(s, n) != HS_OK)
		return HS_OK;	/* every out[i] stays "not sent": retried */
	s->out = out;
	for (i = 0; i < n; i++) {
		s->decided[i] = 0;
		if (hs_sql_row_from(&s->rows[i], &in[i], err, sizeof(err)) ==
		    HS_OK)
			s->todo[k++] = &s->rows[i];
		else
			set_out(s, &s->rows[i], HS_OUT_DEAD, "%s", err);
	}
	rc = k ? write_rows(s, k, why, whylen) : HS_OK;
	for (i = 0; i < n; i++)
		hs_sql_row_release(&s->rows[i]);
	s->out = NULL;
	return rc;
}

/* Configuration --------------------------------------------------------- */

static int
sink_configured(const struct hs_config *cfg)
{
	return hs_config_has(cfg, "ODBC_CONNECTION_STRING") ||
	    hs_config_has(cfg, "DATABASE_URL");
}

static void
sink_close(struct hs_sink *s)
{
	if (!s)
		return;
	hs_sql_db_close(s->db);
	if (s->cs) {		/* it holds the password */
		memset(s->cs, 0, strlen(s->cs));
		free(s->cs);
	}
	free(s->rows);
	free(s->todo);
	free(s->decided);
	free(s);
}

/*
 * Reads the settings; connects only when there is something to write
 * (deliver), so a cron run with nothing pending costs the database nothing
 * (an Azure SQL serverless database can pause). A refused password or a
 * missing driver or table then stops the run at the first batch, before
 * any attempt is counted.
 */
static enum hs_err
sink_open(struct hs_sink **out, const struct hs_config *cfg, char *why,
          size_t whylen)
{
	const struct hs_sql_drivers drivers = { hs_sql_driver_installed, NULL };
	struct hs_sink *s;
	enum hs_err rc;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return HS_ENOMEM;
	s->opts.timeout_s = hs_config_int(cfg, "SQL_TIMEOUT_SECONDS");
	s->opts.arrays = hs_config_bool(cfg, "SQL_PARAM_ARRAYS");
	s->opts.bind_budget = BIND_BUDGET;
	rc = hs_sql_setup_cs(cfg, &drivers, &s->cs, s->who, sizeof(s->who),
	    why, whylen);
	if (rc == HS_OK)
		*out = s;
	else
		sink_close(s);
	return rc;
}

const struct hs_sink_ops hs_sink_sql = {
	.name = "sql",
	.what = "SQL over ODBC: rows of Contact, Campaign_Contact and "
	        "Webhook_Event (Azure SQL, PostgreSQL, SQLite)",
	.rate_key = "SQL_RATE",
	.batch_key = "SQL_BATCH",
	.keys = sql_keys,
	.configured = sink_configured,
	.open = sink_open,
	.deliver = sink_deliver,
	.close = sink_close,
};
