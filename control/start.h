/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What ringcastd does at start that needs neither DPDK nor libqb, so unit
 * tests link it alone: the EAL argument vector (eal_args.c) and the service
 * manager's readiness protocol (notify.c). Private to control/ and its tests.
 */
#ifndef RC_START_H
#define RC_START_H

#include <stddef.h>
#include <stdint.h>

/* ---- notify.c ---- */

/* READY=1 comes at the first regular configuration, or after this wait. */
#define RC_READY_WAIT_MIN_NS	(5 * 1000000000ull)

/* Send state ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET; 0 when unset. */
int rc_notify(const char *state);
/* How long start-up waits for a ring before it says READY=1 anyway. */
uint64_t rc_notify_ready_wait_ns(uint64_t token_ns, uint64_t consensus_ns);

/* ---- placement.c ---- */

#define RC_NOT_WORKER	(-2)	/* lcore_node[i]: not an lcore the dataplane may use */

struct rc_placement {
	unsigned int lcore;	/* runs the dataplane loop */
	int node;		/* NUMA node of its memory: the port's, else the lcore's */
	int cross;		/* the lcore is on another node than the port */
};

/*
 * Where the dataplane runs. lcore_node[i]: NUMA node of lcore i, -1 unknown,
 * RC_NOT_WORKER when not usable (disabled, or the main lcore); port_node -1
 * when ethdev does not know. configured: dataplane { lcore }, or -1 for the
 * first worker on the port's node (the first worker if there is none).
 * -EINVAL: the configured lcore is not a worker; -ENOENT: no worker at all.
 */
int rc_place_dataplane(const int *lcore_node, unsigned int n_lcores, int port_node,
		       int configured, struct rc_placement *out);

/* ringcast { zero_copy }: whose messages go out from their own memory */
enum rc_zero_copy {
	RC_ZC_OFF = 0,		/* nobody's: every client payload is copied */
	RC_ZC_ROOT,		/* root's (uid 0) */
	RC_ZC_ALL,		/* every client's this daemon lets in */
};

/* Does ringcast { zero_copy } trust this client's messages in place (ptrace:
   as for rc_zc_allowed)? Only such clients' regions are registered with DPDK
   (control/dma.c). */
int rc_zc_trusted(int policy, unsigned int uid, int ptrace);

/* What the port may read of a client region (control/dma.c fills it). */
struct rc_zc_reach {
	int pci_port;		/* the port is a PCI device: it DMAs from the region */
	int iova_pa;		/* EAL runs IOVA as PA: the device sees physical addresses */
	int huge;		/* hugetlb pages: pinned, their physical address stays */
	int registered;		/* registered with DPDK with its IOVA table */
	int mapped;		/* DMA-mapped for the port's device */
};

/*
 * May a client's messages go out from its own region (zero copy)? policy:
 * ringcast { zero_copy } (enum rc_zero_copy); uid: the client's; ptrace:
 * it had CAP_SYS_PTRACE in its effective set when it attached (root's
 * trust is that it could rewrite the daemon's memory anyway: uid 0 alone,
 * in a container without the capability, could not); r: what the port may
 * read of its region. A PCI port DMAs from the region: only from a hugetlb
 * region registered and mapped for it. Normal pages may move in physical
 * memory: never in IOVA-as-PA mode, whatever the port. A driver that reads
 * frames by their address (net_af_packet, net_tap) needs neither
 * registration nor mapping. (Whether the port takes client memory at all
 * is the dataplane's to say: rc_dp_zero_copy_port.)
 */
int rc_zc_allowed(int policy, unsigned int uid, int ptrace, const struct rc_zc_reach *r);

#define RC_CAP_SYS_PTRACE	19	/* linux/capability.h */
/*
 * The effective capabilities in the text of a /proc/PID/status ("CapEff:"
 * and 16 hex digits): 0 and *caps, or -EINVAL when there is no such line.
 */
int rc_caps_effective(const char *status, unsigned long long *caps);

/* ---- eal_args.c ---- */

#define RC_EAL_ARGV_MAX		64

/* How the port reaches EAL. */
enum rc_port_kind {
	RC_PORT_VDEV,		/* a virtual device: --vdev PORT */
	RC_PORT_PCI,		/* a PCI device: -a PORT (probed on the PCI bus) */
};

struct rc_eal_args {
	char buf[1024 + 256];		/* eal_args, split in place */
	char *argv[RC_EAL_ARGV_MAX + 1];	/* NULL-terminated */
	int argc;
	enum rc_port_kind kind;
	char port_name[256];		/* the port's device name: devargs up to ',' */
};

/* A PCI address, domain optional: [DDDD:]BB:DD.F, hex digits. */
int rc_port_is_pci(const char *port);
/*
 * The EAL argv: prog, eal_args split on blanks, extra (argv of the command
 * line after --), "-l 0,1" unless an lcore option is given, then the port as
 * a PCI device (-a) or a vdev (--vdev). -E2BIG when it does not fit,
 * -EINVAL when eal_args also passes --no-pci with a PCI port, or the port
 * is empty.
 */
int rc_eal_args_build(struct rc_eal_args *a, const char *prog, const char *eal_args,
		      char *const *extra, int n_extra, const char *port);
/*
 * Why the port is not there after EAL start, for the log: for a PCI port,
 * what sysfs (under sysfs_root, "/sys" on a real node) says about the device
 * and the dpdk-devbind.py command that gives it to DPDK.
 */
void rc_port_missing_msg(const struct rc_eal_args *a, const char *sysfs_root, char *buf,
			 size_t len);

#endif /* RC_START_H */
