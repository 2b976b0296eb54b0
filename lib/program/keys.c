/*
 * program/keys.c - every configuration key, gathered from the modules that
 * declare them.
 *
 * The core reads a key's type, range and default through
 * hs_conf_key_at(); the tables themselves live with their readers (a
 * source's keys in its file, a sink's in its module), so adding a source
 * or a sink adds its keys without touching any list. Built once per
 * process into a flat array: configuration lookups stay a short scan. The
 * sinks' required keys (hs_sink_ops.required) are gathered the same way,
 * so every program reports a half-configured sink as the file's error.
 */
#include <stddef.h>
#include <string.h>

#include "core/caps.h"
#include "core/config.h"
#include "front/app.h"
#include "intake/ingest.h"
#include "intake/sources/sources.h"
#include "sinks/sink.h"
#include "spool/spool.h"
#include "sync/engine.h"
#include "core/banned.h"

static const struct hs_conf_key *all[HS_MAX_CONF_KEYS + 1];
static size_t nall;
static int built;

/* Adds tab's keys, skipping a table or key already added (sources of one
 * family share a table; two modules may document one key). */
static void
add_table(const struct hs_conf_key *tab)
{
	const struct hs_conf_key *k;
	size_t i;

	for (k = tab; k && k->name && nall < HS_MAX_CONF_KEYS; k++) {
		for (i = 0; i < nall && strcmp(all[i]->name, k->name); i++)
			;
		if (i == nall)
			all[nall++] = k;
	}
}

static void
build(void)
{
	size_t i;

	add_table(hs_core_keys);
	add_table(hs_spool_keys);
	add_table(hs_front_keys);
	add_table(hs_intake_keys);
	add_table(hs_sync_keys);
	for (i = 0; hs_source_registry[i]; i++)
		add_table(hs_source_registry[i]->keys);
	for (i = 0; hs_sink_registry[i]; i++)
		add_table(hs_sink_registry[i]->keys);
	built = 1;
}

const struct hs_conf_need *
hs_conf_need_at(size_t i)
{
	static struct hs_conf_need needs[HS_MAX_SINKS];
	static size_t nneeds;
	static int made;
	size_t k;

	if (!made) {
		for (k = 0; hs_sink_registry[k] && nneeds < HS_MAX_SINKS; k++)
			if (hs_sink_registry[k]->required) {
				needs[nneeds].owner = hs_sink_registry[k]->name;
				needs[nneeds++].keys =
				    hs_sink_registry[k]->required;
			}
		made = 1;
	}
	return i < nneeds ? &needs[i] : NULL;
}

const struct hs_conf_key *
hs_conf_key_at(size_t i)
{
	if (!built)
		build();
	return i < nall ? all[i] : NULL;
}
