/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast's additions to the CPG API, beside <corosync/cpg.h>: what a
 * delivery was, which the deliver callback's arguments cannot say.
 *
 * A program that must also run on corosync's libcpg declares the function
 * weak and checks it for NULL before the call (a weak reference resolves to
 * NULL where the symbol is missing); see ringcast_cpg_delivery_flags(3).
 */
#ifndef RINGCAST_CPG_EXT_H
#define RINGCAST_CPG_EXT_H

#include <stdint.h>

#include <corosync/cpg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The sender asked for CPG_TYPE_SAFE. */
#define RINGCAST_DELIVERY_SAFE		0x1u
/*
 * Delivered in the transitional configuration: this node recovered the
 * message from the ring that just ended, after one or more of that ring's
 * members failed or were cut off. Extended virtual synchrony's guarantees
 * for it hold among the members that move on together (the next confchg's
 * member list, without its joined list); a SAFE message delivered so is held
 * by every one of those, not necessarily by the members that left.
 */
#define RINGCAST_DELIVERY_TRANSITIONAL	0x2u

/*
 * Inside the handle's cpg_deliver_fn, on the thread that runs it: the
 * RINGCAST_DELIVERY_* flags of the message being delivered. CS_OK;
 * CS_ERR_INVALID_PARAM (flags NULL); CS_ERR_BAD_HANDLE (not called from that
 * handle's deliver callback).
 */
cs_error_t ringcast_cpg_delivery_flags(cpg_handle_t handle, uint32_t *flags);

#ifdef __cplusplus
}
#endif

#endif /* RINGCAST_CPG_EXT_H */
