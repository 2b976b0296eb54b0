/*
 * intake/sources/registry.c - every source this build knows.
 *
 * program/keys.c reads each source's configuration keys from here; adding
 * a source is its file and one line in this table.
 */
#include <stddef.h>

#include "intake/sources/sources.h"
#include "core/banned.h"

const struct hs_source *const hs_source_registry[] = {
	&hs_source_manychat_contact,
	&hs_source_manychat_campaign,
	&hs_source_signed,
	NULL,
};
