/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcastd: reads and checks the configuration before touching anything,
 * takes its runtime directory, starts EAL, the port and the dataplane lcore,
 * then runs the control loop (libqb): logs the dataplane's events, serves
 * telemetry, tells a service manager READY=1 once the first ring is formed
 * (sd_notify), and on SIGTERM/SIGINT has the lcore leave the ring cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <qb/qblog.h>
#include <qb/qbloop.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include <ringcast/shm_layout.h>

#include "config.h"
#include "ctl.h"
#include "dp.h"
#include "dirs.h"
#include "ringseq.h"
#include "start.h"

#define DEFAULT_CONF	"/etc/ringcast/ringcast.conf"
#define CHECK_NS	(1000 * 1000 * 1000ull)	/* silent connections, lost wake-ups */
#define STOP_WARN_NS	(2000 * 1000 * 1000ull)	/* a stop this slow is logged, and why */

static struct rc_config cfg;	/* constant after start */
static uint32_t self_id;
static struct rc_dp *dp;
static qb_loop_t *loop;
static struct rc_auth_floor saved_floors[RC_AUTH_MAX_NODES];	/* as last written */
static uint32_t n_saved_floors;
static int ready_sent;		/* READY=1 told to the service manager */
static int started_fd = -1;	/* without -f: the waiting parent's pipe */
static uint64_t signal_ns;	/* when SIGTERM/SIGINT came (0: not yet) */

uint32_t rc_ctl_nodeid(void)
{
	return self_id;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringcastd [-c FILE] [-f] [-t] [-i NODEID | -n NAME] [-- EAL-ARGS...]\n"
		"Runs one ringcast node: the Totem ring on a DPDK port, CPG to local clients.\n\n"
		"  -c, --config FILE   configuration (default " DEFAULT_CONF ")\n"
		"  -f, --foreground    stay in the foreground, log to stderr as configured\n"
		"  -i, --nodeid N      this node's nodeid in nodelist {}\n"
		"  -n, --name NAME     this node's name in nodelist {} (default: hostname)\n"
		"  -t, --test-config   check the configuration (and -i/-n) and exit\n"
		"  -h, --help          this text\n"
		"  -v, --version       print the version\n"
		"Arguments after -- are added to dataplane { eal_args }.\n\n"
		"example: ringcastd -c /etc/ringcast/ringcast.conf -f -i 1\n");
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

/*
 * Each client connection holds three descriptors here (socket, memfd,
 * eventfd): the usual soft limit of 1024 would stop at about 330. Raise it
 * as far as the hard limit allows, and say so when that is too low.
 */
static void fd_limit_raise(void)
{
	const rlim_t want = (rlim_t)RC_DP_MAX_CLIENTS * 3 + 256;
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur >= want)
		return;
	r.rlim_cur = r.rlim_max < want ? r.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &r) < 0)
		(void)getrlimit(RLIMIT_NOFILE, &r);	/* say what it is */
	if (r.rlim_cur < want)
		qb_log(LOG_WARNING, "open files limited to %llu (RLIMIT_NOFILE): about %llu "
		       "client connections; raise LimitNOFILE for %u", (unsigned long long)r.rlim_cur,
		       (unsigned long long)(r.rlim_cur > 256 ? (r.rlim_cur - 256) / 3 : 0),
		       RC_DP_MAX_CLIENTS);
}

/* READY=1 once: at the first regular configuration, or when the wait ends. */
static void ready(const struct rc_confchg *c)
{
	char msg[128];
	int ret;

	if (ready_sent)
		return;
	ready_sent = 1;
	if (c)
		snprintf(msg, sizeof(msg), "READY=1\nSTATUS=ring %u.%llu, %u members",
			 c->ring.rep, (unsigned long long)c->ring.seq, c->n_members);
	else
		snprintf(msg, sizeof(msg), "READY=1\nSTATUS=no ring formed yet");
	ret = rc_notify(msg);
	if (ret < 0)
		qb_log(LOG_WARNING, "sd_notify READY=1 to %s: %s", getenv("NOTIFY_SOCKET"),
		       strerror(-ret));
	else if (!c && getenv("NOTIFY_SOCKET"))
		qb_log(LOG_WARNING, "no ring formed within the start-up wait: READY=1 anyway");
}

