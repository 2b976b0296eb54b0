/*
 * intake/sources/registry.c - every source this build knows.
 *
 * Adding a source is its file, which defines hs_source_NAME with its
 * routes, keys, kept headers, authentication and answer, and one X(NAME)
 * line below. The handler's route table (intake/endpoints.h) and the
 * configuration keys (program/keys.c) are built from this table, in its
 * order: the first route matching a request's path and method wins.
 */
#include <stddef.h>

#include "intake/sources/sources.h"
#include "core/banned.h"

#define SOURCES(X) \
	X(manychat_contact) \
	X(manychat_campaign) \
	X(signed) \
	X(whatsapp)

#define DECLARE(name) extern const struct hs_source hs_source_##name;
#define ENTRY(name) &hs_source_##name,

SOURCES(DECLARE)

const struct hs_source *const hs_source_registry[] = {
	SOURCES(ENTRY)
	NULL,
};
