/*
 * sinks/registry.c - every sink this build knows, by name.
 *
 * scheduled_sync walks this table to find the configured sinks; adding a
 * sink is one module and one line here. Order matters once: a sink that
 * takes dead copies comes last, so the run that kills a delivery also
 * sends its copy.
 */
#include <stddef.h>
#include <string.h>

#include "sinks/sink.h"
#include "sinks/azure/azure.h"
#include "sinks/odoo/odoo.h"
#include "sinks/sql/sql.h"
#include "sinks/whatsapp/whatsapp.h"
#include "core/banned.h"

const struct hs_sink_ops *const hs_sink_registry[] = {
	&hs_sink_azure_queue,
	&hs_sink_odoo,
	&hs_sink_sql,
	&hs_sink_whatsapp,
	&hs_sink_dead_letter,
	NULL,
};

const struct hs_sink_ops *
hs_sink_find(const char *name)
{
	size_t i;

	for (i = 0; name && hs_sink_registry[i]; i++)
		if (strcmp(hs_sink_registry[i]->name, name) == 0)
			return hs_sink_registry[i];
	return NULL;
}

const struct hs_sink_ops *
hs_sink_dead_copy(const struct hs_config *cfg)
{
	size_t i;

	for (i = 0; hs_sink_registry[i]; i++)
		if (hs_sink_registry[i]->dead_copies &&
		    hs_sink_registry[i]->configured(cfg))
			return hs_sink_registry[i];
	return NULL;
}
