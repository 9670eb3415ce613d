/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * failoverd-id: udev import helper.
 *
 *   IMPORT{program}="failoverd-id %k"
 *
 * Prints, for a netdev that is a failover candidate,
 *   FAILOVER_GROUP_ID=0x0123456789abcdef   (only when the key is a group ID)
 *   FAILOVER_ROLE=standby|primary
 *   FAILOVER_KEY_SOURCE=group-id|mac
 * and nothing for any other NIC.  udev stops importing and logs an error
 * when a program fails, so this always exits 0 once it has a device name:
 * bad config space gives no properties and one line on stderr.
 *
 * Roles follow design-brief 4:
 *  - group ID found (and pair_by_group_id = yes): virtio-net = standby,
 *    any other PCI NIC (its bridge carries the ID) = primary;
 *  - otherwise, with MAC pairing on: a virtio-net NIC that pair_by_mac
 *    allows = standby/mac; a non-virtio PCI NIC whose permanent MAC equals
 *    such a standby's permanent MAC = primary/mac.
 * NICs the kernel's net_failover owns (STANDBY feature bit) get nothing.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libudev.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr_parse.h"
#include "log.h"
#include "conffile.h"
#include "pairing.h"
#include "pci_cap_reader.h"
#include "udev_watch.h"
#include "util.h"

static const char *arg_config = CONFIG_FILE_DEFAULT;

/*
 * The daemon's own parser, so that the helper and the daemon can never
 * disagree about a key.  A broken file makes the daemon refuse to start;
 * here it is reported once and the documented defaults apply, so a typo
 * never breaks udev's processing of a NIC.
 */
static void config_load(const char *path, struct fo_config *ret)
{
	struct failoverd_config c;
	struct config_error err = {};

	if (config_load_file(path, true, &err, &c) < 0) {
		(void) log_warning("%s, using the defaults", err.text);
		config_init(&c);
	}
	*ret = c.engine;
}

static bool mac_is_zero(const uint8_t mac[FO_MAC_LEN])
{
	static const uint8_t zero[FO_MAC_LEN];

	return memcmp(mac, zero, FO_MAC_LEN) == 0;
}

/*
 * The permanent MAC: the key must never be the current MAC, which
 * bonding rewrites.  ETHTOOL_GPERMADDR needs no privilege and exists on
 * every kernel; the name is checked against the ifindex so a rename in
 * between cannot hand us another NIC's address.  Without it (or on a fake
 * sysfs) "address" is used only while addr_assign_type says it is still
 * the permanent one (NET_ADDR_PERM = 0).
 */
static int perm_mac(struct udev_device *dev, const struct fo_device_info *info,
		    uint8_t ret[FO_MAC_LEN])
{
	struct {
		struct ethtool_perm_addr epa;
		uint8_t data[32];
	} req = { .epa = { .cmd = ETHTOOL_GPERMADDR, .size = 32 } };
	const char *syspath = udev_device_get_syspath(dev);
	_cleanup_close_ int fd = -1;
	struct ifreq ifr = {};
	char buf[64];
	uint8_t mac[FO_MAC_LEN];

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		strscpy(ifr.ifr_name, sizeof(ifr.ifr_name), info->name);
		ifr.ifr_data = (void *) &req;
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && req.epa.size == FO_MAC_LEN &&
		    !mac_is_zero(req.data) && (int) if_nametoindex(info->name) == info->ifindex) {
			memcpy(ret, req.data, FO_MAC_LEN);
			return 0;
		}
	}

	if (pcicap_read_attr(syspath, "addr_assign_type", buf, sizeof(buf)) < 0 || !streq(buf, "0"))
		return -ENODATA;
	if (pcicap_read_attr(syspath, "address", buf, sizeof(buf)) < 0 ||
	    attr_parse_mac(buf, mac) < 0 || mac_is_zero(mac))
		return -ENODATA;
	memcpy(ret, mac, FO_MAC_LEN);
	return 0;
}

static bool mac_allowed(const struct fo_config *cfg, const uint8_t mac[FO_MAC_LEN])
{
	switch (cfg->mac_pairing) {
	case FO_MAC_PAIRING_OFF:
		return false;
	case FO_MAC_PAIRING_ALL:
		return true;
	case FO_MAC_PAIRING_LIST:
		for (size_t i = 0; i < cfg->n_mac_list; i++)
			if (memcmp(cfg->mac_list[i], mac, FO_MAC_LEN) == 0)
				return true;
		return false;
	case FO_MAC_PAIRING_MAX:
	case FO_MAC_PAIRING_INVALID:
		break;
	}
	return false;
}

static bool group_usable(const struct fo_config *cfg, const struct fo_device_info *info)
{
	return cfg->pair_by_group_id && info->group.status == PCICAP_FOUND;
}

/*
 * A NIC failoverd may pair at all: a PCI function (a virtio one bound to
 * virtio-pci), not owned by the kernel's net_failover.  A VF with no
 * bridge above it (NOT_PCI with a PCI address) can still pair by MAC.
 */
static bool candidate(const struct fo_device_info *info)
{
	if (!info->pci_addr[0] || info->standby_feature || streq(info->phys_port_name, "sby"))
		return false;
	return !(info->is_virtio && info->group.status == PCICAP_NOT_PCI);
}

