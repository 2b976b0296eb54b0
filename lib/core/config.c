/*
 * core/config.c - dotenv-style KEY=VALUE parsing against the key table.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/caps.h"
#include "core/config.h"
#include "core/banned.h"

struct conf_entry {
	char *key;
	char *val;
};

struct hs_config {
	char *path;
	struct conf_entry *entries;
	size_t n;
	char **problems;
	int *problem_is_error;
	size_t nproblems;
};

const char *
hs_config_default_path(void)
{
	const char *p = getenv("HOOKSPOOL_CONF");

	return p && *p ? p : HS_CONF_DEFAULT_PATH;
}

const struct hs_conf_key *
hs_conf_key_find(const char *name)
{
	const struct hs_conf_key *k;
	size_t i;

	for (i = 0; (k = hs_conf_key_at(i)); i++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

static int
is_ignored(const char *name)
{
	size_t i;

	for (i = 0; hs_conf_ignored_prefixes[i]; i++)
		if (!strncmp(name, hs_conf_ignored_prefixes[i],
		    strlen(hs_conf_ignored_prefixes[i])))
			return 1;
	return 0;
}

static void
add_problem(struct hs_config *c, int is_error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
add_problem(struct hs_config *c, int is_error, const char *fmt, ...)
{
	char **np;
	int *ne;
	char *msg;
	va_list ap;
	struct hs_buf b;

	hs_buf_init(&b, 1024);
	va_start(ap, fmt);
	if (hs_buf_vaddf(&b, fmt, ap) != HS_OK)
		hs_buf_reset(&b);
	va_end(ap);
	msg = hs_buf_take(&b);
	np = realloc(c->problems, (c->nproblems + 1) * sizeof(*np));
	if (np)
		c->problems = np;
	ne = realloc(c->problem_is_error, (c->nproblems + 1) * sizeof(*ne));
	if (ne)
		c->problem_is_error = ne;
	if (!np || !ne || !msg) {
		free(msg);
		return;
	}
	c->problems[c->nproblems] = msg;
	c->problem_is_error[c->nproblems] = is_error;
	c->nproblems++;
}

int
hs_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "on") || !strcmp(s, "1"))
		*out = 1;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off") || !strcmp(s, "0") || !*s)
		*out = 0;
	else
		return -1;
	return 0;
}

static void
check_value(struct hs_config *c, const struct hs_conf_key *k,
            const char *val, size_t lineno)
{
	long l;
	int b;

	if (k->type == HS_CONF_INT && hs_parse_long(val, k->min, k->max, &l))
		add_problem(c, 1, "%s:%zu: %s must be a whole number from "
		    "%ld to %ld, not '%s'", c->path, lineno, k->name, k->min,
		    k->max, val);
	if (k->type == HS_CONF_BOOL && parse_bool(val, &b))
		add_problem(c, 1, "%s:%zu: %s must be true or false, not '%s'",
		    c->path, lineno, k->name, val);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * A quoted value ends at its closing quote (a " # comment" may follow);
 * an unquoted one ends at " #", as in the dotenv files of the seeds.
 */
static char *
unquote(char *v)
{
	char *close, *hash;

	if (v[0] == '"' || v[0] == '\'') {
		/* The first quote after which only a comment may follow. */
		for (close = strchr(v + 1, v[0]); close;
		    close = strchr(close + 1, v[0])) {
			hash = close + 1;
			while (isspace((unsigned char)*hash))
				hash++;
			if (!*hash || *hash == '#') {
				*close = '\0';
				return v + 1;
			}
		}
	}
	for (hash = strchr(v, '#'); hash; hash = strchr(hash + 1, '#'))
		if (hash > v && isspace((unsigned char)hash[-1])) {
			*hash = '\0';
			return trim(v);
		}
	return v;
}

static enum hs_err
set_entry(struct hs_config *c, const char *key, const char *val)
{
	struct conf_entry *ne;
	char *k, *v;
	size_t i;

	v = strdup(val);
	if (!v)
		return HS_ENOMEM;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->entries[i].key, key)) {
			free(c->entries[i].val);
			c->entries[i].val = v;
			return HS_OK;
		}
	k = strdup(key);
	ne = k ? realloc(c->entries, (c->n + 1) * sizeof(*ne)) : NULL;
	if (!ne) {
		free(k);
		free(v);
		return HS_ENOMEM;
	}
	c->entries = ne;
	c->entries[c->n].key = k;
	c->entries[c->n].val = v;
	c->n++;
	return HS_OK;
}

