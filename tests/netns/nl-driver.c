/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test driver for the netns tier: runs nl_link against the real kernel of
 * the namespace it is started in and prints what it sees, one JSON object
 * per line, for the test scripts to compare with `ip -j`.
 *
 *   nl-driver dump
 *   nl-driver monitor [--quiet] [--no-dump]   (SIGTERM: print the view and stats, exit)
 *   nl-driver exec [--ack-timeout=MS] 'ACTION ARGS' ...   (see parse_action())
 *   nl-driver lookup NAME                        (RTM_GETLINK by name)
 *   nl-driver genl-get-family NAME               (the generic-netlink transport)
 *   nl-driver features
 */
#include "config.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "nl_build.h"
#include "nl_link.h"
#include "pairing.h"
#include "util.h"

struct view {
	struct fo_link_info *v;
	bool *confirmed;
	size_t n, cap;
	bool print_events;
	unsigned syncs;
};

static void print_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void print_mac(FILE *f, const uint8_t *m)
{
	fprintf(f, "\"%02x:%02x:%02x:%02x:%02x:%02x\"", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void print_link(FILE *f, const char *tag, const struct fo_link_info *l)
{
	fprintf(f, "%s {\"ifindex\":%d,\"name\":", tag, l->ifindex);
	print_json_string(f, l->name);
	fprintf(f, ",\"flags\":%u,\"carrier\":%s,\"mac\":", l->flags, l->carrier ? "true" : "false");
	print_mac(f, l->mac);
	fprintf(f, ",\"perm_mac\":");
	if (l->has_perm_mac)
		print_mac(f, l->perm_mac);
	else
		fprintf(f, "null");
	fprintf(f, ",\"master\":%d,\"kind\":", l->master_ifindex);
	print_json_string(f, l->kind);
	fprintf(f, ",\"slave_kind\":");
	print_json_string(f, l->slave_kind);
	fprintf(f, ",\"alias\":");
	print_json_string(f, l->alias);
	fprintf(f, ",\"alt_names\":[");
	for (size_t i = 0; i < l->n_alt_names && i < FO_ALT_NAMES_MAX; i++) {
		fprintf(f, "%s", i ? "," : "");
		print_json_string(f, l->alt_names[i]);
	}
	fprintf(f, "]");
	fprintf(f, ",\"mtu\":%u,\"min_mtu\":%u,\"max_mtu\":%u,\"xdp\":%s,\"has_addresses\":%s,"
		   "\"bond_primary\":%d,\"active\":%d,\"addr_gen_mode\":",
		l->mtu, l->min_mtu, l->max_mtu, l->xdp_attached ? "true" : "false",
		l->has_addresses ? "true" : "false", l->bond_primary_ifindex, l->active_ifindex);
	if (l->has_addr_gen_mode)
		fprintf(f, "%u}\n", l->addr_gen_mode);
	else
		fprintf(f, "null}\n");
}

static ssize_t view_find(struct view *v, int ifindex)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].ifindex == ifindex)
			return (ssize_t) i;
	return -1;
}

static void view_remove_at(struct view *v, size_t i)
{
	v->v[i] = v->v[v->n - 1];
	v->confirmed[i] = v->confirmed[v->n - 1];
	v->n--;
}

static void on_obs(const struct fo_obs *o, void *userdata)
{
	struct view *v = userdata;
	ssize_t i;

	switch (o->type) {
	case FO_OBS_SYNC_BEGIN:
		for (size_t k = 0; k < v->n; k++)
			v->confirmed[k] = false;
		if (v->print_events)
			printf("event SYNC_BEGIN\n");
		break;
	case FO_OBS_SYNC_END:
		for (size_t k = 0; k < v->n;)
			if (!v->confirmed[k])
				view_remove_at(v, k);
			else
				k++;
		v->syncs++;
		if (v->print_events)
			printf("event SYNC_END\n");
		break;
	case FO_OBS_LINK:
		i = view_find(v, o->link.ifindex);
		if (i < 0) {
			if (v->n == v->cap) {
				size_t cap = v->cap ? v->cap * 2 : 64;
				struct fo_link_info *nv = reallocarray(v->v, cap, sizeof(*nv));
				bool *nc;

				if (!nv)
					abort();
				v->v = nv;
				nc = reallocarray(v->confirmed, cap, sizeof(*nc));
				if (!nc)
					abort();
				v->confirmed = nc;
				v->cap = cap;
			}
			i = (ssize_t) v->n++;
		}
		v->v[i] = o->link;
		v->confirmed[i] = true;
		if (v->print_events)
			print_link(stdout, "event LINK", &o->link);
		break;
	case FO_OBS_LINK_GONE:
		i = view_find(v, o->ifindex);
		if (i >= 0)
			view_remove_at(v, (size_t) i);
		if (v->print_events)
			printf("event GONE {\"ifindex\":%d}\n", o->ifindex);
		break;
	case FO_OBS_DEVICE:
	case FO_OBS_DEVICE_GONE:
	case FO_OBS_RESULT:
	case FO_OBS_TICK:
	case FO_OBS_RESCAN:
	case FO_OBS_STANDBY_WAS_UP:
	case FO_OBS_MAX:
	case FO_OBS_INVALID:
		break;
	}
	fflush(stdout);
}

