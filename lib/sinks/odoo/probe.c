/*
 * sinks/odoo/probe.c - spoolctl check's look at Odoo: can we log in, and
 * does each model have every field the sink writes?
 *
 * A drain learns a misnamed field only when Odoo refuses the first
 * search_read (issue 11: "Invalid field 'last_state'", exit 100 with the
 * events still waiting). fields_get answers the same question without
 * touching a record, so the check asks it of both models and names each
 * mapped field Odoo lacks with the ODOO_FIELDS line that would fix it:
 * the field under a name the model does have (the seed's, the role's, an
 * "x_" or Studio custom field), else the field left out, else - for a key,
 * which cannot be left out - the field to add in Odoo.
 *
 * Three requests (login, two fields_get), spaced like the sink's own by
 * 1/ODOO_RATE but taking no token of the spool's bucket (check changes
 * nothing), each bounded by a third of the probe's time. The password is
 * sent, never shown.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "core/config.h"
#include "sinks/odoo/odoo.h"
#include "core/banned.h"

#define MISS_MAX 1024

struct probe {
	struct hs_odoo_settings st;
	struct hs_odoo_rpc *rpc;
	int64_t now_ms;
	long uid;
	struct json_object *fields[2];	/* owned: contact, state */
	char fixed[HS_ODOO_NROLES][HS_ODOO_NAME_MAX];
};

/* Calls and keeps an OK result in *res (owned); else the reply's class
 * with its text in what. */
static enum hs_odoo_class
call(struct probe *p, const char *service, const char *method,
     struct json_object *args, struct json_object **res, char *what,
     size_t n)
{
	struct hs_odoo_reply r;
	enum hs_odoo_class cls;

	*res = NULL;
	if (!args || hs_odoo_call(p->rpc, service, method, args, p->now_ms,
	    &r) != HS_OK) {
		json_object_put(args);
		snprintf(what, n, "out of memory");
		return HS_ODOO_RETRY;
	}
	json_object_put(args);
	cls = r.cls;
	snprintf(what, n, "%s", r.what);
	if (cls == HS_ODOO_OK)
		*res = json_object_get(r.result);
	hs_odoo_reply_release(&r);
	return cls;
}

static enum hs_probe
login(struct probe *p, char *d, size_t n)
{
	struct json_object *a = json_object_new_array(), *res = NULL;
	char what[HS_ODOO_WHAT_LEN];
	enum hs_odoo_class cls;

	if (a && (json_object_array_add(a, json_object_new_string(p->st.db)) ||
	    json_object_array_add(a, json_object_new_string(p->st.user)) ||
	    json_object_array_add(a, json_object_new_string(p->st.password)) ||
	    json_object_array_add(a, json_object_new_object()))) {
		json_object_put(a);
		a = NULL;
	}
	cls = call(p, "common", "authenticate", a, &res, what, sizeof(what));
	if (cls == HS_ODOO_OK && json_object_is_type(res, json_type_int) &&
	    json_object_get_int64(res) > 0)
		p->uid = (long)json_object_get_int64(res);
	json_object_put(res);
	if (p->uid > 0)
		return HS_PROBE_OK;
	if (cls == HS_ODOO_OK)
		snprintf(d, n, "odoo refused the login of user '%.100s' on "
		    "database '%.100s' at %s: wrong ODOO_USERNAME (or "
		    "ODOO_USER) or ODOO_PASSWORD", p->st.user, p->st.db,
		    p->st.url);
	else
		snprintf(d, n, "cannot log in at %s (database '%.100s'): %s",
		    p->st.url, p->st.db, what);
	return HS_PROBE_FAIL;
}

/* fields_get of model into p->fields[i]. */
static enum hs_probe
read_fields(struct probe *p, int i, const char *model, const char *key,
            char *d, size_t n)
{
	struct json_object *kw = json_object_new_object();
	struct json_object *at = json_object_new_array();
	char what[HS_ODOO_WHAT_LEN];
	enum hs_odoo_class cls;

	if (kw && at && !json_object_array_add(at,
	    json_object_new_string("type")) && !json_object_object_add(kw,
	    "attributes", at))
		at = NULL;	/* kw owns it */
	json_object_put(at);
	cls = call(p, "object", "execute_kw", hs_odoo_kw_args(p->st.db,
	    p->uid, p->st.password, model, "fields_get",
	    json_object_new_array(), kw), &p->fields[i], what, sizeof(what));
	if (cls == HS_ODOO_OK &&
	    json_object_is_type(p->fields[i], json_type_object))
		return HS_PROBE_OK;
	snprintf(d, n, "cannot read the fields of model '%s' at %s: %s%s%s",
	    model, p->st.url, cls == HS_ODOO_OK ? "answer is not a map" :
	    what, cls == HS_ODOO_RECORD || cls == HS_ODOO_ACCESS ? "; check "
	    : "", cls == HS_ODOO_RECORD || cls == HS_ODOO_ACCESS ? key : "");
	return HS_PROBE_FAIL;
}

static int
has(struct json_object *fields, const char *f)
{
	return f[0] && json_object_object_get_ex(fields, f, NULL);
}

static int
is_key(int r)
{
	return r == HS_OC_KEY || r == HS_OS_KEY || r == HS_OS_IDEM;
}