static void ready_wait_over(void *data)
{
	ready(NULL);
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
	if (c->type == RC_CONF_REGULAR)
		qb_log(LOG_INFO, "ring %u.%llu: messages up to %u bytes (the least of its "
		       "members' limits; clients: %u)", c->ring.rep,
		       (unsigned long long)c->ring.seq, c->msg_limit,
		       rc_shm_payload_max(c->msg_limit < cfg.totem.srp.max_msg_size ?
					  c->msg_limit : cfg.totem.srp.max_msg_size));
	/* netmtu as configured: the frame shim and envelope added back */
	if (c->type == RC_CONF_REGULAR && c->netmtu && c->netmtu < cfg.totem.srp.netmtu)
		qb_log(LOG_WARNING, "ring %u.%llu: frames of at most netmtu %u, less than this "
		       "node's %u: a member's link carries no more (its netmtu or its port's "
		       "MTU); every node frames at the least", c->ring.rep,
		       (unsigned long long)c->ring.seq,
		       c->netmtu + (uint32_t)(RC_DP_SHIM + RC_WIRE_AUTH_OVERHEAD),
		       cfg.totem.srp.netmtu + (uint32_t)(RC_DP_SHIM + RC_WIRE_AUTH_OVERHEAD));
}

/* Frames failing authentication: the lcore posts one per reason per period. */
/* Every key operation (ringcastctl key load|use|retire) is in the log. */
static void log_key(const struct rc_dp_key_event *k)
{
	static const char *const op[] = {
		[RC_DP_KEY_ADD] = "load", [RC_DP_KEY_USE] = "use", [RC_DP_KEY_RETIRE] = "retire",
	};
	const char *name = k->op >= RC_DP_KEY_ADD && k->op <= RC_DP_KEY_RETIRE ? op[k->op] : "?";

	if (k->ret == 0)
		qb_log(LOG_NOTICE, "key %s: done; sending with key %u, newest %u, other slot %u",
		       name, k->tx_id, k->newest_id, k->other_id);
	else if (k->ret == -EAGAIN)
		qb_log(LOG_NOTICE, "key %s: not yet: nodelist positions 0x%x lack the new key "
		       "(sending with key %u)", name, k->missing, k->tx_id);
	else
		qb_log(LOG_WARNING, "key %s: refused: %s (sending with key %u, newest %u)",
		       name, strerror(-k->ret), k->tx_id, k->newest_id);
}

static void log_auth(const struct rc_dp_auth_event *a)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned long long n = (unsigned long long)a->total;

	rte_ether_format_addr(mac, sizeof(mac), &a->mac);
	switch (a->drop) {
	case RC_AUTH_DROP_VERSION:
		if (a->version >= 1 && a->version < RC_WIRE_VERSION)
			qb_log(LOG_ERR, "peer %u speaks wire version %u: upgrade every node "
			       "(MAC %s; %llu frames of other versions dropped)", a->sender,
			       a->version, mac, n);
		else
			qb_log(LOG_WARNING, "frames of wire version %u from MAC %s, not ringcast "
			       "or another version; %llu dropped", a->version, mac, n);
		break;
	case RC_AUTH_DROP_MODE:
		qb_log(LOG_ERR, "node %u (MAC %s) sends %s frames, this node %s ones: "
		       "totem { crypto_cipher, crypto_hash } must be alike on every node; "
		       "%llu dropped", a->sender, mac, rc_auth_mode_name(a->mode),
		       rc_auth_mode_name(cfg.crypto.mode), n);
		break;
	case RC_AUTH_DROP_BAD_TAG:
	case RC_AUTH_DROP_KEY_SLOT:
		qb_log(LOG_ERR, "frames claiming node %u (MAC %s) fail authentication: its key "
		       "differs from this node's (%s), or they are forged; %llu dropped (%s)",
		       a->sender, mac, cfg.crypto.keyfile, n,
		       a->drop == RC_AUTH_DROP_BAD_TAG ? "bad tag" : "a key not held here");
		break;
	default:
		qb_log(LOG_WARNING, "frames claiming node %u (MAC %s) dropped: %s (%s); "
		       "%llu so far", a->sender, mac, rc_auth_drop_name(a->drop),
		       rc_auth_drop_desc(a->drop), n);
		break;
	}
}

