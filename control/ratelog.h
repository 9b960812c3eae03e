/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A log line per event, but at most RC_RATELOG_BURST in any period: a
 * flood of refused connections (a misconfigured client retrying in a
 * loop, or a local user hammering the socket) must not flood syslog. What
 * was held back is counted and said in the next line that goes out.
 */
#ifndef RC_RATELOG_H
#define RC_RATELOG_H

#include <stdbool.h>
#include <stdint.h>

#define RC_RATELOG_BURST	5
#define RC_RATELOG_PERIOD_NS	10000000000ull	/* 10 s */

struct rc_ratelog {
	uint64_t start;		/* the current period's start, ns */
	uint32_t logged;	/* lines in it */
	uint32_t held;		/* events not logged since the last line */
};

/*
 * true: log this event, and say *held events were held back before it;
 * false: hold it back (counted).
 */
static inline bool rc_ratelog_ok(struct rc_ratelog *r, uint64_t now, uint32_t *held)
{
	if (r->logged == 0 || now - r->start >= RC_RATELOG_PERIOD_NS) {
		r->start = now;
		r->logged = 0;
	}
	if (r->logged >= RC_RATELOG_BURST) {
		r->held++;
		return false;
	}
	r->logged++;
	*held = r->held;
	r->held = 0;
	return true;
}

#endif /* RC_RATELOG_H */
