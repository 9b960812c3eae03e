/*
 * ringcastd: reads and checks the configuration before touching anything,
 * takes its runtime directory, starts EAL, the port and the dataplane lcore,
 * then runs the control loop (libqb): logs the dataplane's events, serves
 * telemetry, and on SIGTERM/SIGINT has the lcore leave the ring cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qb/qblog.h>
#include <qb/qbloop.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "config.h"
#include "ctl.h"
#include "dp.h"
#include "ringseq.h"

#define DEFAULT_CONF	"/etc/ringcast/ringcast.conf"
#define EAL_ARGV_MAX	64
#define EVENT_POLL_NS	(20 * 1000 * 1000ull)

static struct rc_config cfg;	/* constant after start */
static uint32_t self_id;
static struct rc_dp *dp;
static qb_loop_t *loop;

uint32_t rc_ctl_nodeid(void)
{
	return self_id;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringcastd [-c FILE] [-f] [-i NODEID | -n NAME] [-- EAL-ARGS...]\n"
		"Runs one ringcast node: the Totem ring on a DPDK port, CPG to local clients.\n\n"
		"  -c, --config FILE   configuration (default " DEFAULT_CONF ")\n"
		"  -f, --foreground    stay in the foreground, log to stderr as configured\n"
		"  -i, --nodeid N      this node's nodeid in nodelist {}\n"
		"  -n, --name NAME     this node's name in nodelist {} (default: hostname)\n"
		"  -h, --help          this text\n"
		"  -v, --version       print the version\n"
		"Arguments after -- are added to dataplane { eal_args }.\n\n"
		"example: ringcastd -c /etc/ringcast/ringcast.conf -f -i 1\n");
}