/* What this node has seen of each sender, for its next run (auth.h floors). */
static void floors_save(void)
{
	static struct rc_dp_snapshot s;
	int ret;

	rc_dp_snapshot_read(dp, &s);
	if (s.n_floors == n_saved_floors &&
	    !memcmp(s.floors, saved_floors, s.n_floors * sizeof(s.floors[0])))
		return;
	ret = rc_auth_floor_save(cfg.ringcast.state_dir, s.floors, s.n_floors);
	if (ret < 0) {
		qb_log(LOG_WARNING, "cannot save %s/peers: %s", cfg.ringcast.state_dir,
		       strerror(-ret));
		return;
	}
	memcpy(saved_floors, s.floors, sizeof(saved_floors));
	n_saved_floors = s.n_floors;
}

/* Log what the dataplane posted, free the clients it let go of; stop once
   it left. Runs when the lcore writes the events fd, and every CHECK_NS. */
static void drain_events(void)
{
	struct rc_dp_event ev[8];
	unsigned int n;
	/* Read first: every event the lcore posted before it stopped is then
	   drained below. A full event ring drops STOPPED, never this flag. */
	int stopped = rc_dp_stopped(dp);

	rc_clients_poll_gone();
	while ((n = rc_dp_events(dp, ev, 8)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			switch (ev[i].type) {
			case RC_DP_EV_CONFCHG:
				log_confchg(&ev[i].c);
				if (ev[i].c.type == RC_CONF_REGULAR)
					ready(&ev[i].c);
				break;
			case RC_DP_EV_STOPPED:
				stopped = 1;
				break;
			case RC_DP_EV_AUTH:
				log_auth(&ev[i].auth);
				break;
			case RC_DP_EV_KEY:
				log_key(&ev[i].key);
				break;
			case RC_DP_EV_PAUSE:
				qb_log(LOG_NOTICE, "lcore: pause detected for %llu ms, %u queued "
				       "frame(s) flushed",
				       (unsigned long long)(ev[i].gap_ns / 1000000), ev[i].flushed);
				break;
			}
		}
	}
	if (stopped) {
		if (cfg.crypto.mode != RC_AUTH_MODE_NONE)
			floors_save();
		qb_loop_stop(loop);
		return;
	}
}

static int32_t on_dp_events(int32_t fd, int32_t revents, void *data)
{
	uint64_t cnt;

	(void)revents;
	(void)data;
	if (read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		qb_log(LOG_WARNING, "dataplane events eventfd: %s", strerror(errno));
	drain_events();
	return 0;
}

/* The only periodic wake-up of this thread while traffic flows: 1/s. */
static void check(void *data)
{
	qb_loop_timer_handle h;

	(void)data;
	drain_events();
	if (cfg.crypto.mode != RC_AUTH_MODE_NONE)
		floors_save();		/* at most once a second */
	qb_loop_timer_add(loop, QB_LOOP_LOW, CHECK_NS, NULL, check, &h);
}

/*
 * The lcore has not stopped STOP_WARN_NS after the signal (and again every
 * STOP_WARN_NS until it does): say whether it still runs its loop (it would
 * have seen the stop: a bug here) or is held inside one call, the port
 * driver's rx or tx burst most likely, which only a stack can tell.
 */
static void stop_watch(void *data)
{
	qb_loop_timer_handle h;
	uint64_t now = rc_dp_now_ns(), polled = rc_dp_polled(dp);
	unsigned long long age = polled && now > polled ? (now - polled) / 1000000 : 0;

	(void)data;
	if (rc_dp_stopped(dp)) {
		drain_events();
		return;
	}
	qb_log(LOG_WARNING, "the lcore has not stopped %llu ms after the signal: its last "
	       "pass began %llu ms ago (%s)", (unsigned long long)((now - signal_ns) / 1000000),
	       age, age * 1000000 >= STOP_WARN_NS / 2 ?
	       "it is held inside one call, the port driver's rx or tx burst or the stall "
	       "test hook: a stack of its thread shows which" :
	       "it still runs its loop without seeing the stop");
	qb_loop_timer_add(loop, QB_LOOP_HIGH, STOP_WARN_NS, NULL, stop_watch, &h);
}

/*
 * After the loop, on the way out (the lcore's wait, the port's close, EAL's
 * cleanup): a helper thread says on stderr which step takes more than
 * STOP_WARN_NS, every STOP_WARN_NS, until the last is done. qb_log is the
 * control thread's alone, and the control thread is the one held.
 */
static const char *volatile exit_step;
static sem_t exit_done;
static int exit_watching;

static void *exit_watch(void *arg)
{
	struct timespec ts;
	unsigned int waited = 0;

	(void)arg;
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += STOP_WARN_NS / 1000000000ull;
		if (sem_timedwait(&exit_done, &ts) == 0)
			return NULL;
		if (errno != ETIMEDOUT && errno != EINTR)
			return NULL;
		if (errno == ETIMEDOUT) {
			waited += (unsigned int)(STOP_WARN_NS / 1000000000ull);
			fprintf(stderr, "ringcastd: exit held %u s in: %s\n", waited, exit_step);
		}
	}
}

