/*
 * sinks/azure/probe.h - "is this queue reachable with our credentials",
 * the Azure sinks' hs_sink_ops.probe (lib/sinks/azure/probe.c).
 */
#ifndef HS_SINKS_AZURE_PROBE_H
#define HS_SINKS_AZURE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "sinks/sink.h"

struct hs_config;

/*
 * Asks for the message count of the queue named by configuration key
 * queue_key, one request of at most timeout_ms. Fills d (the queue, the
 * endpoint and what came back; never the key).
 */
enum hs_probe hs_azure_probe(const struct hs_config *cfg,
                             const char *queue_key, int64_t now_ms,
                             long timeout_ms, char *d, size_t n);

#endif
