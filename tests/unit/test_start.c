/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/eal_args.c (the EAL argv ringcastd starts DPDK with: a
 * PCI port is probed with -a, a virtual device passed with --vdev),
 * control/notify.c (sd_notify's datagram to $NOTIFY_SOCKET) and
 * control/placement.c (the dataplane lcore and memory on the port's node).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "start.h"

#include "unit_test.h"

static struct rc_eal_args a;

/* argv[i..] equals the NULL-terminated list. */
static int argv_tail_is(int i, ...)
{
	va_list ap;
	const char *want;
	int ok = 1;

	va_start(ap, i);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= a.argc || strcmp(a.argv[i], want) != 0)
			ok = 0;
		i++;
	}
	va_end(ap);
	return ok && i == a.argc && a.argv[a.argc] == NULL;
}

static int count(const char *arg)
{
	int n = 0;

	for (int i = 0; i < a.argc; i++)
		n += strcmp(a.argv[i], arg) == 0;
	return n;
}

static void test_pci_address_is_probed_not_vdev(void)
{
	CU_ASSERT_EQUAL(rc_eal_args_build(&a, "ringcastd", "--in-memory", NULL, 0,
					  "0000:03:00.0"), 0);
	CU_ASSERT_EQUAL(a.kind, RC_PORT_PCI);
	CU_ASSERT(argv_tail_is(0, "ringcastd", "--in-memory", "-l", "0,1", "-a", "0000:03:00.0",
			       NULL));
	CU_ASSERT_EQUAL(count("--vdev"), 0);
	CU_ASSERT_STRING_EQUAL(a.port_name, "0000:03:00.0");
}

static void test_pci_devargs_and_short_form(void)
{
	CU_ASSERT_EQUAL(rc_eal_args_build(&a, "d", "", NULL, 0, "AF:1f.7,txq_inline=128"), 0);
	CU_ASSERT_EQUAL(a.kind, RC_PORT_PCI);
	CU_ASSERT(argv_tail_is(1, "-l", "0,1", "-a", "AF:1f.7,txq_inline=128", NULL));
	/* the ethdev name EAL gives: domain added, lower case, no devargs */
	CU_ASSERT_STRING_EQUAL(a.port_name, "0000:af:1f.7");
}

static void test_virtual_device_is_vdev(void)
{
	char *extra[] = { (char *)"--log-level=lib.eal:error" };

	CU_ASSERT_EQUAL(rc_eal_args_build(&a, "d", "--no-pci -l 2-3", extra, 1,
					  "net_af_packet0,iface=eth0"), 0);
	CU_ASSERT_EQUAL(a.kind, RC_PORT_VDEV);
	CU_ASSERT(argv_tail_is(0, "d", "--no-pci", "-l", "2-3", "--log-level=lib.eal:error",
			       "--vdev", "net_af_packet0,iface=eth0", NULL));
	CU_ASSERT_EQUAL(count("-a"), 0);
	CU_ASSERT_STRING_EQUAL(a.port_name, "net_af_packet0");
}

static void test_not_pci(void)
{
	static const char *no[] = {
		"net_af_packet0", "03:00", "0000:03:00", "0000:03:00.8", "03:20.0", "0:0:0:0.0",
		"00000:03:00.0", "03:00.0x", "g3:00.0", ":03:00.0", "03::00.0", "", "03.00:0",
	};
	static const char *yes[] = { "03:00.0", "0000:03:00.0", "ffff:ff:1f.7", "1:2:3.4,x=y" };

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (rc_port_is_pci(no[i])) {
			fprintf(stderr, "\n  '%s' taken for a PCI address\n", no[i]);
			CU_FAIL("not a PCI address");
		}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!rc_port_is_pci(yes[i])) {
			fprintf(stderr, "\n  '%s' not taken for a PCI address\n", yes[i]);
			CU_FAIL("a PCI address");
		}
}

static void test_lcore_option_kept(void)
{
	static const char *given[] = { "-l", "-l0-1", "-c", "--lcores=0@1,1@2" };

	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
		CU_ASSERT_EQUAL(rc_eal_args_build(&a, "d", given[i], NULL, 0, "net_null0"), 0);
		CU_ASSERT_EQUAL(count("0,1"), 0);
	}
}