/* A name the model has for role r's value, or "" (left out). */
static void
suggest(const struct probe *p, int r, struct json_object *fields,
        char *out)
{
	const char *base[2] = { hs_odoo_role_default(r),
	    strchr(hs_odoo_role_name(r), '.') + 1 };
	char c[HS_ODOO_NAME_MAX + 16];
	int i, j;

	out[0] = '\0';
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++) {
			snprintf(c, sizeof(c), "%s%s", j == 0 ? "" : j == 1 ?
			    "x_" : "x_studio_", base[i]);
			if (strlen(c) < HS_ODOO_NAME_MAX && has(fields, c) &&
			    strcmp(c, p->st.map.field[r])) {
				snprintf(out, HS_ODOO_NAME_MAX, "%s", c);
				return;
			}
		}
}

/* ODOO_FIELDS with every role whose fixed field is not its default. */
static void
fix_line(const struct probe *p, struct hs_buf *b)
{
	int r, any = 0;

	(void)!hs_buf_adds(b, "ODOO_FIELDS=");
	for (r = 0; r < HS_ODOO_NROLES; r++)
		if (strcmp(p->fixed[r], hs_odoo_role_default(r)))
			(void)!hs_buf_addf(b, "%s%s=%s", any++ ? "," : "",
			    hs_odoo_role_name(r), p->fixed[r]);
}

/* Every mapped field the models lack; HS_PROBE_OK when none. */
static enum hs_probe
compare(struct probe *p, char *d, size_t n)
{
	struct hs_buf miss, fix;
	const char *model;
	int r, m, nmiss = 0, keys = 0, mapped = 0;

	hs_buf_init(&miss, MISS_MAX);
	hs_buf_init(&fix, MISS_MAX);
	for (r = 0; r < HS_ODOO_NROLES; r++) {
		m = r >= HS_OS_KEY;
		model = m ? p->st.map.state_model : p->st.map.contact_model;
		snprintf(p->fixed[r], HS_ODOO_NAME_MAX, "%s",
		    p->st.map.field[r]);
		if (!p->st.map.field[r][0])
			continue;
		mapped++;
		if (has(p->fields[m], p->st.map.field[r]))
			continue;
		suggest(p, r, p->fields[m], p->fixed[r]);
		keys += is_key(r) && !p->fixed[r][0];
		if (is_key(r) && !p->fixed[r][0])
			snprintf(p->fixed[r], HS_ODOO_NAME_MAX, "%s",
			    p->st.map.field[r]);
		(void)!hs_buf_addf(&miss, "%s%s.%s (%s)", nmiss++ ? ", " : "",
		    model, p->st.map.field[r], hs_odoo_role_name(r));
	}
	fix_line(p, &fix);
	if (!strcmp(hs_buf_str(&fix), "ODOO_FIELDS=")) {
		hs_buf_reset(&fix);	/* the defaults fit */
		(void)!hs_buf_adds(&fix, "ODOO_FIELDS= (or no ODOO_FIELDS: "
		    "the defaults fit)");
	}
	if (!nmiss)
		snprintf(d, n, "logged in as user '%.100s' (uid %ld) on "
		    "database '%.100s' at %s; %s and %s have every mapped "
		    "field (%d)", p->st.user, p->uid, p->st.db, p->st.url,
		    p->st.map.contact_model, p->st.map.state_model, mapped);
	else
		snprintf(d, n, "Odoo lacks %d mapped field%s: %s; %s%s%s",
		    nmiss, nmiss == 1 ? "" : "s", hs_buf_str(&miss), keys ?
		    "add the missing key field (a unique char field) to the "
		    "model in Odoo, and set " : "fix: ", hs_buf_str(&fix),
		    keys || strchr(hs_buf_str(&fix), '(') ? "" :
		    " (an empty field is not sent)");
	hs_buf_release(&miss);
	hs_buf_release(&fix);
	return nmiss ? HS_PROBE_FAIL : HS_PROBE_OK;
}

enum hs_probe
hs_odoo_probe(const struct hs_config *cfg, int64_t now_ms, long timeout_ms,
              char *d, size_t n)
{
	struct probe p;
	enum hs_probe rc;
	char why[512];

	memset(&p, 0, sizeof(p));
	p.now_ms = now_ms;
	if (hs_odoo_settings_read(&p.st, cfg, why, sizeof(why)) != HS_OK) {
		snprintf(d, n, "%s", why);
		return HS_PROBE_FAIL;
	}
	p.st.rpc.timeout_ms = timeout_ms / 3 > 100 ? timeout_ms / 3 : 100;
	if (p.st.rpc.connect_timeout_ms > p.st.rpc.timeout_ms)
		p.st.rpc.connect_timeout_ms = p.st.rpc.timeout_ms;
	if (hs_odoo_rpc_new(&p.rpc, &p.st.rpc) != HS_OK) {
		snprintf(d, n, "out of memory");
		return HS_PROBE_FAIL;
	}
	rc = login(&p, d, n);
	if (rc == HS_PROBE_OK)
		rc = read_fields(&p, 0, p.st.map.contact_model,
		    "ODOO_CONTACT_MODEL", d, n);
	if (rc == HS_PROBE_OK)
		rc = read_fields(&p, 1, p.st.map.state_model,
		    "ODOO_STATE_MODEL", d, n);
	if (rc == HS_PROBE_OK)
		rc = compare(&p, d, n);
	json_object_put(p.fields[0]);
	json_object_put(p.fields[1]);
	hs_odoo_rpc_free(p.rpc);
	return rc;
}
