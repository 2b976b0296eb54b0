/*
 * front/after.h - a FastCGI process hands the events it just committed to
 * a forker process, which sends their chat replies from a worker of its
 * own, so the FastCGI process is back at accept() at once (front/after.c
 * says why it is done this way).
 */
#ifndef HS_AFTER_H
#define HS_AFTER_H

#include <stddef.h>
#include <stdint.h>

#include "front/app.h"

/*
 * Forks the forker; call before the spool is ever opened. Its socket, or
 * -1 when nothing would be sent after an answer (no immediate sink, or
 * IMMEDIATE_MAX_MS is 0) or it could not start.
 */
int hs_after_start(const struct hs_config *cfg);

/*
 * Hands ids[0..n) to the forker without waiting: 0 when it took them, -1
 * when the caller must do the work itself (no forker, its queue full, or
 * it is gone).
 */
int hs_after_hand_over(int fd, const int64_t *ids, size_t n);

#endif