static void exit_watch_start(void)
{
	pthread_t t;

	exit_step = "waiting for the lcore to return";
	if (sem_init(&exit_done, 0, 0) < 0)
		return;
	exit_watching = 1;
	if (pthread_create(&t, NULL, exit_watch, NULL) == 0)
		pthread_detach(t);
}

static int on_signal(int32_t sig, void *data)
{
	qb_loop_timer_handle h;

	qb_log(LOG_NOTICE, "signal %d: leaving the ring", sig);
	rc_notify("STOPPING=1\nSTATUS=leaving the ring");
	rc_membership_leave();	/* queued for the lcore before it is told to stop */
	rc_dp_stop(dp);
	if (!signal_ns) {
		signal_ns = rc_dp_now_ns();
		qb_loop_timer_add(loop, QB_LOOP_HIGH, STOP_WARN_NS, NULL, stop_watch, &h);
	}
	return 0;
}

/*
 * Without -f: go to the background, but let the caller learn how the start
 * went. The parent waits on a pipe for started() (exit 0) and otherwise
 * exits with the child's status (1 for every start-up failure, whose
 * message still reaches the caller's stderr, kept until started()).
 * -1 with errno.
 */
static int background(void)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	/* not into what the daemon starts (the ready pipe is the parent's only) */
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(0);
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
			_exit(WEXITSTATUS(st) ? WEXITSTATUS(st) : 1);
		_exit(1);
	}
	close(p[0]);
	started_fd = p[1];
	if (setsid() < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

/* Started (the lcore runs): the waiting parent exits 0; stdio goes. */
static void started(void)
{
	int fd;

	if (started_fd < 0)
		return;
	if (write(started_fd, "", 1) < 0) {
		/* the parent is gone: nobody to tell */
	}
	close(started_fd);
	started_fd = -1;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

/*
 * What the port carries: for net_af_packet the kernel interface's own MTU
 * (ethdev reports 1500 for it whatever the link; the ring frames are sized
 * for netmtu by rc_config_port_devargs), else ethdev's.
 */
/* A kernel interface's MTU: 0 or -1. */
static int iface_mtu(const char *name, uint16_t *mtu)
{
	struct ifreq ifr;
	int s, ret = -1;

	if (strlen(name) >= sizeof(ifr.ifr_name))
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		ret = ioctl(s, SIOCGIFMTU, &ifr);
		close(s);
	}
	if (ret != 0 || ifr.ifr_mtu <= 0 || ifr.ifr_mtu > UINT16_MAX)
		return -1;
	*mtu = (uint16_t)ifr.ifr_mtu;
	return 0;
}

static int port_mtu(uint16_t port, uint16_t *mtu)
{
	struct rte_eth_dev_info info;
	char name[IF_NAMESIZE];

	if (rte_eth_dev_info_get(port, &info) != 0)
		return rte_eth_dev_get_mtu(port, mtu);
	/* net_af_packet: its kernel interface's own MTU, which ethdev does
	   not report (1500 whatever the link; the ring frames are sized for
	   netmtu by rc_config_port_devargs). Other ports with a kernel
	   interface (net_af_xdp) keep ethdev's 1500: on a 3000-byte veth
	   link, frames above it never reached the other nodes through DPDK
	   22.11's net_af_xdp (measured: every 2800-byte message resent until
	   the run gave up). */
	if (info.if_index) {
		if (info.driver_name && strstr(info.driver_name, "af_packet") &&
		    if_indextoname(info.if_index, name) && iface_mtu(name, mtu) == 0)
			return 0;
		return rte_eth_dev_get_mtu(port, mtu);
	}
	/* A port of its own (a NIC): what it can be set to; rc_port_setup sets
	   it to netmtu. (Its MTU before that is ethdev's default, 1500, which
	   lowered every NIC's netmtu to 1500: no jumbo frames.) */
	if (info.max_mtu) {
		*mtu = info.max_mtu;
		return 0;
	}
	return rte_eth_dev_get_mtu(port, mtu);
}

/*
 * The netmtu net_af_packet's ring frames are sized for, before EAL makes
 * the port: no more than its interface carries. Sized for the configured
 * netmtu, which the port's check below then lowers (with a warning), they
 * took a larger mbuf than the pool's and the port failed to start with a
 * misleading "Cannot allocate memory".
 */
static uint32_t devargs_netmtu(const char *port, uint32_t netmtu)
{
	char name[IF_NAMESIZE];
	uint16_t mtu;

	if (rc_config_port_iface(port, name, sizeof(name)) == 0 && iface_mtu(name, &mtu) == 0 &&
	    mtu < netmtu)
		return mtu;
	return netmtu;
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
		{ "test-config", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = DEFAULT_CONF, *name = NULL, *why;
	char err[RC_CONFIG_MSG_MAX * 2], host[256], path[RC_CONFIG_PATH_MAX + 32];
	static struct rc_eal_args eal;
	static char devargs[RC_CONFIG_STR_MAX + 64];	/* EAL keeps the pointer */
	const char *port_name;
	static struct rc_dp_params dpp;
	static uint8_t key[RC_AUTH_KEY_MAX];
	size_t key_len = 0;
	qb_loop_timer_handle th, rh;
	qb_loop_signal_handle sh;
	unsigned long nodeid = 0;
	int c, foreground = 0, test_only = 0, ret;
	bool failed;
	static int lcore_node[RTE_MAX_LCORE];
	struct rc_placement place;
	unsigned int lcore;
	uint16_t port, mtu;

	while ((c = getopt_long(argc, argv, "c:fi:n:thv", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'i': {
			char *end = NULL;

			errno = 0;
			nodeid = optarg[0] >= '0' && optarg[0] <= '9' ?
				 strtoul(optarg, &end, 10) : 0;
			if (!nodeid || nodeid > UINT32_MAX || errno || *end) {
				fprintf(stderr, "ringcastd: bad nodeid '%s'\n", optarg);
				return 1;
			}
			break;
		}
		case 'n':
			name = optarg;
			break;
		case 't':
			test_only = 1;
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
	if (test_only && !name && !nodeid)
		nodeid = cfg.nodes[0].nodeid;	/* check the file, whichever node reads it */
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
	/* EAL: eal_args, the command line's extras, then the port (PCI: -a, else --vdev) */
	if (rc_config_port_devargs(cfg.dataplane.port,
				   devargs_netmtu(cfg.dataplane.port, cfg.totem.srp.netmtu),
				   devargs, sizeof(devargs)) < 0) {
		fprintf(stderr, "ringcastd: %s: dataplane port devargs too long\n", conf);
		return 1;
	}
	ret = rc_eal_args_build(&eal, argv[0], cfg.dataplane.eal_args, argv + optind,
				argc - optind, devargs);
	if (ret < 0) {
		fprintf(stderr, "ringcastd: %s: dataplane: %s\n", conf,
			ret == -E2BIG ? "too many EAL arguments" :
			"port is a PCI address, but the EAL arguments say --no-pci");
		return 1;
	}
	port_name = eal.port_name;
	if (test_only) {
		/* the file only: the key, like the port, is the running node's */
		printf("ringcastd: %s: configuration ok: %u nodes, port %s (%s), frames %s%s%s\n",
		       conf, cfg.n_nodes, port_name,
		       eal.kind == RC_PORT_PCI ? "PCI" : "virtual device",
		       rc_auth_mode_name(cfg.crypto.mode),
		       cfg.crypto.mode == RC_AUTH_MODE_NONE ? "" : " with the key in ",
		       cfg.crypto.mode == RC_AUTH_MODE_NONE ? "" : cfg.crypto.keyfile);
		return 0;
	}

	/* The key too: a node without it would only disturb the others. */
	ret = rc_config_key_load(&cfg, conf, key, &key_len, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "ringcastd: %s\n", err);
		return 1;
	}
	memset(&dpp, 0, sizeof(dpp));
	if (key_len && rc_auth_prk(key, key_len, dpp.auth.prk) < 0) {
		fprintf(stderr, "ringcastd: %s: cannot derive keys\n", cfg.crypto.keyfile);
		return 1;
	}
	memset(key, 0, sizeof(key));
	if (cfg.crypto.mode == RC_AUTH_MODE_NONE)
		fprintf(stderr, "ringcastd: warning: %s: frame authentication is off "
			"(crypto_cipher: none, crypto_hash: none): anyone on the segment can "
			"join or disturb the ring and read its messages\n", conf);

	if ((ret = rc_dir_make(cfg.ringcast.runtime_dir)) < 0 ||
	    (ret = rc_dir_make(cfg.ringcast.state_dir)) < 0) {
		fprintf(stderr, "ringcastd: cannot create %s or %s: %s\n",
			cfg.ringcast.runtime_dir, cfg.ringcast.state_dir, strerror(-ret));
		return 1;
	}
	{
		char dir_why[RC_CONFIG_PATH_MAX + 128];

		if (rc_dir_check(cfg.ringcast.runtime_dir, dir_why, sizeof(dir_why)) < 0 ||
		    rc_dir_check(cfg.ringcast.state_dir, dir_why, sizeof(dir_why)) < 0) {
			fprintf(stderr, "ringcastd: %s: refusing a runtime or state directory "
				"another user can change: %s\n", conf, dir_why);
			return 1;
		}
	}
	ret = runtime_take();
	if (ret < 0) {
		fprintf(stderr, "ringcastd: runtime directory %s: %s\n", cfg.ringcast.runtime_dir,
			ret == -EBUSY ? "another ringcastd runs there" : strerror(-ret));
		return 1;
	}
	/* This run's incarnation is on disk before any frame uses it. */
	ret = rc_auth_incarnation_next(cfg.ringcast.state_dir, (uint32_t)time(NULL),
				       &dpp.auth.incarnation);
	if (ret < 0) {
		fprintf(stderr, "ringcastd: %s/incarnation: %s%s\n", cfg.ringcast.state_dir,
			strerror(-ret), ret == -EINVAL ? " (corrupt: remove it only if no "
			"frame of this node can be replayed, see ringcastd(8))" : "");
		return 1;
	}
	ret = rc_auth_floor_load(cfg.ringcast.state_dir, dpp.auth.floor, RC_AUTH_MAX_NODES,
				 &dpp.auth.n_floor);
	if (ret < 0) {
		fprintf(stderr, "ringcastd: %s/peers: %s (ignored: replays of frames this "
			"node saw before it restarted are bounded only by the ring's checks)\n",
			cfg.ringcast.state_dir, strerror(-ret));
		dpp.auth.n_floor = 0;
	}
	memcpy(saved_floors, dpp.auth.floor, sizeof(saved_floors));
	n_saved_floors = dpp.auth.n_floor;
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
	if (!foreground && background() < 0) {
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

	ret = rte_eal_init(eal.argc, eal.argv);
	if (ret < 0) {
		qb_log(LOG_ERR, "EAL init failed: %s", rte_strerror(rte_errno));
		fprintf(stderr, "ringcastd: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (rte_eth_dev_get_port_by_name(port_name, &port) < 0) {
		rc_port_missing_msg(&eal, "/sys", err, sizeof(err));
		qb_log(LOG_ERR, "port %s not found: %s", port_name, err);
		fprintf(stderr, "ringcastd: port %s not found: %s\n", port_name, err);
		goto eal_cleanup;
	}
	rte_pdump_init();

	/* The dataplane lcore and its memory on the port's NUMA node. */
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
		lcore_node[i] = rte_lcore_is_enabled(i) && i != rte_get_main_lcore() ?
				(int)rte_lcore_to_socket_id(i) : RC_NOT_WORKER;
	ret = rc_place_dataplane(lcore_node, RTE_MAX_LCORE, rte_eth_dev_socket_id(port),
				 cfg.dataplane.lcore != RC_CONFIG_LCORE_ANY ?
				 (int)cfg.dataplane.lcore : -1, &place);
	if (ret < 0) {
		qb_log(LOG_ERR, ret == -EINVAL ? "dataplane { lcore } %u is not a worker lcore of "
		       "the EAL arguments" : "no worker lcore for the dataplane: give EAL two "
		       "lcores (-l 0,1)", cfg.dataplane.lcore);
		goto pdump;
	}
	lcore = place.lcore;
	if (place.cross)
		qb_log(LOG_WARNING, "dataplane lcore %u is on NUMA node %u, port %s on node %d: "
		       "every frame crosses nodes; give EAL an lcore on node %d",
		       lcore, rte_lcore_to_socket_id(lcore), port_name, place.node, place.node);

	/* netmtu is the Ethernet payload, as in corosync: the shim comes out of it,
	   and it may not exceed what the port carries. */
	if (port_mtu(port, &mtu) == 0 && mtu < cfg.totem.srp.netmtu) {
		qb_log(LOG_WARNING, "port %s carries %u bytes, less than totem netmtu %u: using %u",
		       port_name, mtu, cfg.totem.srp.netmtu, mtu);
		cfg.totem.srp.netmtu = mtu;
	}
	cfg.totem.srp.netmtu -= RC_DP_SHIM + RC_WIRE_AUTH_OVERHEAD;
	/* flow control's window stays within what a receiver's rx ring holds */
	cfg.totem.srp.rx_frames = rc_config_port_rx_frames(cfg.dataplane.port);
	/* the ring's message limit counts what this node's clients take */
	cfg.totem.srp.rx_msg_max = rc_shm_rx_msg_max(cfg.ringcast.max_rx_backlog);
	if (rc_totem_config_check(&cfg.totem, &why) < 0) {
		qb_log(LOG_ERR, "totem netmtu %u after the frame shim and envelope: %s",
		       cfg.totem.srp.netmtu, why);
		goto pdump;
	}

	dpp.port = port;
	dpp.ethertype = cfg.dataplane.ethertype;
	dpp.cluster_id = cfg.totem.srp.cluster_id;
	dpp.idle = cfg.dataplane.idle;
	dpp.idle_spin = cfg.dataplane.idle_spin;
	dpp.idle_sleep_us = cfg.dataplane.idle_sleep_us;
	dpp.test_hooks = cfg.dataplane.test_hooks != 0;
	dpp.zero_copy = cfg.ringcast.zero_copy != RC_ZC_OFF;
	dpp.totem = cfg.totem;
	dpp.auth.mode = cfg.crypto.mode;
	dpp.auth.cluster_id = cfg.totem.srp.cluster_id;
	dpp.auth.me = self_id;
	dpp.auth.n_nodes = cfg.n_nodes;
	for (uint32_t i = 0; i < cfg.n_nodes; i++)
		dpp.auth.nodes[i] = cfg.nodes[i].nodeid;
	ret = rc_dp_create(&dpp, place.node, &dp);
	if (ret == -ENOMEM && place.node != (int)rte_lcore_to_socket_id(lcore)) {
		/* No memory on the port's node (hugepages reserved elsewhere):
		   run from the lcore's node rather than not at all. */
		qb_log(LOG_WARNING, "no memory on NUMA node %d (the port's): dataplane "
		       "memory on node %u, the lcore's; reserve hugepages on node %d",
		       place.node, rte_lcore_to_socket_id(lcore), place.node);
		place.node = (int)rte_lcore_to_socket_id(lcore);
		ret = rc_dp_create(&dpp, place.node, &dp);
	}
	if (ret < 0) {
		qb_log(LOG_ERR, "dataplane on port %s: %s", port_name, strerror(-ret));
		goto pdump;
	}
	if (cfg.dataplane.idle == RC_IDLE_BUSY)
		;	/* never sleeps */
	else if (rc_dp_wakes_on_frames(dp))
		qb_log(LOG_INFO, "idle lcore wakes on frames (the port's socket), on client "
		       "doorbells and at its timers");
	else
		qb_log(LOG_INFO, "idle lcore: this port has no socket to wake on; frames wait "
		       "for the end of an idle sleep (idle_sleep_us %u, doubled when quiet)",
		       cfg.dataplane.idle_sleep_us);
	if (rc_telemetry_register(dp, &cfg, port) < 0)
		qb_log(LOG_WARNING, "telemetry commands could not be registered");
	rc_telemetry_numa(rte_eth_dev_socket_id(port), lcore, (int)rte_lcore_to_socket_id(lcore),
			  place.node, place.node);

	loop = qb_loop_create();
	qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGTERM, NULL, on_signal, &sh);
	qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGINT, NULL, on_signal, &sh);
	qb_loop_timer_add(loop, QB_LOOP_LOW, CHECK_NS, NULL, check, &th);
	qb_loop_poll_add(loop, QB_LOOP_LOW, rc_dp_events_fd(dp), POLLIN, NULL, on_dp_events);
	fd_limit_raise();
	ret = rc_clients_start(loop, dp, &cfg, self_id, place.node, port);
	if (ret < 0) {
		qb_log(LOG_ERR, "client socket in %s: %s", cfg.ringcast.runtime_dir, strerror(-ret));
		goto destroy_dp;
	}

	ret = rc_membership_start(loop, dp, &cfg.totem, path);
	if (ret < 0) {
		qb_log(LOG_ERR, "membership: %s", strerror(-ret));
		goto destroy_dp;
	}

	qb_log(LOG_NOTICE, "ringcastd %s node %u on %s (lcore %u, NUMA node %d), cluster %s, "
	       "frames %s, incarnation %u", RC_VERSION, self_id, cfg.dataplane.port, lcore,
	       place.node, cfg.cluster_name, rc_auth_mode_name(cfg.crypto.mode),
	       dpp.auth.incarnation);
	if (cfg.crypto.mode == RC_AUTH_MODE_NONE)
		qb_log(LOG_WARNING, "frame authentication is off (crypto_cipher: none, "
		       "crypto_hash: none): anyone on the segment can join or disturb the ring");
	rte_eal_remote_launch(rc_dp_run, dp, lcore);
	started();
	qb_loop_timer_add(loop, QB_LOOP_LOW,
			  rc_notify_ready_wait_ns(cfg.totem.token_timeout_ns,
						  cfg.totem.consensus_timeout_ns),
			  NULL, ready_wait_over, &rh);
	qb_loop_run(loop);
	exit_watch_start();
	rte_eal_wait_lcore(lcore);
	qb_log(LOG_NOTICE, "left the ring; exiting");
	failed = rc_membership_failed();
	rc_membership_stop();
	rc_telemetry_detach();
	exit_step = "closing the port (rte_eth_dev_stop, rte_eth_dev_close)";
	rc_dp_destroy(dp);
	exit_step = "freeing client regions";
	rc_clients_stop();
	exit_step = "EAL cleanup";
	rte_pdump_uninit();
	rte_eal_cleanup();
	if (exit_watching)
		sem_post(&exit_done);
	snprintf(path, sizeof(path), "%s/ringcastd.pid", cfg.ringcast.runtime_dir);
	unlink(path);
	qb_log_fini();
	return failed ? 1 : 0;

destroy_dp:
	rc_telemetry_detach();
	rc_dp_destroy(dp);
pdump:
	rte_pdump_uninit();
eal_cleanup:
	rte_eal_cleanup();
	fprintf(stderr, "ringcastd: start failed, see the log\n");
	return 1;
}
