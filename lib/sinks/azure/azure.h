/*
 * sinks/azure/azure.h - the Azure Storage Queue sinks
 * (lib/sinks/azure/azure.c).
 *
 * azure_queue sends every routed event to the queue of its kind;
 * dead_letter takes dead copies (hs_sink_ops.dead_copies): it sends a copy
 * of each dead event, with "dead_reason", to AZURE_DEAD_LETTER_QUEUE. Both
 * are reached through hs_sink_registry.
 */
#ifndef HS_SINKS_AZURE_H
#define HS_SINKS_AZURE_H

#include "sinks/sink.h"

extern const struct hs_sink_ops hs_sink_azure_queue;
extern const struct hs_sink_ops hs_sink_dead_letter;

#endif
