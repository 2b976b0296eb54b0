/*
 * sinks/bisect.c - isolating the records a peer refuses (see
 * sinks/bisect.h).
 *
 * Recursive: the depth is the number of halvings, at most log2(n) + 1.
 */
#include <stddef.h>

#include "sinks/bisect.h"
#include "core/banned.h"

struct run {
	const struct hs_bisect *b;
	int stopped;
};

static enum hs_bisect_sent halve(struct run *r, size_t at, size_t k,
                                 int known, const void *why);

/* Splits [at, at + k), refused for why, and sends each half. */
static void
split(struct run *r, size_t at, size_t k, const void *why)
{
	const struct hs_bisect *b = r->b;
	size_t h = k / 2;
	enum hs_bisect_sent first;

	if (b->budget)
		*b->budget -= 2;
	first = halve(r, at, h, 0, NULL);
	if (r->stopped)
		return;
	/* The whole was refused and its first half was not: the culprit is
	 * in the second, so sending it whole would only be refused. */
	if (b->infer && first == HS_BISECT_TAKEN)
		halve(r, at + h, k - h, 1, why);
	else
		halve(r, at + h, k - h, 0, NULL);
}

/*
 * Sends [at, at + k), unless known says it is refused already (for why),
 * and halves it when refused. What its send came to (REFUSED when not
 * sent).
 */
static enum hs_bisect_sent
halve(struct run *r, size_t at, size_t k, int known, const void *why)
{
	const struct hs_bisect *b = r->b;
	enum hs_bisect_sent sent = HS_BISECT_REFUSED;
	void *mine = NULL;	/* the refusal of this send, to drop */

	if (!known) {
		sent = b->send(b->ctx, at, k, &mine);
		r->stopped = sent == HS_BISECT_STOP;	/* sends no more */
		why = mine;
	}
	if (sent == HS_BISECT_REFUSED && k == 1)
		b->refused(b->ctx, at, why);
	else if (sent == HS_BISECT_REFUSED && b->budget && *b->budget <= 0)
		b->unresolved(b->ctx, at, k, why);
	else if (sent == HS_BISECT_REFUSED)
		split(r, at, k, why);
	if (mine && b->drop)
		b->drop(b->ctx, mine);
	return r->stopped ? HS_BISECT_STOP : sent;
}

enum hs_bisect_sent
hs_bisect(const struct hs_bisect *b, size_t n)
{
	struct run r = { b, 0 };

	if (n == 0)
		return HS_BISECT_DECIDED;
	return halve(&r, 0, n, 0, NULL);
}