static void test_bad_combinations(void)
{
	char big[1400];
	char *nopci[] = { (char *)"--no-pci" };

	/* a PCI port cannot be probed with the PCI bus switched off */
	CU_ASSERT_EQUAL(rc_eal_args_build(&a, "d", "--no-pci", NULL, 0, "03:00.0"), -EINVAL);
	CU_ASSERT_EQUAL(rc_eal_args_build(&a, "d", "", nopci, 1, "03:00.0"), -EINVAL);
	CU_ASSERT_EQUAL(rc_eal_args_build(&a, "d", "", NULL, 0, ""), -EINVAL);
	CU_ASSERT_EQUAL(rc_eal_args_build(&a, "d", "", NULL, 0, ",iface=x"), -EINVAL);
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i + 2 < sizeof(big) && i < 200; i += 2)
		memcpy(big + i, "x ", 2);
	CU_ASSERT_EQUAL(rc_eal_args_build(&a, "d", big, NULL, 0, "net_null0"), -E2BIG);
	memset(big, 'x', sizeof(big) - 1);
	CU_ASSERT_EQUAL(rc_eal_args_build(&a, "d", big, NULL, 0, "net_null0"), -E2BIG);
}

/* A fake /sys: a device dir and, optionally, its driver link. */
static void fake_sysfs(const char *root, const char *dev, const char *drv)
{
	char p[512], t[512];

	snprintf(p, sizeof(p), "mkdir -p %s/bus/pci/devices/%s", root, dev);
	CU_ASSERT_EQUAL(system(p), 0);
	if (drv) {
		snprintf(t, sizeof(t), "../../../bus/pci/drivers/%s", drv);
		snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/driver", root, dev);
		CU_ASSERT_EQUAL(symlink(t, p), 0);
	}
}

static void test_missing_port_message_names_devbind(void)
{
	char root[] = "/tmp/rc-test-sysfs-XXXXXX", msg[512], cmd[600];

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	fake_sysfs(root, "0000:03:00.0", "ixgbe");
	fake_sysfs(root, "0000:04:00.0", NULL);
	fake_sysfs(root, "0000:05:00.0", "vfio-pci");

	rc_eal_args_build(&a, "d", "", NULL, 0, "03:00.0");
	rc_port_missing_msg(&a, root, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "kernel driver ixgbe"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "dpdk-devbind.py --bind=vfio-pci 0000:03:00.0"));

	rc_eal_args_build(&a, "d", "", NULL, 0, "0000:04:00.0");
	rc_port_missing_msg(&a, root, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no driver"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "dpdk-devbind.py --bind=vfio-pci 0000:04:00.0"));

	rc_eal_args_build(&a, "d", "", NULL, 0, "0000:05:00.0");
	rc_port_missing_msg(&a, root, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "bound to vfio-pci but DPDK did not take it"));

	rc_eal_args_build(&a, "d", "", NULL, 0, "0000:06:00.0");
	rc_port_missing_msg(&a, root, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no PCI device 0000:06:00.0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "dpdk-devbind.py --status"));

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ---- notify ---- */

static int listener(struct sockaddr_un *sa, socklen_t *slen, int abstract)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (abstract) {
		snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "rc-test-notify-%d",
			 (int)getpid());
		*slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				    strlen(sa->sun_path + 1));
	} else {
		snprintf(sa->sun_path, sizeof(sa->sun_path), "/tmp/rc-test-notify-%d",
			 (int)getpid());
		unlink(sa->sun_path);
		*slen = sizeof(*sa);
	}
	CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)sa, *slen), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	CU_ASSERT_EQUAL_FATAL(n, (ssize_t)strlen(want));
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, want);
}

static void test_notify_path_socket(void)
{
	struct sockaddr_un sa;
	socklen_t slen;
	int fd = listener(&sa, &slen, 0);

	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	CU_ASSERT_EQUAL(rc_notify("READY=1\nSTATUS=ring 1.4, 3 members"), 0);
	expect_datagram(fd, "READY=1\nSTATUS=ring 1.4, 3 members");
	close(fd);
	unlink(sa.sun_path);
	/* nobody listening any more: an error, not a crash or a block */
	CU_ASSERT(rc_notify("STOPPING=1") < 0);
	unsetenv("NOTIFY_SOCKET");
}

