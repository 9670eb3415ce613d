/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A hand-made snapshot for the status and metrics tests: an active
 * group-ID pair on its primary, a MAC pair that failed over to its
 * standby and lost the primary, a conflicting NIC, and names that need
 * escaping (quotes, backslash, invalid UTF-8).
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"
#include "util.h"

static struct snapshot_event sample_events[3];
static struct snapshot_event sample_recent[4];
static struct snapshot_pair sample_pairs[2];
static struct snapshot_nic sample_nics[5];

static void sample_nic(struct snapshot_nic *n, int ifindex, const char *name, enum fo_role role,
		       const struct fo_key *key, const char *keytext, ssize_t pair, const char *reason)
{
	memset(n, 0, sizeof(*n));
	n->view.ifindex = ifindex;
	strscpy(n->view.name, sizeof(n->view.name), name);
	n->view.role = role;
	if (key)
		n->view.key = *key;
	strscpy(n->key, sizeof(n->key), keytext);
	strscpy(n->view.reason, sizeof(n->view.reason), reason);
	n->view.carrier = true;
	n->view.initialized = true;
	n->pair = pair;
}

static void sample_snapshot(struct snapshot *s)
{
	struct fo_key g = { .source = FO_KEY_GROUP_ID, .group_id = 0x0123456789abcdefULL };
	struct fo_key m = { .source = FO_KEY_MAC, .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } };
	struct snapshot_pair *p;

	memset(s, 0, sizeof(*s));
	memset(sample_events, 0, sizeof(sample_events));
	sample_events[0] = (struct snapshot_event) { .realtime_usec = 1764139310123456ULL,
						     .type = FO_EV_PAIRED, .ifindex = 4 };
	strscpy(sample_events[0].text, FO_TEXT_LEN, "enp1s0: enslaved to eth0 as primary");
	sample_events[1] = (struct snapshot_event) { .realtime_usec = 1764139311000000ULL,
						     .type = FO_EV_ACTION_FAILED, .ifindex = 7,
						     .error = -EBUSY, .transient = true };
	strscpy(sample_events[1].text, FO_TEXT_LEN, "we\"ird\\: enslave failed \xff\x01");
	sample_events[2] = (struct snapshot_event) { .realtime_usec = 1764139312000000ULL,
						     .type = FO_EV_PRIMARY_LOST, .ifindex = 7 };
	strscpy(sample_events[2].text, FO_TEXT_LEN, "we\"ird\\: primary unplugged");
	memcpy(sample_recent, sample_events, sizeof(sample_events));
	sample_recent[3] = (struct snapshot_event) { .realtime_usec = 1764139313000000ULL,
						     .type = FO_EV_CONFLICT, .ifindex = 9 };
	strscpy(sample_recent[3].text, FO_TEXT_LEN, "ens9: second standby for group:0x0123456789abcdef");

	p = &sample_pairs[0];
	memset(p, 0, sizeof(*p));
	p->view.key = g;
	p->view.state = FO_PAIR_ACTIVE;
	p->view.aggregate_ifindex = 10;
	strscpy(p->view.aggregate_name, IFNAMSIZ, "eth0");
	p->view.standby_ifindex = 3;
	p->view.primary_ifindex = 4;
	p->view.active_ifindex = 4;
	p->view.failovers = 12;
	p->view.standby_since_usec = FO_TIME_NEVER;
	p->view.standby_total_usec = 3250000;
	p->view.last_reenslave_usec = 812345;
	p->view.last_ready_to_enslaved_usec = 95000;
	strscpy(p->key, sizeof(p->key), "group:0x0123456789abcdef");
	strscpy(p->standby_name, IFNAMSIZ, "eth0nsby");
	strscpy(p->primary_name, IFNAMSIZ, "enp1s0");
	strscpy(p->active_name, IFNAMSIZ, "enp1s0");
	p->events = &sample_events[0];
	p->n_events = 1;

	p = &sample_pairs[1];
	memset(p, 0, sizeof(*p));
	p->view.key = m;
	p->view.state = FO_PAIR_BACKOFF;
	p->view.aggregate_ifindex = 11;
	strscpy(p->view.aggregate_name, IFNAMSIZ, "we\"ird\\\xff");
	p->view.standby_ifindex = 7;
	p->view.active_ifindex = 7;
	p->view.standby_since_usec = 5000000;
	p->view.standby_total_usec = 1000001;
	p->view.errors_transient = 2;
	p->view.errors_permanent = 1;
	p->view.last_error = -EBUSY;
	strscpy(p->view.reason, FO_TEXT_LEN, "waiting 400 ms after EBUSY");
	strscpy(p->key, sizeof(p->key), "mac:52:54:00:12:34:56");
	strscpy(p->standby_name, IFNAMSIZ, "we\"ird\\");
	strscpy(p->active_name, IFNAMSIZ, "we\"ird\\");
	p->events = &sample_events[1];
	p->n_events = 2;

	sample_nic(&sample_nics[0], 3, "eth0nsby", FO_ROLE_STANDBY, &g, "group:0x0123456789abcdef", 0, "");
	sample_nic(&sample_nics[1], 4, "enp1s0", FO_ROLE_PRIMARY, &g, "group:0x0123456789abcdef", 0, "");
	sample_nic(&sample_nics[2], 7, "we\"ird\\", FO_ROLE_STANDBY, &m, "mac:52:54:00:12:34:56", 1, "");
	sample_nic(&sample_nics[3], 9, "ens9", FO_ROLE_STANDBY, &g, "group:0x0123456789abcdef", 0,
		   "conflict: a second standby for group:0x0123456789abcdef");
	sample_nic(&sample_nics[4], 12, "ens12", FO_ROLE_STANDBY, NULL, "", -1,
		   "group ID unknown (privilege)");
	sample_nics[4].view.master_ifindex = 0;
	sample_nics[4].view.carrier = false;

	s->version = "0.1.0";
	s->pid = 4242;
	s->mode = SNAPSHOT_MODE_NORMAL;
	s->start_realtime_usec = 1764139300000000ULL;
	s->now_realtime_usec = 1764139320000000ULL;
	s->uptime_usec = 20000000;
	s->synced = true;
	s->ready = true;
	s->netlink_requests_total = 17;
	s->resyncs_total = 1;
	s->observations_total = 230;
	s->actions_total = 17;
	s->events_total[FO_EV_PAIRED] = 1;
	s->events_total[FO_EV_ACTION_FAILED] = 1;
	s->events_total[FO_EV_PRIMARY_LOST] = 1;
	s->events_total[FO_EV_CONFLICT] = 1;
	s->nics = sample_nics;
	s->n_nics = ELEMENTSOF(sample_nics);
	s->pairs = sample_pairs;
	s->n_pairs = ELEMENTSOF(sample_pairs);
	s->recent = sample_recent;
	s->n_recent = ELEMENTSOF(sample_recent);
}

/* Write text to a temporary file and run "before FILE after"; returns system()'s status. */
static int sample_run_on(const char *text, const char *before, const char *after)
{
	char path[] = "/tmp/fod-sample-XXXXXX";
	char cmd[1024];
	int fd = mkstemp(path), st;
	size_t len = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t) len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	(void) snprintf(cmd, sizeof(cmd), "%s %s %s", before, path, after);
	st = system(cmd);
	unlink(path);
	return st;
}