static int cmp_ifindex(const void *a, const void *b)
{
	const struct fo_link_info *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static void print_view(struct view *v, const char *tag)
{
	qsort(v->v, v->n, sizeof(v->v[0]), cmp_ifindex);
	for (size_t i = 0; i < v->n; i++)
		print_link(stdout, tag, &v->v[i]);
}

static void print_stats(struct nl_link *l, struct view *v)
{
	printf("stats {\"requests\":%llu,\"reads\":%llu,\"forged\":%llu,\"resyncs\":%llu,\"syncs\":%u}\n",
	       (unsigned long long) nl_link_requests_total(l),
	       (unsigned long long) nl_link_reads_total(l),
	       (unsigned long long) nl_link_forged_total(l),
	       (unsigned long long) nl_link_resyncs_total(l), v->syncs);
	fflush(stdout);
}

static int cmd_dump(struct nl_link *l)
{
	struct view v = {};
	int r;

	r = nl_link_dump(l, on_obs, &v);
	if (r < 0)
		return r;
	print_view(&v, "link");
	print_stats(l, &v);
	free(v.v);
	free(v.confirmed);
	return 0;
}

static int cmd_monitor(struct nl_link *l, bool quiet, bool dump)
{
	struct view v = { .print_events = !quiet };
	sigset_t mask;
	int sfd, r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	if (dump) {
		r = nl_link_dump(l, on_obs, &v);
		if (r < 0)
			return r;
	}
	printf("ready {\"monitor_portid\":%u,\"request_portid\":%u}\n", nl_link_monitor_portid(l),
	       nl_link_request_portid(l));
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = nl_link_get_fd(l), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents) {
			r = nl_link_dispatch(l, on_obs, &v);
			if (r < 0)
				fprintf(stderr, "dispatch: %s\n", strerror(-r));
		}
		if (p[1].revents)
			break;
	}
	/* Whatever is still queued belongs to the view too. */
	(void) nl_link_dispatch(l, on_obs, &v);
	print_view(&v, "view");
	print_stats(l, &v);
	close(sfd);
	free(v.v);
	free(v.confirmed);
	return 0;
}

static int parse_ifindex(const char *s, int *ret)
{
	unsigned idx;

	if (streq(s, "0")) {
		*ret = 0;
		return 0;
	}
	idx = if_nametoindex(s);
	if (idx == 0) {
		char *end;
		long v = strtol(s, &end, 10);

		if (*end || v <= 0)
			return -ENODEV;
		idx = (unsigned) v;
	}
	*ret = (int) idx;
	return 0;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (m[i] > 255)
			return -EINVAL;
		mac[i] = (uint8_t) m[i];
	}
	return 0;
}

static int parse_backend(const char *s, enum fo_backend *ret)
{
	if (streq(s, "bond"))
		*ret = FO_BACKEND_BOND;
	else if (streq(s, "team"))
		*ret = FO_BACKEND_TEAM;
	else
		return -EINVAL;
	return 0;
}

static void config_init(struct fo_config *c)
{
	*c = (struct fo_config) {};
	c->bond = (struct fo_bond_params) {
		.miimon = -1, .updelay = -1, .downdelay = -1, .primary_reselect = -1,
		.fail_over_mac = -1, .num_peer_notif = -1, .peer_notif_delay = -1,
		.all_slaves_active = -1, .tx_queues = -1,
	};
}

static int bond_option(struct fo_config *c, const char *kv)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "miimon", offsetof(struct fo_bond_params, miimon) },
		{ "updelay", offsetof(struct fo_bond_params, updelay) },
		{ "downdelay", offsetof(struct fo_bond_params, downdelay) },
		{ "primary_reselect", offsetof(struct fo_bond_params, primary_reselect) },
		{ "fail_over_mac", offsetof(struct fo_bond_params, fail_over_mac) },
		{ "num_peer_notif", offsetof(struct fo_bond_params, num_peer_notif) },
		{ "peer_notif_delay", offsetof(struct fo_bond_params, peer_notif_delay) },
		{ "all_slaves_active", offsetof(struct fo_bond_params, all_slaves_active) },
		{ "tx_queues", offsetof(struct fo_bond_params, tx_queues) },
	};
	const char *eq = strchr(kv, '=');

	if (!eq)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (strlen(keys[i].key) == (size_t) (eq - kv) &&
		    strncmp(keys[i].key, kv, (size_t) (eq - kv)) == 0) {
			*(int *) ((char *) &c->bond + keys[i].off) = atoi(eq + 1);
			return 0;
		}
	return -EINVAL;
}