static void test_notify_abstract_socket(void)
{
	struct sockaddr_un sa;
	socklen_t slen;
	char name[128];
	int fd = listener(&sa, &slen, 1);

	snprintf(name, sizeof(name), "@%s", sa.sun_path + 1);
	setenv("NOTIFY_SOCKET", name, 1);
	CU_ASSERT_EQUAL(rc_notify("STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void test_notify_unset_or_bad(void)
{
	unsetenv("NOTIFY_SOCKET");
	CU_ASSERT_EQUAL(rc_notify("READY=1"), 0);	/* not under a service manager */
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	CU_ASSERT_EQUAL(rc_notify("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

static void test_ready_wait(void)
{
	const uint64_t ms = 1000000ull;

	/* defaults (token 160, consensus 192): the 5 s floor */
	CU_ASSERT_EQUAL(rc_notify_ready_wait_ns(160 * ms, 192 * ms), RC_READY_WAIT_MIN_NS);
	/* slow rings: four times token + consensus */
	CU_ASSERT_EQUAL(rc_notify_ready_wait_ns(3000 * ms, 3600 * ms), 26400 * ms);
}

/* ---- placement ---- */

#define W	RC_NOT_WORKER

static void test_place_on_port_node(void)
{
	/* lcore 0 main; 1, 2 on node 0; 3, 4 on node 1 */
	static const int node[] = { W, 0, 0, 1, 1 };
	struct rc_placement p;

	CU_ASSERT_EQUAL(rc_place_dataplane(node, 5, 1, -1, &p), 0);
	CU_ASSERT_EQUAL(p.lcore, 3);
	CU_ASSERT_EQUAL(p.node, 1);
	CU_ASSERT_FALSE(p.cross);
	CU_ASSERT_EQUAL(rc_place_dataplane(node, 5, 0, -1, &p), 0);
	CU_ASSERT_EQUAL(p.lcore, 1);
	CU_ASSERT_EQUAL(p.node, 0);
}

static void test_place_configured_or_cross(void)
{
	static const int node[] = { W, 0, W, 1 };
	static const int only0[] = { W, 0, 0 };
	struct rc_placement p;

	/* configured on the other node: kept, memory on the port's node, flagged */
	CU_ASSERT_EQUAL(rc_place_dataplane(node, 4, 0, 3, &p), 0);
	CU_ASSERT_EQUAL(p.lcore, 3);
	CU_ASSERT_EQUAL(p.node, 0);
	CU_ASSERT_TRUE(p.cross);
	/* no worker on the port's node: the first worker, flagged */
	CU_ASSERT_EQUAL(rc_place_dataplane(only0, 3, 1, -1, &p), 0);
	CU_ASSERT_EQUAL(p.lcore, 1);
	CU_ASSERT_TRUE(p.cross);
	/* port node unknown (a vdev): the first worker, its node */
	CU_ASSERT_EQUAL(rc_place_dataplane(node, 4, -1, -1, &p), 0);
	CU_ASSERT_EQUAL(p.lcore, 1);
	CU_ASSERT_EQUAL(p.node, 0);
	CU_ASSERT_FALSE(p.cross);
	/* the main lcore, a disabled one, one out of range, or none at all */
	CU_ASSERT_EQUAL(rc_place_dataplane(node, 4, 0, 0, &p), -EINVAL);
	CU_ASSERT_EQUAL(rc_place_dataplane(node, 4, 0, 2, &p), -EINVAL);
	CU_ASSERT_EQUAL(rc_place_dataplane(node, 4, 0, 4, &p), -EINVAL);
	CU_ASSERT_EQUAL(rc_place_dataplane(node, 1, 0, -1, &p), -ENOENT);
}

static void test_zero_copy_policy(void)
{
	const struct rc_zc_reach sw = { .huge = 1 };

	/* root's with CAP_SYS_PTRACE by default, everyone's with all, nobody's with off */
	CU_ASSERT_TRUE(rc_zc_allowed(RC_ZC_ROOT, 0, 1, &sw));
	CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_ROOT, 0, 0, &sw));	/* root in a box */
	CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_ROOT, 1000, 1, &sw));
	CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_ROOT, 65534, 0, &sw));
	CU_ASSERT_TRUE(rc_zc_allowed(RC_ZC_ALL, 1000, 0, &sw));
	CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_OFF, 0, 1, &sw));
	/* whose regions are worth registering with DPDK */
	CU_ASSERT_TRUE(rc_zc_trusted(RC_ZC_ROOT, 0, 1));
	CU_ASSERT_FALSE(rc_zc_trusted(RC_ZC_ROOT, 0, 0));
	CU_ASSERT_FALSE(rc_zc_trusted(RC_ZC_ROOT, 1000, 1));
	CU_ASSERT_TRUE(rc_zc_trusted(RC_ZC_ALL, 1000, 0));
	CU_ASSERT_FALSE(rc_zc_trusted(RC_ZC_OFF, 0, 1));
}