static enum hs_err
parse_line(struct hs_config *c, char *line, size_t lineno)
{
	char *eq, *key, *val;
	const struct hs_conf_key *k;

	line = trim(line);
	if (!*line || *line == '#')
		return HS_OK;
	if (!strncmp(line, "export ", 7))
		line = trim(line + 7);
	eq = strchr(line, '=');
	if (!eq) {
		add_problem(c, 1, "%s:%zu: expected KEY=VALUE", c->path,
		    lineno);
		return HS_OK;
	}
	*eq = '\0';
	key = trim(line);
	val = unquote(trim(eq + 1));
	k = hs_conf_key_find(key);
	if (!k) {
		if (!is_ignored(key))
			add_problem(c, 0, "%s:%zu: unknown key '%s' (ignored)",
			    c->path, lineno, key);
		return HS_OK;
	}
	if (c->n >= HS_MAX_CONF_KEYS)
		return HS_ETOOBIG;
	check_value(c, k, val, lineno);
	return set_entry(c, key, val);
}

static struct hs_config *
config_new(const char *origin)
{
	struct hs_config *c = calloc(1, sizeof(*c));

	if (c && !(c->path = strdup(origin))) {
		free(c);
		c = NULL;
	}
	return c;
}

/*
 * A seed deployment with USE_KEY_VAULT=true kept its secrets in Azure Key
 * Vault; hookspool never reads it, so those secrets must be in this file.
 * Accepting the key in silence would leave a user wondering why the
 * secrets are "missing".
 */
static void
warn_seed_settings(struct hs_config *c)
{
	if (hs_config_has(c, "USE_KEY_VAULT") &&
	    hs_config_bool(c, "USE_KEY_VAULT"))
		add_problem(c, 0, "USE_KEY_VAULT=true: hookspool does not read "
		    "Azure Key Vault; put API_KEY, WEBHOOK_SECRET and the "
		    "destinations' credentials in %s itself (readable only by "
		    "the handler's user, mode 640)", c->path);
}

/* 1 when key (len bytes) is an entry, or a spelling of one, of another
 * owner than skip's. */
static int
needed_elsewhere(const struct hs_conf_need *skip, const char *key,
                 size_t len)
{
	const struct hs_conf_need *nd;
	const char *const *e;
	const char *p, *bar;
	size_t i, l;

	for (i = 0; (nd = hs_conf_need_at(i)); i++)
		for (e = nd->keys; nd != skip && *e; e++)
			for (p = *e; p; p = bar ? bar + 1 : NULL) {
				bar = strchr(p, '|');
				l = bar ? (size_t)(bar - p) : strlen(p);
				if (l == len && !memcmp(p, key, len))
					return 1;
			}
	return 0;
}

/*
 * One entry of a need: the first of its spellings that is set, copied to
 * set (n bytes), or "" (*own: set to 1 when no other owner needs that
 * key); a warning when two are set, the first one used.
 */
static void
entry_set(struct hs_config *c, const struct hs_conf_need *nd,
          const char *entry, char *set, size_t n, int *own)
{
	char key[128];
	const char *p, *bar;
	size_t len;

	set[0] = '\0';
	for (p = entry; p; p = bar ? bar + 1 : NULL) {
		bar = strchr(p, '|');
		len = bar ? (size_t)(bar - p) : strlen(p);
		if (len >= sizeof(key) || len >= n)
			continue;
		memcpy(key, p, len);
		key[len] = '\0';
		if (!hs_config_has(c, key))
			continue;
		if (!needed_elsewhere(nd, key, len))
			*own = 1;
		if (!set[0])
			memcpy(set, key, len + 1);
		else
			add_problem(c, 0, "%s and %s are both set: %s is used, "
			    "%s ignored", set, key, set, key);
	}
}

/* "A (or B)" for a need's entry "A|B", appended to b. */
static void
add_entry_name(struct hs_buf *b, const char *entry)
{
	const char *bar = strchr(entry, '|');

	if (!bar) {
		(void)!hs_buf_adds(b, entry);
		return;
	}
	(void)!hs_buf_add(b, entry, (size_t)(bar - entry));
	(void)!hs_buf_addf(b, " (or %s)", bar + 1);
}

/* Every owner with some but not all of its needed keys set: an error. */
static void
check_needs(struct hs_config *c)
{
	const struct hs_conf_need *nd;
	const char *const *e;
	struct hs_buf set, missing;
	char key[128];
	size_t i;
	int own;

	for (i = 0; (nd = hs_conf_need_at(i)); i++) {
		hs_buf_init(&set, 1024);
		hs_buf_init(&missing, 1024);
		own = 0;
		for (e = nd->keys; *e; e++) {
			entry_set(c, nd, *e, key, sizeof(key), &own);
			if (key[0])
				(void)!hs_buf_addf(&set, "%s%s", set.len ?
				    ", " : "", key);
			else {
				if (missing.len)
					(void)!hs_buf_adds(&missing, ", ");
				add_entry_name(&missing, *e);
			}
		}
		if (own && missing.len)
			add_problem(c, 1, "the %s sink is half configured: %s "
			    "%s set but %s %s not; set %s, or remove the "
			    "sink's keys to leave it off", nd->owner,
			    hs_buf_str(&set), strchr(hs_buf_str(&set), ',') ?
			    "are" : "is", hs_buf_str(&missing),
			    strchr(hs_buf_str(&missing), ',') ? "are" : "is",
			    strchr(hs_buf_str(&missing), ',') ? "them" : "it");
		hs_buf_release(&set);
		hs_buf_release(&missing);
	}
}