/*
 * "create bond|team NAME [mac=M] [mtu=N] [alias=S] [miimon=..]...", "delete DEV",
 * "set_down DEV", "set_up DEV", "rename DEV NAME", "set_mac DEV MAC", "set_mtu DEV N",
 * "enslave DEV MASTER", "release DEV", "set_primary MASTER DEV|0",
 * "set_active bond|team MASTER DEV|0", "set_addr_gen_mode DEV N"
 */
static int parse_action(char *line, struct fo_action *a, struct fo_config *c)
{
	char *argv[16], *save = NULL;
	int argc = 0, r = 0;

	for (char *t = strtok_r(line, " ", &save); t && argc < 16; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	if (argc < 2)
		return -EINVAL;
	*a = (struct fo_action) {};
	if (nlbuild_action_from_name(argv[0], &a->type) < 0)
		return -EINVAL;
	switch (a->type) {
	case FO_ACT_CREATE:
		if (argc < 3 || parse_backend(argv[1], &a->backend) < 0)
			return -EINVAL;
		strscpy(a->name, sizeof(a->name), argv[2]);
		for (int i = 3; i < argc && r >= 0; i++) {
			if (strncmp(argv[i], "mac=", 4) == 0)
				r = parse_mac(argv[i] + 4, a->mac);
			else if (strncmp(argv[i], "mtu=", 4) == 0)
				a->mtu = (unsigned) atoi(argv[i] + 4);
			else if (strncmp(argv[i], "alias=", 6) == 0)
				strscpy(a->alias, sizeof(a->alias), argv[i] + 6);
			else
				r = bond_option(c, argv[i]);
		}
		return r;
	case FO_ACT_DELETE:
	case FO_ACT_SET_DOWN:
	case FO_ACT_SET_UP:
	case FO_ACT_RELEASE:
		return parse_ifindex(argv[1], &a->ifindex);
	case FO_ACT_RENAME:
	case FO_ACT_DEL_ALTNAME:
		if (argc < 3)
			return -EINVAL;
		strscpy(a->name, sizeof(a->name), argv[2]);
		return parse_ifindex(argv[1], &a->ifindex);
	case FO_ACT_SET_MAC:
		if (argc < 3)
			return -EINVAL;
		r = parse_mac(argv[2], a->mac);
		return r < 0 ? r : parse_ifindex(argv[1], &a->ifindex);
	case FO_ACT_SET_MTU:
		if (argc < 3)
			return -EINVAL;
		a->mtu = (unsigned) strtoul(argv[2], NULL, 10);
		return parse_ifindex(argv[1], &a->ifindex);
	case FO_ACT_SET_ADDR_GEN_MODE:
		if (argc < 3)
			return -EINVAL;
		a->addr_gen_mode = (uint8_t) strtoul(argv[2], NULL, 10);
		return parse_ifindex(argv[1], &a->ifindex);
	case FO_ACT_ENSLAVE:
		if (argc < 3)
			return -EINVAL;
		r = parse_ifindex(argv[2], &a->master_ifindex);
		return r < 0 ? r : parse_ifindex(argv[1], &a->ifindex);
	case FO_ACT_SET_PRIMARY:
		if (argc < 3)
			return -EINVAL;
		r = parse_ifindex(argv[2], &a->arg_ifindex);
		return r < 0 ? r : parse_ifindex(argv[1], &a->ifindex);
	case FO_ACT_SET_ACTIVE:
		if (argc < 4 || parse_backend(argv[1], &a->backend) < 0)
			return -EINVAL;
		r = parse_ifindex(argv[3], &a->arg_ifindex);
		return r < 0 ? r : parse_ifindex(argv[2], &a->ifindex);
	case FO_ACT_EVENT:
	case FO_ACT_MAX:
	case FO_ACT_INVALID:
		break;
	}
	return -EINVAL;
}

static int cmd_exec(struct nl_link *l, int argc, char **argv)
{
	struct view v = {};
	int r;

	if (argc > 0 && strncmp(argv[0], "--ack-timeout=", 14) == 0) {
		nl_link_set_ack_timeout(l, (unsigned) strtoul(argv[0] + 14, NULL, 10));
		argc--;
		argv++;
	}
	/* The adapter names devices in its logs from its dump. */
	r = nl_link_dump(l, on_obs, &v);
	if (r < 0)
		return r;
	for (int i = 0; i < argc; i++) {
		_cleanup_free_ char *line = strdup(argv[i]);
		struct fo_action a;
		struct fo_config c;
		int new_ifindex = 0;

		if (!line)
			return -ENOMEM;
		config_init(&c);
		r = parse_action(line, &a, &c);
		if (r < 0) {
			fprintf(stderr, "cannot parse action '%s': %s\n", argv[i], strerror(-r));
			return 2;
		}
		r = nl_link_execute(l, &a, &c, &new_ifindex);
		printf("result {\"action\":");
		print_json_string(stdout, argv[i]);
		printf(",\"rc\":%d,\"new_ifindex\":%d,\"extack\":", r, new_ifindex);
		print_json_string(stdout, nl_link_last_error_text(l));
		printf("}\n");
		fflush(stdout);
	}
	print_stats(l, &v);
	free(v.v);
	free(v.confirmed);
	return 0;
}

static int count_reply(const void *msg, size_t len, void *userdata)
{
	(*(unsigned *) userdata)++;
	return 0;
}

/*
 * The generic-netlink transport the team backend uses, exercised against
 * the control family every kernel has: CTRL_CMD_GETFAMILY(name) with an ACK.
 */
static int cmd_genl_get_family(struct nl_link *l, const char *name)
{
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		struct nlattr a;
		char name[GENL_NAMSIZ];
	} req = {};
	unsigned replies = 0;
	size_t n = strlen(name) + 1;
	int r;

	if (n > GENL_NAMSIZ)
		return -EINVAL;
	req.h.nlmsg_type = GENL_ID_CTRL;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	req.a.nla_type = CTRL_ATTR_FAMILY_NAME;
	req.a.nla_len = (uint16_t) (NLA_HDRLEN + n);
	memcpy(req.name, name, n);
	req.h.nlmsg_len = (uint32_t) (NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(req.a.nla_len));
	r = nl_link_genl_transact(l, &req, req.h.nlmsg_len, false, name, "get family", count_reply,
				  &replies);
	printf("genl {\"rc\":%d,\"replies\":%u,\"reads\":%llu,\"requests\":%llu}\n", r, replies,
	       (unsigned long long) nl_link_reads_total(l),
	       (unsigned long long) nl_link_requests_total(l));
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: nl-driver dump | monitor [--quiet] [--no-dump] | exec [--ack-timeout=MS] 'ACTION ARGS'... | lookup NAME | genl-get-family NAME | features\n");
}

