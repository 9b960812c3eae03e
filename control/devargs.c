/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port's devargs as EAL gets them: dataplane.port as written, plus, for
 * net_af_packet when netmtu needs more than its default 2048-byte ring
 * frames and the user gave no framesz, a frame and block size that hold a
 * netmtu frame (jumbo frames end to end), and, when the user gave no
 * framecnt, a ring of AFP_FRAMES frames rather than the driver's 512: an
 * idle lcore sleeps until a frame wakes it, and the ring must hold a burst
 * that comes meanwhile (512 lost frames of a forged burst on a woken node;
 * 2048 lost none: tests/cluster/attacker.sh). For net_af_xdp, when the
 * user gave no busy_budget, busy_budget=0: the driver's default (64) asks
 * the kernel to leave the queue's processing to the application's busy
 * polls (SO_PREFER_BUSY_POLL), which an idle lcore asleep on the socket
 * does not make: a frame then waits for the kernel's fallback, p50 at 1000
 * msg/s 369-426 us against 115-125 us without it, and every empty poll of
 * a flood is a system call (docs/benchmarks.md, "af_xdp through the
 * bridge"). And how many frames the
 * port's rx ring holds, which bounds flow control's window (a rotation's
 * frames arrive between two polls). Pure string work, unit tested.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* af_packet's ring frame: tpacket2 header and sockaddr_ll (64 aligned),
   Ethernet header and a VLAN tag, then the payload; 64-byte aligned. The
   PMD reads frame i at i * framesz: a block must hold whole frames. */
#define AFP_FRAME_OVERHEAD	(64u + 14u + 4u)
#define AFP_DEFAULT_FRAME	2048u
#define AFP_PAGE		4096u
#define AFP_DEFAULT_FRAMES	512u	/* net_af_packet's own framecnt */
#define AFP_FRAMES		2048u	/* ours, when the port names none */
#define PORT_RX_DESC		1024u	/* what the dataplane asks other ports for */

uint32_t rc_config_afp_framesz(uint32_t netmtu)
{
	uint32_t need = netmtu + AFP_FRAME_OVERHEAD;

	return need <= AFP_DEFAULT_FRAME ? 0 : (need + 63u) & ~63u;
}

int rc_config_port_devargs(const char *port, uint32_t netmtu, char *out, size_t len)
{
	bool afp = strncmp(port, "net_af_packet", 13) == 0;
	uint32_t framesz = 0, blocksz;
	int n;

	if (afp && strstr(port, "framesz=") == NULL && strstr(port, "blocksz=") == NULL)
		framesz = rc_config_afp_framesz(netmtu);
	if (framesz == 0)
		n = snprintf(out, len, "%s", port);
	else {
		/* whole pages and whole frames: the least common multiple */
		blocksz = framesz;
		while (blocksz % AFP_PAGE)
			blocksz += framesz;
		n = snprintf(out, len, "%s,framesz=%u,blocksz=%u", port, framesz, blocksz);
	}
	if (n >= 0 && (size_t)n < len && afp && strstr(port, "framecnt=") == NULL)
		n += snprintf(out + n, len - (size_t)n, ",framecnt=%u", AFP_FRAMES);
	if (n >= 0 && (size_t)n < len && strncmp(port, "net_af_xdp", 10) == 0 &&
	    strstr(port, "busy_budget=") == NULL)
		n += snprintf(out + n, len - (size_t)n, ",busy_budget=0");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int rc_config_port_iface(const char *port, char *ifname, size_t len)
{
	const char *p = port, *v;
	size_t n;

	if (strncmp(port, "net_af_packet", 13) != 0)
		return -ENOENT;
	/* the key at the start of an argument, not inside another's value */
	while ((p = strchr(p, ',')) != NULL) {
		p++;
		if (strncmp(p, "iface=", 6) != 0)
			continue;
		v = p + 6;
		n = strcspn(v, ",");
		if (n == 0)
			return -ENOENT;
		if (n >= len)
			return -ENAMETOOLONG;
		memcpy(ifname, v, n);
		ifname[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

uint32_t rc_config_port_rx_frames(const char *port)
{
	const char *p;
	unsigned long v;
	char *end;

	if (strncmp(port, "net_af_packet", 13) != 0)
		return PORT_RX_DESC;
	p = strstr(port, "framecnt=");
	if (p == NULL)
		return AFP_FRAMES;	/* rc_config_port_devargs adds it */
	v = strtoul(p + 9, &end, 10);
	return end != p + 9 && v > 0 && v <= UINT32_MAX ? (uint32_t)v : AFP_DEFAULT_FRAMES;
}
