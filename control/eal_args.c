/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL argument vector ringcastd starts DPDK with, built from
 * dataplane { eal_args, port } and the command line. A PCI address is
 * probed on the PCI bus (-a, EAL's allow list); anything else is a virtual
 * device (--vdev). The port's ethdev name is the device name EAL gives it.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "start.h"

/* Parse [DDDD:]BB:DD.F up to end (a ',' or the NUL); 0 or -EINVAL. */
static int parse_pci(const char *s, const char *end, unsigned int *dom, unsigned int *bus,
		     unsigned int *dev, unsigned int *fn)
{
	unsigned int v[4], n = 0, digits = 0;
	const char *p;
	char sep[4];

	memset(v, 0, sizeof(v));
	for (p = s; p < end; p++) {
		if (isxdigit((unsigned char)*p)) {
			if (n >= 4 || ++digits > 4)
				return -EINVAL;
			v[n] = v[n] * 16 + (unsigned int)(isdigit((unsigned char)*p) ? *p - '0'
					   : tolower((unsigned char)*p) - 'a' + 10);
			continue;
		}
		if ((*p != ':' && *p != '.') || digits == 0 || n >= 3)
			return -EINVAL;
		sep[n++] = *p;
		digits = 0;
	}
	if (digits == 0)
		return -EINVAL;
	n++;
	if (n == 3 && sep[0] == ':' && sep[1] == '.') {		/* BB:DD.F */
		*dom = 0, *bus = v[0], *dev = v[1], *fn = v[2];
	} else if (n == 4 && sep[0] == ':' && sep[1] == ':' && sep[2] == '.') {
		*dom = v[0], *bus = v[1], *dev = v[2], *fn = v[3];
	} else {
		return -EINVAL;
	}
	return *bus <= 0xff && *dev <= 0x1f && *fn <= 7 ? 0 : -EINVAL;
}

int rc_port_is_pci(const char *port)
{
	unsigned int d, b, v, f;

	return parse_pci(port, port + strcspn(port, ","), &d, &b, &v, &f) == 0;
}

static int has_lcore_arg(char *const *argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "-c") || !strncmp(argv[i], "-l", 2) ||
		    !strncmp(argv[i], "--lcores", 8))
			return 1;
	return 0;
}

static int push(struct rc_eal_args *a, char *arg)
{
	if (a->argc >= RC_EAL_ARGV_MAX)
		return -E2BIG;
	a->argv[a->argc++] = arg;
	return 0;
}

int rc_eal_args_build(struct rc_eal_args *a, const char *prog, const char *eal_args,
		      char *const *extra, int n_extra, const char *port)
{
	unsigned int dom, bus, dev, fn;
	char *tok, *save;
	size_t n;
	int ret = 0;

	memset(a, 0, sizeof(*a));
	n = strcspn(port, ",");
	if (n == 0 || n >= sizeof(a->port_name))
		return -EINVAL;
	if (parse_pci(port, port + n, &dom, &bus, &dev, &fn) == 0) {
		a->kind = RC_PORT_PCI;
		/* EAL names a PCI device in full, lower case: 0000:03:00.0 */
		snprintf(a->port_name, sizeof(a->port_name), "%04x:%02x:%02x.%x",
			 dom, bus, dev, fn);
	} else {
		a->kind = RC_PORT_VDEV;
		memcpy(a->port_name, port, n);
	}
	if (strlen(eal_args) >= sizeof(a->buf))
		return -E2BIG;
	strcpy(a->buf, eal_args);
	ret = push(a, (char *)(uintptr_t)prog);
	for (tok = strtok_r(a->buf, " \t", &save); tok && ret == 0;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (a->kind == RC_PORT_PCI && !strcmp(tok, "--no-pci"))
			return -EINVAL;
		ret = push(a, tok);
	}
	for (int i = 0; i < n_extra && ret == 0; i++) {
		if (a->kind == RC_PORT_PCI && !strcmp(extra[i], "--no-pci"))
			return -EINVAL;
		ret = push(a, extra[i]);
	}
	if (ret == 0 && !has_lcore_arg(a->argv, a->argc)) {
		ret = push(a, (char *)"-l");
		if (ret == 0)
			ret = push(a, (char *)"0,1");
	}
	if (ret == 0)
		ret = push(a, (char *)(a->kind == RC_PORT_PCI ? "-a" : "--vdev"));
	if (ret == 0)
		ret = push(a, (char *)(uintptr_t)port);
	if (ret < 0)
		return ret;
	a->argv[a->argc] = NULL;
	return 0;
}

void rc_port_missing_msg(const struct rc_eal_args *a, const char *sysfs_root, char *buf,
			 size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *drv;
	ssize_t n;

	if (a->kind == RC_PORT_VDEV) {
		snprintf(buf, len, "virtual device %s did not start (see the EAL messages above)",
			 a->port_name);
		return;
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", sysfs_root, a->port_name);
	if (access(path, F_OK) < 0) {
		snprintf(buf, len, "no PCI device %s on this machine "
			 "(dpdk-devbind.py --status lists the network devices)", a->port_name);
		return;
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", sysfs_root, a->port_name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		snprintf(buf, len, "PCI device %s is bound to no driver: bind it to vfio-pci "
			 "with 'dpdk-devbind.py --bind=vfio-pci %s'", a->port_name, a->port_name);
		return;
	}
	link[n] = '\0';
	drv = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	if (!strcmp(drv, "mlx5_core") || !strcmp(drv, "mlx4_core"))
		snprintf(buf, len, "PCI device %s is driven by %s, which DPDK shares in place "
			 "(no dpdk-devbind.py needed) but DPDK did not take it: see the EAL "
			 "messages above (rdma-core, libibverbs, the mlx5 PMD)", a->port_name, drv);
	else if (!strcmp(drv, "vfio-pci") || !strcmp(drv, "uio_pci_generic") ||
	    !strcmp(drv, "igb_uio"))
		snprintf(buf, len, "PCI device %s is bound to %s but DPDK did not take it "
			 "(see the EAL messages above: IOMMU, hugepages, permissions, "
			 "or a -b/--block argument)", a->port_name, drv);
	else
		snprintf(buf, len, "PCI device %s is bound to the kernel driver %s, not to DPDK: "
			 "bind it with 'dpdk-devbind.py --bind=vfio-pci %s' (it leaves the "
			 "kernel's network stack)", a->port_name, drv, a->port_name);
}
