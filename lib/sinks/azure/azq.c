/*
 * sinks/azure/azq.c - the shared vocabulary's few functions: queue names,
 * decoded texts, and an outcome as an error and as a word.
 */
#include <stdlib.h>
#include <string.h>

#include "sinks/azure/azq.h"
#include "core/banned.h"

int
hs_azq_queue_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0, i;

	if (n < 3 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '-')
			return 0;
		if (c == '-' && (i == 0 || i == n - 1 || name[i - 1] == '-'))
			return 0;
	}
	return 1;
}

void
hs_azq_texts_init(struct hs_azq_texts *t)
{
	memset(t, 0, sizeof(*t));
}

void
hs_azq_texts_release(struct hs_azq_texts *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->text[i]);
	hs_azq_texts_init(t);
}

enum hs_err
hs_azq_outcome_err(const struct hs_azq_result *res)
{
	switch (res->outcome) {
	case HS_AZQ_DONE:
		return HS_OK;
	case HS_AZQ_AUTH:
		return HS_EAUTH;
	case HS_AZQ_NO_QUEUE:
		return HS_ENOTFOUND;
	case HS_AZQ_PERMANENT:
		return HS_EPEER;
	case HS_AZQ_RETRY:
		break;
	}
	return strcmp(res->code, "Timeout") == 0 ? HS_ETIMEOUT : HS_EAGAIN;
}

const char *
hs_azq_outcome_str(enum hs_azq_outcome o)
{
	switch (o) {
	case HS_AZQ_DONE:
		return "done";
	case HS_AZQ_RETRY:
		return "retry";
	case HS_AZQ_PERMANENT:
		return "permanent";
	case HS_AZQ_AUTH:
		return "auth";
	case HS_AZQ_NO_QUEUE:
		return "no-queue";
	}
	return "unknown";
}
