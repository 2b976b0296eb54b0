/*
 * intake/sources/sources.h - the inbound webhook sources.
 *
 * Each source is one file here defining a struct hs_source
 * (intake/ingest.h); nothing outside this folder names one: the programs
 * and tests reach them through the registry.
 */
#ifndef HS_SOURCES_H
#define HS_SOURCES_H

#include "front/app.h"
#include "intake/ingest.h"

/* Every source, NULL-terminated (intake/sources/registry.c). */
extern const struct hs_source *const hs_source_registry[];

#endif
