/*
 * guest.c - hpcvirt-agent --guest-init: what a VM's or UML's /init must
 * do before the agent can listen, done in the agent's own process. It
 * mounts /proc, /sys, /dev, /dev/shm, loads the modules of hv.mods=SET,
 * names the host, sets hv.ip= (and hv.mtu=, if given) on hv.if=, mounts
 * hv.disk= on /scratch and
 * arms the hv.crash= fault injection, all from the kernel command line.
 *
 * This was a busybox sh script. In a guest every fork and exec is costly
 * (User-Mode Linux makes a host process for each new address space, and
 * a child's first page faults cost ~60 us each there): the script's ten
 * commands took about 250 ms of UML's start-up, the same work done here
 * with system calls takes a few ms. Failures print "HV-INIT-ERROR ..." on
 * the console, where the host stops the boot at once (as it did for the
 * script's messages).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define CMDLINE_MAX 4096
#define MODLIST_MAX 8192

/* The hv.* words of the kernel command line, defaults as the script's. */
struct guest {
	char cmdline[CMDLINE_MAX];
	const char *ip; /* ADDR[/PREFIX] */
	const char *ifname;
	const char *port;
	const char *mods;
	const char *disk;
	const char *crash;
	const char *mtu; /* of ifname; NULL: the driver's */
};

static void __attribute__((format(printf, 1, 2)))
init_error(const char *fmt, ...)
{
	va_list ap;

	fputs("HV-INIT-ERROR ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputs("\n", stdout);
	fflush(stdout);
}

static void
mount_api(const char *src, const char *dir, const char *type,
	  unsigned long flags, const char *data, bool quiet)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, flags, data) < 0 && errno != EBUSY && !quiet)
		init_error("mount %s on %s: %s", type, dir, strerror(errno));
}

/* The next whitespace-separated word of *p (NUL-terminated), or NULL. */
static char *
next_word(char **p)
{
	char *w = *p + strspn(*p, " \t\n");
	size_t n = strcspn(w, " \t\n");

	if (!*w)
		return NULL;
	*p = w + n + (w[n] != '\0');
	w[n] = '\0';
	return w;
}

/* If w is KEY=VALUE for this key, point *out at VALUE. */
static void
take(const char *w, const char *key, const char **out)
{
	size_t n = strlen(key);

	if (!strncmp(w, key, n) && w[n] == '=')
		*out = w + n + 1;
}

static void
parse_cmdline(struct guest *g)
{
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, g->cmdline, sizeof(g->cmdline) - 1);
	int e = errno;
	char *p = g->cmdline, *w;

	if (fd >= 0)
		close(fd);
	g->ifname = "eth0";
	g->port = "7100";
	if (n < 0) {
		init_error("read /proc/cmdline: %s", strerror(e));
		return;
	}
	g->cmdline[n] = '\0';
	while ((w = next_word(&p))) {
		take(w, "hv.ip", &g->ip);
		take(w, "hv.if", &g->ifname);
		take(w, "hv.port", &g->port);
		take(w, "hv.mods", &g->mods);
		take(w, "hv.disk", &g->disk);
		take(w, "hv.crash", &g->crash);
		take(w, "hv.mtu", &g->mtu);
	}
}

