/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One ethdev port, one rx and one tx queue, set up for the dataplane lcore.
 * Works with any ethdev: net_af_packet, net_tap or net_memif here, a NIC on
 * real nodes. Multicast frames must reach us: allmulticast is enabled, and
 * promiscuous mode where the driver has no multicast filter.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dp.h"

int rc_port_setup(uint16_t port, uint16_t nb_desc, struct rte_mempool *mp,
		  struct rte_ether_addr *mac, bool *multi_seg)
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
	/* A zero-copy frame is a chain (headers, then the client's bytes):
	   only where the port takes chains, and reads them by their address
	   and is done with them when tx_burst returns (it copies them into the
	   kernel's ring or writes them to its socket). Others may DMA from an
	   IOVA nobody mapped, translate only DPDK's own memory (virtio-user,
	   memif's zero-copy mode), or keep the mbufs: no zero copy there. */
	if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) &&
	    (!strcmp(info.driver_name, "net_af_packet") || !strcmp(info.driver_name, "net_tap"))) {
		*multi_seg = true;
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	} else {
		*multi_seg = false;
	}
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