int main(int argc, char **argv)
{
	struct nl_link *l = NULL;
	int r;

	if (getenv("FO_DEBUG"))
		log_set_max_level(LOG_DEBUG);
	if (argc < 2) {
		usage();
		return 2;
	}
	if (streq(argv[1], "features")) {
#ifdef FAILOVERD_FAULT_INJECTION
		printf("fault_injection=1\n");
#else
		printf("fault_injection=0\n");
#endif
		return 0;
	}
	r = nl_link_new(&l);
	if (r < 0) {
		fprintf(stderr, "nl_link_new: %s\n", strerror(-r));
		return 1;
	}
	if (streq(argv[1], "dump")) {
		r = cmd_dump(l);
	} else if (streq(argv[1], "monitor")) {
		bool quiet = false, dump = true;

		for (int i = 2; i < argc; i++) {
			if (streq(argv[i], "--quiet"))
				quiet = true;
			else if (streq(argv[i], "--no-dump"))
				dump = false;
			else {
				usage();
				nl_link_free(l);
				return 2;
			}
		}
		r = cmd_monitor(l, quiet, dump);
	} else if (streq(argv[1], "lookup") && argc == 3) {
		int ifindex = 0;

		r = nl_link_lookup(l, argv[2], &ifindex);
		printf("lookup {\"rc\":%d,\"ifindex\":%d,\"reads\":%llu}\n", r, ifindex,
		       (unsigned long long) nl_link_reads_total(l));
		r = 0;
	} else if (streq(argv[1], "genl-get-family") && argc == 3) {
		r = cmd_genl_get_family(l, argv[2]);
	} else if (streq(argv[1], "exec")) {
		r = cmd_exec(l, argc - 2, argv + 2);
	} else {
		usage();
		r = 2;
	}
	nl_link_free(l);
	if (r < 0) {
		fprintf(stderr, "nl-driver: %s\n", strerror(-r));
		return 1;
	}
	return r;
}
