/*
 * sinks/whatsapp/probe.c - spoolctl check's look at the Graph API: does
 * the token read the phone number the bot sends from?
 *
 * GET {graph}/{version}/{phone_number_id}?fields=id changes nothing and
 * needs the same token and permission as sending, so an expired token
 * (190), a wrong phone number id (100) or an unreachable Graph shows here
 * rather than as a drain stopped with exit 111. The bot's texts are
 * checked first: open() would refuse them. The token is sent, never
 * shown; it takes no token of the sink's bucket.
 */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "sinks/whatsapp/whatsapp.h"
#include "core/banned.h"

enum hs_probe
hs_wa_probe(const struct hs_config *cfg, int64_t now_ms, long timeout_ms,
            char *d, size_t n)
{
	struct hs_wa_settings st;
	struct hs_wa_graph *g = NULL;
	struct hs_wa_bot bot;
	struct hs_wa_reply r;
	char why[512];
	enum hs_err rc;

	memset(&bot, 0, sizeof(bot));
	rc = hs_wa_settings_read(&st, cfg, why, sizeof(why));
	if (rc == HS_OK)
		rc = hs_wa_bot_init(&bot, cfg, why, sizeof(why));
	hs_wa_bot_release(&bot);
	if (rc != HS_OK) {
		snprintf(d, n, "%s", rc == HS_ECONFIG ? why : hs_err_str(rc));
		return HS_PROBE_FAIL;
	}
	if (timeout_ms > 0 && timeout_ms < st.timeout_ms)
		st.timeout_ms = timeout_ms < 100 ? 100 : timeout_ms;
	if (hs_wa_graph_new(&g, &st) != HS_OK) {
		snprintf(d, n, "out of memory");
		return HS_PROBE_FAIL;
	}
	hs_wa_graph_get_phone(g, now_ms, &r);
	hs_wa_graph_free(g);
	if (r.cls == HS_WA_OK)
		snprintf(d, n, "the token reads phone number id %s at %s",
		         r.id, st.phone_url);
	else if (r.cls == HS_WA_AUTH)
		snprintf(d, n, "the Graph API refused WHATSAPP_TOKEN at %s: "
		         "%s", st.phone_url, r.what);
	else if (r.status == 0)
		snprintf(d, n, "cannot reach the Graph API at %s: %s",
		         st.phone_url, r.what);
	else
		snprintf(d, n, "cannot read phone number id at %s (check "
		         "WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_API_VERSION): "
		         "%s", st.phone_url, r.what);
	return r.cls == HS_WA_OK ? HS_PROBE_OK : HS_PROBE_FAIL;
}
