/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event queue: a binary min-heap ordered by (time, insertion counter), so
 * events at the same virtual time run in the order they were scheduled and
 * the same seed replays the same run exactly.
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stddef.h>
#include <stdint.h>

enum sim_ev_type {
	SIM_EV_FRAME = 1,	/* a frame arrives at node */
	SIM_EV_TIMER,		/* node's deadline; stale unless arg == its timer_gen */
	SIM_EV_TRAFFIC,		/* node's next rate-limited message is due */
	SIM_EV_PAUSE,		/* node's CPU stops for a while */
	SIM_EV_FAULT_END,	/* the network becomes perfect */
	SIM_EV_FAULT,		/* scheduled fault arg of the run's schedule */
	SIM_EV_CONVERGE,	/* every node must be in one ring by now */
};

struct sim_buf;

struct sim_ev {
	uint64_t t;		/* virtual ns */
	uint64_t ctr;		/* insertion order, the tie-break */
	struct sim_buf *buf;	/* SIM_EV_FRAME */
	uint32_t arg;		/* SIM_EV_TIMER: generation; SIM_EV_FAULT: index */
	uint16_t node;		/* index, 0..n-1 */
	uint8_t type;
};

struct sim_evq {
	struct sim_ev *heap;
	size_t n, cap;
	uint64_t ctr;
};

int sim_evq_init(struct sim_evq *q, size_t cap);
void sim_evq_fini(struct sim_evq *q);
/* 0, or -ENOMEM. */
int sim_evq_push(struct sim_evq *q, uint64_t t, uint8_t type, uint16_t node,
		 uint32_t arg, struct sim_buf *buf);
/* 1 with the earliest event in *ev, 0 when empty. */
int sim_evq_pop(struct sim_evq *q, struct sim_ev *ev);

#endif /* SIM_EVQ_H */
