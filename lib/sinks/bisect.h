/*
 * sinks/bisect.h - isolating the records a peer refuses, by halving.
 *
 * Some peers take a group of records all or nothing and, when they refuse
 * it for one record's sake, do not say which (an Odoo list create, an SQL
 * transaction). Halving the refused group until the record is alone finds
 * it, and every other record still goes through: one bad record among n
 * costs about 2*log2(n) requests, k bad ones about 2*k*log2(n).
 *
 * The helper knows nothing of records or peers: it works on positions
 * [0, n) of the caller's own array, and the caller's callbacks send a
 * group and record each outcome. It keeps no state between calls.
 */
#ifndef HS_SINKS_BISECT_H
#define HS_SINKS_BISECT_H

#include <stddef.h>

/* What one send of a group came to. */
enum hs_bisect_sent {
	HS_BISECT_TAKEN,	/* the peer took the whole group */
	HS_BISECT_REFUSED,	/* refused for some record's sake: halve it */
	HS_BISECT_DECIDED,	/* the callback decided the group otherwise
				 * (a transient failure: retry); no halving */
	HS_BISECT_STOP,		/* send nothing more (connection lost,
				 * run stopped); the undecided stay so */
};

struct hs_bisect {
	/*
	 * Sends positions [at, at + k) as one request and records what the
	 * peer took. On HS_BISECT_REFUSED, *why may point at the refusal,
	 * which the caller keeps until drop(why).
	 */
	enum hs_bisect_sent (*send)(void *ctx, size_t at, size_t k,
	                            void **why);
	/* Position at is refused alone, for why (from some send). */
	void (*refused)(void *ctx, size_t at, const void *why);
	/* [at, at + k) holds a refused record but the budget is spent.
	 * Needed only with a budget. */
	void (*unresolved)(void *ctx, size_t at, size_t k, const void *why);
	/* Releases a why, last refused first, so a caller may keep them on a
	 * stack of HS_BISECT_DEPTH. NULL: nothing to release. */
	void (*drop)(void *ctx, void *why);
	void *ctx;
	/*
	 * 1: when the first half of a refused group is taken whole, the
	 * second is known to hold the culprit and is halved without being
	 * sent whole (right when the peer's verdict on a record does not
	 * depend on its company). 0: every group is sent.
	 */
	int infer;
	/* Requests left for halving, 2 per halving, shared by the caller's
	 * calls; NULL: unbounded. */
	int *budget;
};

/* Refusals kept at once, at most: one per level of halving of a size_t,
 * and the whole. */
#define HS_BISECT_DEPTH	65

/*
 * Sends [0, n) and halves what is refused until each refused record is
 * alone (refused()) or the budget is spent (unresolved()). Returns what
 * the first send came to (HS_BISECT_REFUSED when it was halved), or
 * HS_BISECT_STOP when any send said stop; HS_BISECT_DECIDED for n == 0.
 */
enum hs_bisect_sent hs_bisect(const struct hs_bisect *b, size_t n);

#endif