static int mkdirs(const char *path)
{
	char p[RC_CONFIG_PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * One daemon per runtime directory: an exclusive lock (flock locks survive
 * daemon(): the open file is shared with the child). Neither file is
 * followed if it is a symlink.
 */
static int runtime_take(void)
{
	char path[RC_CONFIG_PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/ringcastd.lock", cfg.ringcast.runtime_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -EBUSY;
	}
	return 0;	/* the lock fd stays open for the life of the process */
}

/* After daemon(): the pid file names the daemon, not the parent that exits. */
static int pid_write(void)
{
	char path[RC_CONFIG_PATH_MAX + 32], buf[16];
	int fd, n, ret = 0;

	snprintf(path, sizeof(path), "%s/ringcastd.pid", cfg.ringcast.runtime_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n)
		ret = -EIO;
	close(fd);
	return ret;
}


static int has_lcore_arg(char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-c") ||
		    !strncmp(argv[i], "--lcores", 8) || !strncmp(argv[i], "-l", 2))
			return 1;
	return 0;
}

static void log_confchg(const struct rc_confchg *c)
{
	char buf[512];
	int n = 0;

	for (uint32_t i = 0; i < c->n_members && n < (int)sizeof(buf) - 16; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %u", c->members[i]);
	qb_log(LOG_NOTICE, "%s configuration, ring %u.%llu, members:%s (left %u, joined %u)",
	       c->type == RC_CONF_REGULAR ? "regular" : "transitional", c->ring.rep,
	       (unsigned long long)c->ring.seq, buf, c->n_left, c->n_joined);
}

/* Every EVENT_POLL_NS: log what the dataplane posted; stop once it left. */
static void poll_events(void *data)
{
	struct rc_dp_event ev[8];
	unsigned int n;
	qb_loop_timer_handle h;
	int stopped = 0;

	rc_clients_poll_gone();
	while ((n = rc_dp_events(dp, ev, 8)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			switch (ev[i].type) {
			case RC_DP_EV_CONFCHG:
				log_confchg(&ev[i].c);
				break;
			case RC_DP_EV_STOPPED:
				stopped = 1;
				break;
			}
		}
	}
	if (stopped) {
		qb_loop_stop(loop);
		return;
	}
	qb_loop_timer_add(loop, QB_LOOP_LOW, EVENT_POLL_NS, NULL, poll_events, &h);
}

static int on_signal(int32_t sig, void *data)
{
	qb_log(LOG_NOTICE, "signal %d: leaving the ring", sig);
	rc_membership_leave();	/* queued for the lcore before it is told to stop */
	rc_dp_stop(dp);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "nodeid", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = DEFAULT_CONF, *name = NULL, *why;
	char err[RC_CONFIG_MSG_MAX * 2], host[256], path[RC_CONFIG_PATH_MAX + 32];
	static char eal_buf[RC_CONFIG_ARGS_MAX];
	char *eal_argv[EAL_ARGV_MAX], vdev_name[RC_CONFIG_STR_MAX], *tok, *save;
	struct rc_dp_params dpp;
	qb_loop_timer_handle th;
	qb_loop_signal_handle sh;
	unsigned long nodeid = 0;
	int c, foreground = 0, eargc = 0, ret;
	unsigned int lcore;
	uint16_t port, mtu;

	while ((c = getopt_long(argc, argv, "c:fi:n:hv", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'i':
			nodeid = strtoul(optarg, NULL, 10);
			if (!nodeid || nodeid > UINT32_MAX) {
				fprintf(stderr, "ringcastd: bad nodeid '%s'\n", optarg);
				return 1;
			}
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("ringcastd %s\n", RC_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}

	/* Everything the file says is checked before anything is touched. */
	ret = rc_config_load(conf, &cfg, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "ringcastd: %s\n", err);
		return 1;
	}
	for (uint32_t i = 0; i < rc_config_warning_count(&cfg); i++)
		fprintf(stderr, "ringcastd: warning: %s\n", rc_config_warning(&cfg, i));
	if (!name && !nodeid && gethostname(host, sizeof(host)) == 0)
		name = host;
	ret = rc_config_find_self(&cfg, name, (uint32_t)nodeid, &self_id, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "ringcastd: %s: %s\n", conf, err);
		return 1;
	}
	if (!cfg.dataplane.port[0]) {
		fprintf(stderr, "ringcastd: %s: dataplane { port } is required\n", conf);
		return 1;
	}
	cfg.totem.srp.nodeid = self_id;
	if (rc_totem_config_check(&cfg.totem, &why) < 0) {
		fprintf(stderr, "ringcastd: %s: totem: %s\n", conf, why);
		return 1;
	}

	if ((ret = mkdirs(cfg.ringcast.runtime_dir)) < 0 ||
	    (ret = mkdirs(cfg.ringcast.state_dir)) < 0) {
		fprintf(stderr, "ringcastd: cannot create %s or %s: %s\n",
			cfg.ringcast.runtime_dir, cfg.ringcast.state_dir, strerror(-ret));
		return 1;
	}
	ret = runtime_take();
	if (ret < 0) {
		fprintf(stderr, "ringcastd: runtime directory %s: %s\n", cfg.ringcast.runtime_dir,
			ret == -EBUSY ? "another ringcastd runs there" : strerror(-ret));
		return 1;
	}
	/* Before daemon(): a refusal must reach whoever started us. */
	snprintf(path, sizeof(path), "%s/ringseq", cfg.ringcast.state_dir);
	ret = rc_ringseq_load(path, &cfg.totem.last_ring_seq, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "ringcastd: ring sequence file %s: %s.\n"
			"To reset it: stop ringcastd on this node, remove %s, start ringcastd "
			"again; it learns the ring sequence from the other nodes.\n",
			path, err, path);
		return 1;
	}
	if (!foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "ringcastd: daemon: %s\n", strerror(errno));
		return 1;
	}
	if (rc_log_setup(&cfg.logging, foreground) < 0) {
		fprintf(stderr, "ringcastd: cannot open log file %s\n", cfg.logging.logfile);
		return 1;
	}
	ret = pid_write();
	if (ret < 0) {
		qb_log(LOG_ERR, "cannot write %s/ringcastd.pid: %s", cfg.ringcast.runtime_dir,
		       strerror(-ret));
		fprintf(stderr, "ringcastd: cannot write %s/ringcastd.pid: %s\n",
			cfg.ringcast.runtime_dir, strerror(-ret));
		return 1;
	}

	/* EAL: eal_args, the port as a vdev, then the command line's extras. */
	snprintf(eal_buf, sizeof(eal_buf), "%s", cfg.dataplane.eal_args);
	eal_argv[eargc++] = argv[0];
	for (tok = strtok_r(eal_buf, " \t", &save); tok && eargc < EAL_ARGV_MAX - 8;
	     tok = strtok_r(NULL, " \t", &save))
		eal_argv[eargc++] = tok;
	for (int i = optind; i < argc && eargc < EAL_ARGV_MAX - 6; i++)
		eal_argv[eargc++] = argv[i];
	if (!has_lcore_arg(eal_argv, eargc)) {
		eal_argv[eargc++] = (char *)"-l";
		eal_argv[eargc++] = (char *)"0,1";
	}
	eal_argv[eargc++] = (char *)"--vdev";
	eal_argv[eargc++] = cfg.dataplane.port;
	eal_argv[eargc] = NULL;
	ret = rte_eal_init(eargc, eal_argv);
	if (ret < 0) {
		qb_log(LOG_ERR, "EAL init failed: %s", rte_strerror(rte_errno));
		fprintf(stderr, "ringcastd: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	snprintf(vdev_name, sizeof(vdev_name), "%s", cfg.dataplane.port);
	vdev_name[strcspn(vdev_name, ",")] = 0;
	if (rte_eth_dev_get_port_by_name(vdev_name, &port) < 0) {
		qb_log(LOG_ERR, "port %s not found", vdev_name);
		goto eal_cleanup;
	}
	rte_pdump_init();

	lcore = cfg.dataplane.lcore != RC_CONFIG_LCORE_ANY ? cfg.dataplane.lcore
							   : rte_get_next_lcore(-1, 1, 0);
	if (lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore) ||
	    lcore == rte_get_main_lcore()) {
		qb_log(LOG_ERR, "no worker lcore for the dataplane: give EAL two lcores (-l 0,1)");
		goto pdump;
	}

	/* netmtu is the Ethernet payload, as in corosync: the shim comes out of it,
	   and it may not exceed what the port carries. */
	if (rte_eth_dev_get_mtu(port, &mtu) == 0 && mtu < cfg.totem.srp.netmtu) {
		qb_log(LOG_WARNING, "port %s carries %u bytes, less than totem netmtu %u: using %u",
		       vdev_name, mtu, cfg.totem.srp.netmtu, mtu);
		cfg.totem.srp.netmtu = mtu;
	}
	cfg.totem.srp.netmtu -= RC_DP_SHIM;
	if (rc_totem_config_check(&cfg.totem, &why) < 0) {
		qb_log(LOG_ERR, "totem netmtu %u after the frame shim: %s",
		       cfg.totem.srp.netmtu, why);
		goto pdump;
	}

	memset(&dpp, 0, sizeof(dpp));
	dpp.port = port;
	dpp.ethertype = cfg.dataplane.ethertype;
	dpp.cluster_id = cfg.totem.srp.cluster_id;
	dpp.idle = cfg.dataplane.idle;
	dpp.idle_spin = cfg.dataplane.idle_spin;
	dpp.idle_sleep_us = cfg.dataplane.idle_sleep_us;
	dpp.totem = cfg.totem;
	ret = rc_dp_create(&dpp, (int)rte_lcore_to_socket_id(lcore), &dp);
	if (ret < 0) {
		qb_log(LOG_ERR, "dataplane on port %s: %s", vdev_name, strerror(-ret));
		goto pdump;
	}
	if (rc_telemetry_register(dp) < 0)
		qb_log(LOG_WARNING, "telemetry commands could not be registered");

	loop = qb_loop_create();
	qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGTERM, NULL, on_signal, &sh);
	qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGINT, NULL, on_signal, &sh);
	qb_loop_timer_add(loop, QB_LOOP_LOW, EVENT_POLL_NS, NULL, poll_events, &th);
	ret = rc_clients_start(loop, dp, &cfg, self_id);
	if (ret < 0) {
		qb_log(LOG_ERR, "client socket in %s: %s", cfg.ringcast.runtime_dir, strerror(-ret));
		goto destroy_dp;
	}

	ret = rc_membership_start(loop, dp, &cfg.totem, path);
	if (ret < 0) {
		qb_log(LOG_ERR, "membership: %s", strerror(-ret));
		goto destroy_dp;
	}

	qb_log(LOG_NOTICE, "ringcastd %s node %u on %s (lcore %u), cluster %s",
	       RC_VERSION, self_id, cfg.dataplane.port, lcore, cfg.cluster_name);
	rte_eal_remote_launch(rc_dp_run, dp, lcore);
	qb_loop_run(loop);
	rte_eal_wait_lcore(lcore);
	qb_log(LOG_NOTICE, "left the ring; exiting");
	rc_membership_stop();
	rc_dp_destroy(dp);
	rc_clients_stop();
	rte_pdump_uninit();
	rte_eal_cleanup();
	snprintf(path, sizeof(path), "%s/ringcastd.pid", cfg.ringcast.runtime_dir);
	unlink(path);
	qb_log_fini();
	return 0;

destroy_dp:
	rc_dp_destroy(dp);
pdump:
	rte_pdump_uninit();
eal_cleanup:
	rte_eal_cleanup();
	fprintf(stderr, "ringcastd: start failed, see the log\n");
	return 1;
}