/* Is dev a standby keyed by its permanent MAC, and which MAC? */
static bool mac_standby(const struct fo_config *cfg, struct udev_device *dev,
			const struct fo_device_info *info, uint8_t ret_mac[FO_MAC_LEN])
{
	uint8_t mac[FO_MAC_LEN];

	if (!info->is_virtio || !candidate(info) || group_usable(cfg, info) ||
	    pcicap_status_is_error(info->group.status))
		return false;
	if (perm_mac(dev, info, mac) < 0 || !mac_allowed(cfg, mac))
		return false;
	memcpy(ret_mac, mac, FO_MAC_LEN);
	return true;
}

/* A virtio-net standby (by MAC) elsewhere on the system with this permanent MAC? */
static bool has_mac_standby(struct udev *udev, const struct fo_config *cfg,
			    const uint8_t mac[FO_MAC_LEN])
{
	struct udev_enumerate *e;
	struct udev_list_entry *entry;
	bool found = false;

	e = udev_enumerate_new(udev);
	if (!e)
		return false;
	if (udev_enumerate_add_match_subsystem(e, "net") < 0 || udev_enumerate_scan_devices(e) < 0)
		goto unref_enumerate;
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		struct udev_device *other;
		struct fo_device_info oi;
		uint8_t omac[FO_MAC_LEN];

		other = udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry));
		if (!other)
			continue;
		if (udev_watch_read_device(other, cfg->bridge_cap_type, &oi) == 0 &&
		    mac_standby(cfg, other, &oi, omac) && memcmp(omac, mac, FO_MAC_LEN) == 0)
			found = true;
		(void) udev_device_unref(other);
		if (found)
			break;
	}
unref_enumerate:
	(void) udev_enumerate_unref(e);
	return found;
}

static void print_props(const char *role, const char *source, const struct pcicap_result *g)
{
	if (g)
		printf("FAILOVER_GROUP_ID=0x%016llx\n", (unsigned long long) g->group_id);
	printf("FAILOVER_ROLE=%s\nFAILOVER_KEY_SOURCE=%s\n", role, source);
}

static void identify(struct udev *udev, struct udev_device *dev, const struct fo_config *cfg)
{
	struct fo_device_info info;
	uint8_t mac[FO_MAC_LEN];
	int r;

	r = udev_watch_read_device(dev, cfg->bridge_cap_type, &info);
	if (r < 0) {
		(void) log_warning_errno(r, "%s: cannot read device: %m", udev_device_get_sysname(dev));
		return;
	}
	if (!candidate(&info))
		return;

	if (group_usable(cfg, &info)) {
		print_props(info.is_virtio ? "standby" : "primary", "group-id", &info.group);
		return;
	}
	if (pcicap_status_is_error(info.group.status)) {
		/* The one log line: bad config space, no properties. */
		(void) log_warning("%s: group ID %s on %s: %s", info.name,
				   pcicap_status_name(info.group.status),
				   info.is_virtio ? "its PCI function" : "the bridge above it",
				   info.group.reason);
		return;
	}
	if (info.group.status == PCICAP_NO_PRIVILEGE)
		(void) log_notice("%s: %s; only MAC pairing can apply", info.name, info.group.reason);

	if (info.is_virtio) {
		if (mac_standby(cfg, dev, &info, mac))
			print_props("standby", "mac", NULL);
		return;
	}
	if (cfg->mac_pairing != FO_MAC_PAIRING_OFF && perm_mac(dev, &info, mac) == 0 &&
	    has_mac_standby(udev, cfg, mac))
		print_props("primary", "mac", NULL);
}

static void help(void)
{
	printf("%s [OPTIONS] IFNAME\n\n"
	       "Print the failover udev properties of a network interface.\n\n"
	       "  -h --help           Show this help\n"
	       "     --version        Show the version\n"
	       "  -c --config=PATH    Read pair_by_* and bridge_cap_type from PATH\n"
	       "                      (default " CONFIG_FILE_DEFAULT ")\n",
	       program_invocation_short_name);
}

static int parse_argv(int argc, char *argv[])
{
	enum { ARG_VERSION = 0x100 };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "config", required_argument, NULL, 'c' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "hc:", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("failoverd-id " PACKAGE_VERSION "\n");
			return 0;
		case 'c':
			arg_config = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		(void) log_err("expected exactly one interface name, see --help");
		return -EINVAL;
	}
	return 1;
}

int main(int argc, char *argv[])
{
	struct udev_device *dev = NULL;
	struct fo_config cfg;
	struct udev *udev;
	const char *name;
	int r;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	name = argv[optind];

	config_load(arg_config, &cfg);
	udev = udev_new();
	if (!udev) {
		(void) log_err("%s: out of memory", name);
		return 0;
	}
	if (strchr(name, '/'))
		dev = udev_device_new_from_syspath(udev, name);
	else
		dev = udev_device_new_from_subsystem_sysname(udev, "net", name);
	if (!dev)
		(void) log_warning("%s: no such network interface", name);
	else
		identify(udev, dev, &cfg);

	(void) fflush(stdout);
	if (dev)
		(void) udev_device_unref(dev);
	(void) udev_unref(udev);
	return 0;
}