/* finit_module each module of /etc/hv/mods.SET (dependencies first). */
static void
load_modules(const char *set)
{
	char path[300], list[MODLIST_MAX], *p = list, *m;
	ssize_t n;
	int fd, e;

	snprintf(path, sizeof(path), "/etc/hv/mods.%s", set);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, list, sizeof(list) - 1);
	e = errno;
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		init_error("insmod: %s: %s", path, strerror(e));
		return;
	}
	list[n] = '\0';
	while ((m = next_word(&p))) {
		snprintf(path, sizeof(path), "/lib/modules/%s", m);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		/* EEXIST: built in or loaded already, which is what we want */
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 &&
			       errno != EEXIST))
			init_error("insmod %s: %s", m, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

static int
link_up(int sock, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

/* mtu ("1450") on ifname: a lab across hosts carries less than 1500. */
static int
mtu_set(int sock, const char *ifname, const char *mtu)
{
	struct ifreq ifr;
	char *end;
	long v;

	errno = 0;
	v = strtol(mtu, &end, 10);
	if (errno || end == mtu || *end || v < 68 || v > 65535) {
		errno = EINVAL;
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_mtu = (int)v;
	return ioctl(sock, SIOCSIFMTU, &ifr);
}

/* ADDR/PREFIX on ifname (its first IPv4 address), as ifconfig sets it. */
static int
addr_set(int sock, const char *ifname, struct in_addr a, int prefix)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr = a;
	if (ioctl(sock, SIOCSIFADDR, &ifr) < 0)
		return -1;
	sin->sin_addr.s_addr = prefix ? htonl(~0U << (32 - prefix)) : 0;
	return ioctl(sock, SIOCSIFNETMASK, &ifr);
}

/* lo up, then ADDR[/PREFIX] on ifname and ifname up. */
static void
network(const struct guest *g)
{
	char addr[64], *slash, *end;
	struct in_addr a;
	long prefix = 32;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (sock < 0 || link_up(sock, "lo") < 0)
		init_error("network lo up: %s", strerror(errno));
	snprintf(addr, sizeof(addr), "%s", g->ip ? g->ip : "");
	slash = strchr(addr, '/');
	if (slash) {
		*slash = '\0';
		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || prefix < 0 ||
		    prefix > 32)
			prefix = -1;
	}
	if (inet_pton(AF_INET, addr, &a) != 1 || prefix < 0)
		init_error("network %s %s: expected hv.ip=IPV4[/PREFIX]",
			   g->ifname, g->ip ? g->ip : "(none)");
	else if (sock < 0 || addr_set(sock, g->ifname, a, (int)prefix) < 0 ||
		 (g->mtu && mtu_set(sock, g->ifname, g->mtu) < 0) ||
		 link_up(sock, g->ifname) < 0)
		init_error("network %s %s%s%s: %s", g->ifname, g->ip,
			   g->mtu ? " mtu " : "", g->mtu ? g->mtu : "",
			   strerror(errno));
	if (sock >= 0)
		close(sock);
}

/* "box-10-201-0-11" for 10.201.0.11, as the boxes' shells show it. */
static void
hostname(const struct guest *g)
{
	char name[64];
	size_t i;

	snprintf(name, sizeof(name), "box-%s", g->ip ? g->ip : "");
	name[strcspn(name, "/")] = '\0';
	for (i = 0; name[i]; i++)
		if (name[i] == '.')
			name[i] = '-';
	sethostname(name, i);
}

/* Fault injection for the tests: panic the guest after SECS seconds. */
static void
arm_crash(const char *secs)
{
	char *end;
	double s = strtod(secs, &end);
	struct timespec ts;
	int fd;

	if (end == secs || *end || s < 0 || s > 86400) {
		init_error("hv.crash=%s: expected seconds", secs);
		return;
	}
	if (fork() != 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	fputs("HV-INIT crash now\n", stdout);
	fflush(stdout);
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0 && write(fd, "c", 1) < 0)
		init_error("sysrq: %s", strerror(errno));
	_exit(1);
}

/* ms of CLOCK_BOOTTIME: since the guest kernel started its clock */
static double
boot_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void
hv_agent_guest_init(char *listen, size_t len)
{
	static struct guest g;
	char host[64];
	double t0 = boot_ms();

	mount_api("proc", "/proc", "proc", 0, NULL, false);
	mount_api("sys", "/sys", "sysfs", 0, NULL, false);
	mount_api("dev", "/dev", "devtmpfs", 0, NULL, true);
	parse_cmdline(&g);
	if (g.mods && *g.mods)
		load_modules(g.mods);
	hostname(&g);
	network(&g);
	mkdir("/scratch", 0755);
	mount_api("shm", "/dev/shm", "tmpfs", 0, "mode=1777", false);
	if (g.disk && *g.disk &&
	    mount(g.disk, "/scratch", "ext4", MS_NOATIME, NULL) < 0)
		init_error("mount %s: %s", g.disk, strerror(errno));
	if (g.crash && *g.crash)
		arm_crash(g.crash);
	/* The kernels' environment as the shell /init left it. */
	setenv("PATH", "/sbin:/usr/sbin:/bin:/usr/bin", 0);
	setenv("PWD", "/", 0);
	snprintf(host, sizeof(host), "%s", g.ip ? g.ip : "");
	host[strcspn(host, "/")] = '\0';
	snprintf(listen, len, "tcp:%s:%s", host, g.port);
	/* Where a slow start went: the kernel's boot, or this. */
	hv_agent_log("guest init: started %.0f ms after the kernel, set up in "
		     "%.1f ms",
		     t0, boot_ms() - t0);
}
