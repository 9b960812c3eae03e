/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/devargs.c: the port's devargs for EAL. net_af_packet gets ring
 * frames that hold a netmtu frame when its 2048-byte default does not
 * (jumbo frames); anything the user gave, and other drivers, pass as is.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "unit_test.h"

static void test_default_mtu_adds_only_a_deeper_ring(void)
{
	char out[256];

	CU_ASSERT_EQUAL(rc_config_port_devargs("net_af_packet0,iface=eth0", 1500, out,
					       sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "net_af_packet0,iface=eth0,framecnt=2048");
	/* the user's frame count is theirs */
	CU_ASSERT_EQUAL(rc_config_port_devargs("net_af_packet0,iface=eth0,framecnt=256", 1500,
					       out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "net_af_packet0,iface=eth0,framecnt=256");
	CU_ASSERT_EQUAL(rc_config_afp_framesz(1500), 0);
}

static void test_jumbo_mtu_sizes_af_packet_frames_to_hold_a_frame(void)
{
	char out[256];
	uint32_t f = rc_config_afp_framesz(9000);

	CU_ASSERT(f >= 9000 + 14 + 64);		/* headers and a whole frame */
	CU_ASSERT_EQUAL(f % 64, 0);
	CU_ASSERT(f < 9000 + 256);
	CU_ASSERT_EQUAL(rc_config_port_devargs("net_af_packet0,iface=eth0", 9000, out,
					       sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "net_af_packet0,iface=eth0,framesz=9088,blocksz=290816,"
			       "framecnt=2048");
}

static void test_blocks_hold_whole_frames_and_whole_pages(void)
{
	char out[256];
	unsigned int framesz, blocksz;

	for (uint32_t mtu = 1967; mtu <= 9000; mtu += 7) {
		CU_ASSERT_EQUAL_FATAL(rc_config_port_devargs("net_af_packet0,iface=eth0", mtu, out,
							     sizeof(out)), 0);
		CU_ASSERT_EQUAL_FATAL(sscanf(out, "net_af_packet0,iface=eth0,framesz=%u,blocksz=%u",
					     &framesz, &blocksz), 2);
		CU_ASSERT_EQUAL(blocksz % framesz, 0);
		CU_ASSERT_EQUAL(blocksz % 4096, 0);
		CU_ASSERT(framesz >= mtu + 14 + 64);
	}
}

static void test_user_frame_size_and_other_drivers_are_left_alone(void)
{
	char out[256];

	CU_ASSERT_EQUAL(rc_config_port_devargs("net_af_packet0,iface=eth0,framesz=16384", 9000,
					       out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "net_af_packet0,iface=eth0,framesz=16384,framecnt=2048");
	CU_ASSERT_EQUAL(rc_config_port_devargs("net_tap0,iface=t0", 9000, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "net_tap0,iface=t0");
}

/* net_af_xdp without preferred busy polling, unless the port says otherwise */
static void test_af_xdp_gets_no_busy_budget_unless_given(void)
{
	char out[256];

	CU_ASSERT_EQUAL(rc_config_port_devargs("net_af_xdp0,iface=eth0", 1500, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "net_af_xdp0,iface=eth0,busy_budget=0");
	CU_ASSERT_EQUAL(rc_config_port_devargs("net_af_xdp0,iface=eth0,busy_budget=32", 1500,
					       out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "net_af_xdp0,iface=eth0,busy_budget=32");
}

static void test_devargs_that_do_not_fit_are_an_error(void)
{
	char out[30];

	CU_ASSERT_EQUAL(rc_config_port_devargs("net_af_packet0,iface=eth0", 9000, out,
					       sizeof(out)), -ENAMETOOLONG);
}

static void test_af_packet_interface_is_read_from_the_port(void)
{
	char n[16];

	CU_ASSERT_EQUAL(rc_config_port_iface("net_af_packet0,iface=eth0", n, sizeof(n)), 0);
	CU_ASSERT_STRING_EQUAL(n, "eth0");
	CU_ASSERT_EQUAL(rc_config_port_iface("net_af_packet1,qpairs=1,iface=rcv3,framecnt=64",
					     n, sizeof(n)), 0);
	CU_ASSERT_STRING_EQUAL(n, "rcv3");
	CU_ASSERT_EQUAL(rc_config_port_iface("net_af_packet0,qpairs=1", n, sizeof(n)), -ENOENT);
	CU_ASSERT_EQUAL(rc_config_port_iface("net_af_packet0,iface=", n, sizeof(n)), -ENOENT);
	CU_ASSERT_EQUAL(rc_config_port_iface("net_af_xdp0,iface=eth0", n, sizeof(n)), -ENOENT);
	CU_ASSERT_EQUAL(rc_config_port_iface("0000:01:00.0", n, sizeof(n)), -ENOENT);
	CU_ASSERT_EQUAL(rc_config_port_iface("net_af_packet0,iface=averyveryverylongname0", n,
					     sizeof(n)), -ENAMETOOLONG);
}

static void test_rx_frames_follow_the_port(void)
{
	CU_ASSERT_EQUAL(rc_config_port_rx_frames("net_af_packet0,iface=eth0"), 2048);
	CU_ASSERT_EQUAL(rc_config_port_rx_frames("net_af_packet0,iface=eth0,framecnt=2048"), 2048);
	CU_ASSERT_EQUAL(rc_config_port_rx_frames("net_af_packet0,framecnt=x"), 512);
	CU_ASSERT_EQUAL(rc_config_port_rx_frames("net_tap0,iface=t0"), 1024);
}

static const struct unit_test tests[] = {
	T(test_rx_frames_follow_the_port),
	T(test_af_packet_interface_is_read_from_the_port),
	T(test_default_mtu_adds_only_a_deeper_ring),
	T(test_jumbo_mtu_sizes_af_packet_frames_to_hold_a_frame),
	T(test_blocks_hold_whole_frames_and_whole_pages),
	T(test_user_frame_size_and_other_drivers_are_left_alone),
	T(test_af_xdp_gets_no_busy_budget_unless_given),
	T(test_devargs_that_do_not_fit_are_an_error),
};

UNIT_TEST_MAIN("devargs", tests)
