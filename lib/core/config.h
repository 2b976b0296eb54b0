/*
 * core/config.h - the KEY=VALUE configuration file.
 *
 * One file, read once per process (HOOKSPOOL_CONF, default
 * /etc/hookspool/hookspool.conf), in the dotenv dialect the seed systems
 * used, so a seed user's .env works as is: "# comments", blank lines,
 * optional "export ", optional quotes. Every key hookspool knows is
 * declared with its type, range and default by the module that reads it
 * (a source, a sink, the spool...); a key no module declares is reported,
 * never silently ignored; a bad value is a problem the caller must show.
 */
#ifndef HS_CONFIG_H
#define HS_CONFIG_H

#include <stddef.h>

#include "core/err.h"

#define HS_CONF_DEFAULT_PATH "/etc/hookspool/hookspool.conf"

struct hs_config;

enum hs_conf_type { HS_CONF_STR, HS_CONF_INT, HS_CONF_BOOL, HS_CONF_SECRET };

struct hs_conf_key {
	const char *name;
	enum hs_conf_type type;
	const char *def;	/* default, NULL = unset */
	long min, max;		/* HS_CONF_INT range */
	const char *help;
};

/* Writes a number macro as the string a key's default is. */
#define HS_CONF_NUM_(x) #x
#define HS_CONF_NUM(x) HS_CONF_NUM_(x)

/* The core's own keys (LOG_LEVEL...), terminated by a NULL name. */
extern const struct hs_conf_key hs_core_keys[];
/*
 * Every key, i from 0, NULL past the end: the core's, the spool's, the
 * front's, the sync engine's, then each registered source's and sink's.
 * Defined in program/keys.c, above every layer, so that the core needs no
 * list of sources and sinks and a new one registers its keys by existing.
 */
const struct hs_conf_key *hs_conf_key_at(size_t i);
/* The key called name, or NULL. */
const struct hs_conf_key *hs_conf_key_find(const char *name);
/*
 * Keys that only work together: the module owner (a sink's name) needs
 * every entry of keys, NULL-terminated, each "KEY" or "KEY|ALT|..." (any
 * one spelling will do; when several are set the first wins, with a
 * warning). A file that sets some but not all of them is in error, the
 * missing ones named: a destination named by half its settings must not
 * pass for one that is off. A key that another owner needs too (Azure's
 * connection string) does not by itself count as "some". i from 0, NULL
 * past the end; defined in program/keys.c, like hs_conf_key_at().
 */
struct hs_conf_need {
	const char *owner;
	const char *const *keys;
};
const struct hs_conf_need *hs_conf_need_at(size_t i);

/* Prefixes the seed deployments used that hookspool accepts and ignores. */
extern const char *const hs_conf_ignored_prefixes[];

/* HOOKSPOOL_CONF if set and non-empty, else HS_CONF_DEFAULT_PATH. */
const char *hs_config_default_path(void);

/*
 * Reads path. HS_OK when the file was read, even if it has problems
 * (unknown keys, bad values: see hs_config_problem()); HS_ENOTFOUND or
 * HS_EIO when it cannot be read. *out is always set and must be freed.
 */
enum hs_err hs_config_load(struct hs_config **out, const char *path)
	HS_MUST_CHECK;
/* Builds a config from a string (for tests and --check-config). */
enum hs_err hs_config_parse(struct hs_config **out, const char *text,
                            const char *origin) HS_MUST_CHECK;
void hs_config_free(struct hs_config *c);

const char *hs_config_path(const struct hs_config *c);
/* The value, the table default, or NULL. Borrowed from c. */
const char *hs_config_get(const struct hs_config *c, const char *key);
/* 1 if the key is set to a non-empty value in the file. */
int hs_config_has(const struct hs_config *c, const char *key);
/*
 * Parses s as a whole decimal number within [min, max] into *out: 0, or -1
 * (and *out untouched) for anything else. The one rule for numbers in
 * configuration files and on command lines.
 */
int hs_parse_long(const char *s, long min, long max, long *out);
/* Value of an HS_CONF_INT key (validated at load), or its default. */
long hs_config_int(const struct hs_config *c, const char *key);
int hs_config_bool(const struct hs_config *c, const char *key);

/*
 * Problems found while reading: unknown keys are warnings (is_error 0);
 * bad values and unreadable files are errors. i from 0; NULL past the end.
 */
const char *hs_config_problem(const struct hs_config *c, size_t i,
                              int *is_error);
/* 1 when no problem is an error. */
int hs_config_ok(const struct hs_config *c);

#endif