static void test_zero_copy_pci_needs_a_mapped_hugepage_region(void)
{
	struct rc_zc_reach r = { .pci_port = 1, .huge = 1, .registered = 1, .mapped = 1 };

	for (r.iova_pa = 0; r.iova_pa <= 1; r.iova_pa++) {
		r.huge = r.registered = r.mapped = 1;
		CU_ASSERT_TRUE(rc_zc_allowed(RC_ZC_ROOT, 0, 1, &r));
		CU_ASSERT_TRUE(rc_zc_allowed(RC_ZC_ALL, 1000, 0, &r));
		CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_ROOT, 1000, 1, &r));
		/* the device cannot map it (-ENOTSUP) or refused: copied */
		r.mapped = 0;
		CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_ROOT, 0, 1, &r));
		/* not registered (over the cap, refused): copied */
		r.registered = 0;
		CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_ALL, 0, 0, &r));
		/* normal pages are never registered */
		r.huge = 0;
		CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_ALL, 0, 0, &r));
	}
}

static void test_zero_copy_normal_pages_never_in_pa_mode(void)
{
	struct rc_zc_reach r = { 0 };

	/* a port that reads by address takes normal pages in VA mode */
	CU_ASSERT_TRUE(rc_zc_allowed(RC_ZC_ROOT, 0, 1, &r));
	/* but their physical address may move: never with IOVA as PA */
	r.iova_pa = 1;
	CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_ROOT, 0, 1, &r));
	CU_ASSERT_FALSE(rc_zc_allowed(RC_ZC_ALL, 1000, 0, &r));
	/* hugepages do, registered or not, on such a port */
	r.huge = 1;
	CU_ASSERT_TRUE(rc_zc_allowed(RC_ZC_ROOT, 0, 1, &r));
}

static void test_effective_caps_from_proc_status(void)
{
	unsigned long long caps = 0;
	char self[8192];
	FILE *f;
	size_t n;

	CU_ASSERT_EQUAL(rc_caps_effective("Name:\tx\nCapInh:\t0000000000000000\n"
					  "CapPrm:\t000001ffffffffff\n"
					  "CapEff:\t000001fffff7ffff\nCapBnd:\t0\n", &caps), 0);
	CU_ASSERT_EQUAL(caps, 0x000001fffff7ffffull);
	CU_ASSERT_FALSE(caps >> RC_CAP_SYS_PTRACE & 1);	/* bit 19 dropped */
	CU_ASSERT_EQUAL(rc_caps_effective("CapEff:\t0000000000080000", &caps), 0);
	CU_ASSERT_TRUE(caps >> RC_CAP_SYS_PTRACE & 1);
	/* no line, or not hex: not trusted */
	CU_ASSERT_EQUAL(rc_caps_effective("CapPrm:\tffff\n", &caps), -EINVAL);
	CU_ASSERT_EQUAL(rc_caps_effective("CapEff:\tzz\n", &caps), -EINVAL);
	CU_ASSERT_EQUAL(rc_caps_effective("CapEff:\t12 34\n", &caps), -EINVAL);
	CU_ASSERT_EQUAL(rc_caps_effective("", &caps), -EINVAL);
	/* this process's own, as the daemon reads a client's */
	f = fopen("/proc/self/status", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(self, 1, sizeof(self) - 1, f);
	fclose(f);
	self[n] = '\0';
	CU_ASSERT_EQUAL(rc_caps_effective(self, &caps), 0);
}

static const struct unit_test tests[] = {
	T(test_pci_address_is_probed_not_vdev),
	T(test_pci_devargs_and_short_form),
	T(test_virtual_device_is_vdev),
	T(test_not_pci),
	T(test_lcore_option_kept),
	T(test_bad_combinations),
	T(test_missing_port_message_names_devbind),
	T(test_notify_path_socket),
	T(test_notify_abstract_socket),
	T(test_notify_unset_or_bad),
	T(test_ready_wait),
	T(test_place_on_port_node),
	T(test_place_configured_or_cross),
	T(test_zero_copy_policy),
	T(test_zero_copy_pci_needs_a_mapped_hugepage_region),
	T(test_zero_copy_normal_pages_never_in_pa_mode),
	T(test_effective_caps_from_proc_status),
};

UNIT_TEST_MAIN("start", tests)
