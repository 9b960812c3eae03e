/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One ethdev port, one rx and one tx queue, set up for the dataplane lcore.
 * Works with any ethdev: net_af_packet, net_tap or net_memif here, a NIC on
 * real nodes. Multicast frames must reach us: allmulticast is enabled, and
 * promiscuous mode where the driver has no multicast filter.
 */
#include <errno.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "dp.h"

int rc_port_setup(uint16_t port, uint16_t nb_desc, struct rte_mempool *mp,
		  bool zero_copy, uint32_t mtu, struct rte_ether_addr *mac, uint16_t *max_segs)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nrx = nb_desc, ntx = nb_desc;
	int socket, ret;

	if (!rte_eth_dev_is_valid_port(port))
		return -ENODEV;
	ret = rte_eth_dev_info_get(port, &info);
	if (ret < 0)
		return ret;
	/* A zero-copy frame is a chain (headers, then the client's bytes, a
	   segment per page they touch): only where the port takes chains, and
	   either reads them by their address and is done with them when
	   tx_burst returns (net_af_packet, net_tap: they copy them into the
	   kernel's ring or write them to its socket), or is a PCI device, which
	   DMAs each segment at its IOVA from regions registered and mapped for
	   it (control/dma.c) and frees the mbufs at tx completion (the region
	   waits for that: its shared info's count). Others may translate only
	   DPDK's own memory (virtio-user, memif's zero-copy mode) or keep the
	   mbufs: no zero copy there. As many segments as the port's
	   descriptors allow (0: the driver does not say). */
	*max_segs = 1;
	/* With zero_copy off, never: the offload costs a NIC's fast tx path. */
	if (zero_copy && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) &&
	    (!strcmp(info.driver_name, "net_af_packet") || !strcmp(info.driver_name, "net_tap") ||
	     !strcmp(rte_bus_name(rte_dev_bus(info.device)), "pci"))) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		*max_segs = UINT16_MAX;
		if (info.tx_desc_lim.nb_seg_max && info.tx_desc_lim.nb_seg_max < *max_segs)
			*max_segs = info.tx_desc_lim.nb_seg_max;
		if (info.tx_desc_lim.nb_mtu_seg_max && info.tx_desc_lim.nb_mtu_seg_max < *max_segs)
			*max_segs = info.tx_desc_lim.nb_mtu_seg_max;
	}
	/* A port of its own (a NIC) carries netmtu: ethdev would set it to
	   1500. A kernel interface's MTU (net_af_packet, net_af_xdp) is the
	   operator's, and netmtu is never above it: left alone (setting it
	   would change the interface for every other user of it). */
	if (!info.if_index && mtu > RTE_ETHER_MTU)
		conf.rxmode.mtu = info.max_mtu && info.max_mtu < mtu ? info.max_mtu : mtu;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	if (ret < 0)
		return ret;
	socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	ret = rte_eth_rx_queue_setup(port, 0, nrx, (unsigned)socket, NULL, mp);
	if (ret < 0)
		return ret;
	ret = rte_eth_tx_queue_setup(port, 0, ntx, (unsigned)socket, NULL);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		return ret;
	/* Not every driver can filter multicast; promiscuous covers them. */
	if (rte_eth_allmulticast_enable(port) < 0)
		rte_eth_promiscuous_enable(port);
	return rte_eth_macaddr_get(port, mac);
}
