/*
 * intake/endpoints.c - every source's routes and the front's into one
 * table.
 */
#include <string.h>

#include "intake/endpoints.h"
#include "core/banned.h"

enum hs_err
hs_endpoints_build(struct hs_route *out, size_t max,
                   const struct hs_source *const *sources,
                   const struct hs_route *front)
{
	const struct hs_source_route *sr;
	size_t n = 0, i;

	for (i = 0; sources && sources[i]; i++) {
		for (sr = sources[i]->routes; sr && sr->path; sr++) {
			if (n + 1 >= max)
				return HS_ETOOBIG;
			out[n].prefix_key = sr->prefix_key;
			out[n].path = sr->path;
			out[n].methods = sr->methods;
			out[n].handle = sr->handle ? sr->handle : hs_ingest;
			out[n].arg = sources[i];
			n++;
		}
	}
	for (; front && front->path; front++) {
		if (n + 1 >= max)
			return HS_ETOOBIG;
		out[n++] = *front;
	}
	if (n >= max)
		return HS_ETOOBIG;
	memset(&out[n], 0, sizeof(out[n]));
	return HS_OK;
}