enum hs_err
hs_config_parse(struct hs_config **out, const char *text, const char *origin)
{
	struct hs_config *c;
	char *copy, *line, *next;
	size_t lineno = 0;
	enum hs_err rc = HS_OK;

	*out = c = config_new(origin);
	if (!c)
		return HS_ENOMEM;
	copy = strdup(text);
	if (!copy)
		return HS_ENOMEM;
	for (line = copy; line && rc == HS_OK; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (strlen(line) > HS_MAX_CONF_LINE)
			add_problem(c, 1, "%s:%zu: line too long", origin,
			    lineno);
		else
			rc = parse_line(c, line, lineno);
	}
	free(copy);
	if (rc == HS_OK) {
		warn_seed_settings(c);
		check_needs(c);
	}
	return rc;
}

enum hs_err
hs_config_load(struct hs_config **out, const char *path)
{
	FILE *f;
	struct hs_buf text;
	char chunk[4096];
	size_t n;
	enum hs_err rc = HS_OK;

	f = fopen(path, "r");
	if (!f) {
		rc = errno == ENOENT ? HS_ENOTFOUND : HS_EIO;
		*out = config_new(path);
		if (*out)
			add_problem(*out, 1, "cannot read config '%s': %s",
			    path, strerror(errno));
		return *out ? rc : HS_ENOMEM;
	}
	hs_buf_init(&text, 1024 * 1024);
	while (rc == HS_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = hs_buf_add(&text, chunk, n);
	if (rc == HS_OK && ferror(f)) {
		rc = HS_EIO;
		*out = config_new(path);
		if (*out)
			add_problem(*out, 1, "cannot read config '%s': %s",
			    path, strerror(errno));
		fclose(f);
		hs_buf_release(&text);
		return *out ? rc : HS_ENOMEM;
	}
	fclose(f);
	if (rc == HS_OK)
		rc = hs_config_parse(out, hs_buf_str(&text), path);
	else if ((*out = config_new(path)) != NULL)
		add_problem(*out, 1, "config '%s' is larger than 1 MiB", path);
	hs_buf_release(&text);
	return rc == HS_ETOOBIG ? HS_OK : rc;
}

void
hs_config_free(struct hs_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->entries[i].key);
		free(c->entries[i].val);
	}
	for (i = 0; i < c->nproblems; i++)
		free(c->problems[i]);
	free(c->entries);
	free(c->problems);
	free(c->problem_is_error);
	free(c->path);
	free(c);
}

const char *
hs_config_path(const struct hs_config *c)
{
	return c->path;
}

static const char *
lookup(const struct hs_config *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->entries[i].key, key))
			return c->entries[i].val;
	return NULL;
}

const char *
hs_config_get(const struct hs_config *c, const char *key)
{
	const char *v = lookup(c, key);
	const struct hs_conf_key *k;

	if (v)
		return v;
	k = hs_conf_key_find(key);
	return k ? k->def : NULL;
}

int
hs_config_has(const struct hs_config *c, const char *key)
{
	const char *v = lookup(c, key);

	return v && *v;
}

long
hs_config_int(const struct hs_config *c, const char *key)
{
	const struct hs_conf_key *k = hs_conf_key_find(key);
	const char *v = hs_config_get(c, key);
	long out = 0;

	if (!k || !v || hs_parse_long(v, k->min, k->max, &out))
		if (!k || !k->def || hs_parse_long(k->def, k->min, k->max, &out))
			out = 0;
	return out;
}

int
hs_config_bool(const struct hs_config *c, const char *key)
{
	const char *v = hs_config_get(c, key);
	int out = 0;

	if (!v || parse_bool(v, &out))
		out = 0;
	return out;
}

const char *
hs_config_problem(const struct hs_config *c, size_t i, int *is_error)
{
	if (i >= c->nproblems)
		return NULL;
	if (is_error)
		*is_error = c->problem_is_error[i];
	return c->problems[i];
}

int
hs_config_ok(const struct hs_config *c)
{
	size_t i;

	for (i = 0; i < c->nproblems; i++)
		if (c->problem_is_error[i])
			return 0;
	return 1;
}
