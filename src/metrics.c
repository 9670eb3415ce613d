/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "text.h"
#include "util.h"

#define LABEL_MAX 256

const char *metrics_escape_label(const char *value, char *buf, size_t len)
{
	char clean[LABEL_MAX];
	size_t o = 0;

	/* Prometheus wants UTF-8 label values; names and keys could hold any byte. */
	(void) text_sanitize(value, clean, sizeof(clean));
	if (len == 0)
		return buf;
	for (const char *c = clean; *c; c++) {
		const char *esc = NULL;

		if (*c == '\\')
			esc = "\\\\";
		else if (*c == '"')
			esc = "\\\"";
		else if (*c == '\n')
			esc = "\\n";
		if (esc) {
			if (o + 2 >= len)
				break;
			memcpy(buf + o, esc, 2);
			o += 2;
		} else {
			if (o + 1 >= len)
				break;
			buf[o++] = *c;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *pair_source(const struct snapshot_pair *p)
{
	return pairing_key_source_name(p->view.key.source);
}

/* {aggregate="..",key="..",source=".." plus up to two extra labels. */
static void pair_labels2(FILE *f, const struct snapshot_pair *p, const char *n1, const char *v1,
			 const char *n2, const char *v2)
{
	char agg[LABEL_MAX], key[LABEL_MAX], src[LABEL_MAX], extra[LABEL_MAX];

	fprintf(f, "{aggregate=\"%s\",key=\"%s\",source=\"%s\"",
		metrics_escape_label(p->view.aggregate_name, agg, sizeof(agg)),
		metrics_escape_label(p->key, key, sizeof(key)),
		metrics_escape_label(pair_source(p), src, sizeof(src)));
	if (n1)
		fprintf(f, ",%s=\"%s\"", n1, metrics_escape_label(v1, extra, sizeof(extra)));
	if (n2)
		fprintf(f, ",%s=\"%s\"", n2, metrics_escape_label(v2, extra, sizeof(extra)));
	fputc('}', f);
}

static void pair_labels(FILE *f, const struct snapshot_pair *p, const char *n1, const char *v1)
{
	pair_labels2(f, p, n1, v1, NULL, NULL);
}

static void seconds(FILE *f, uint64_t usec)
{
	fprintf(f, " %" PRIu64 ".%06" PRIu64 "\n", usec / 1000000, usec % 1000000);
}

int metrics_render(const struct snapshot *s, char **ret_text, size_t *ret_len)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r = 0;

	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;

	family(f, "failoverd_up", "gauge", "1 while failoverd runs (0 never appears: a stale file means it stopped).");
	fprintf(f, "failoverd_up 1\n");
	family(f, "failoverd_start_time_seconds", "gauge", "Start time of the daemon since the Unix epoch.");
	fprintf(f, "failoverd_start_time_seconds");
	seconds(f, s->start_realtime_usec);
	family(f, "failoverd_netlink_requests_total", "counter",
	       "rtnetlink/genetlink requests sent (0 proves a no-write run).");
	fprintf(f, "failoverd_netlink_requests_total %" PRIu64 "\n", s->netlink_requests_total);
	family(f, "failoverd_resyncs_total", "counter",
	       "Full resynchronisations (dump + enumeration) after the initial one.");
	fprintf(f, "failoverd_resyncs_total %" PRIu64 "\n", s->resyncs_total);
	family(f, "failoverd_observations_total", "counter", "Observations fed to the pairing engine.");
	fprintf(f, "failoverd_observations_total %" PRIu64 "\n", s->observations_total);
	family(f, "failoverd_engine_events_dropped_total", "counter",
	       "Events the engine dropped because an output buffer was full (requests never are).");
	fprintf(f, "failoverd_engine_events_dropped_total %" PRIu64 "\n", s->engine_events_dropped);
	family(f, "failoverd_events_total", "counter", "Engine events by kind.");
	for (int e = 0; e < FO_EV_MAX; e++) {
		char kind[LABEL_MAX];

		fprintf(f, "failoverd_events_total{kind=\"%s\"} %" PRIu64 "\n",
			metrics_escape_label(pairing_event_name((enum fo_event_type) e), kind,
					     sizeof(kind)),
			s->events_total[e]);
	}
	family(f, "failoverd_nics", "gauge", "Failover candidate NICs known to the engine.");
	fprintf(f, "failoverd_nics %zu\n", s->n_nics);
	family(f, "failoverd_pairs", "gauge", "Pairs (keys) known to the engine.");
	fprintf(f, "failoverd_pairs %zu\n", s->n_pairs);

	if (s->n_pairs > 0) {
		family(f, "failoverd_pair_state", "gauge", "1 for the pair's current state.");
		for (size_t i = 0; i < s->n_pairs; i++) {
			fprintf(f, "failoverd_pair_state");
			pair_labels(f, &s->pairs[i], "state",
				    pairing_pair_state_name(s->pairs[i].view.state));
			fprintf(f, " 1\n");
		}
		family(f, "failoverd_pair_failovers_total", "counter",
		       "Changes of the active member (IFLA_EVENT_BONDING_FAILOVER and team activeport).");
		for (size_t i = 0; i < s->n_pairs; i++) {
			fprintf(f, "failoverd_pair_failovers_total");
			pair_labels(f, &s->pairs[i], NULL, NULL);
			fprintf(f, " %" PRIu64 "\n", s->pairs[i].view.failovers);
		}
		family(f, "failoverd_pair_primary_present", "gauge", "1 while the pair has a primary (VF).");
		for (size_t i = 0; i < s->n_pairs; i++) {
			fprintf(f, "failoverd_pair_primary_present");
			pair_labels(f, &s->pairs[i], NULL, NULL);
			fprintf(f, " %d\n", s->pairs[i].view.primary_ifindex != 0);
		}
		family(f, "failoverd_pair_active_member", "gauge",
		       "1 for the member currently carrying traffic (label member, role).");
		for (size_t i = 0; i < s->n_pairs; i++) {
			const struct snapshot_pair *p = &s->pairs[i];
			const char *r_name;

			if (p->view.active_ifindex == 0)
				continue;
			r_name = p->view.active_ifindex == p->view.primary_ifindex ? "primary" :
				 p->view.active_ifindex == p->view.standby_ifindex ? "standby" :
				 "unknown";
			fprintf(f, "failoverd_pair_active_member");
			pair_labels2(f, p, "member", p->active_name, "role", r_name);
			fprintf(f, " 1\n");
		}
		family(f, "failoverd_pair_standby_seconds_total", "counter",
		       "Time the pair's traffic ran over the standby while a pair existed.");
		for (size_t i = 0; i < s->n_pairs; i++) {
			fprintf(f, "failoverd_pair_standby_seconds_total");
			pair_labels(f, &s->pairs[i], NULL, NULL);
			seconds(f, s->pairs[i].view.standby_total_usec);
		}
		family(f, "failoverd_pair_last_reenslave_seconds", "gauge",
		       "Last primary unplug to re-enslave latency (absent until measured).");
		for (size_t i = 0; i < s->n_pairs; i++) {
			if (!s->pairs[i].view.last_reenslave_usec)
				continue;
			fprintf(f, "failoverd_pair_last_reenslave_seconds");
			pair_labels(f, &s->pairs[i], NULL, NULL);
			seconds(f, s->pairs[i].view.last_reenslave_usec);
		}
		family(f, "failoverd_pair_last_ready_to_enslaved_seconds", "gauge",
		       "Last udev-initialized VF to enslaved-and-primary latency (absent until measured).");
		for (size_t i = 0; i < s->n_pairs; i++) {
			if (!s->pairs[i].view.last_ready_to_enslaved_usec)
				continue;
			fprintf(f, "failoverd_pair_last_ready_to_enslaved_seconds");
			pair_labels(f, &s->pairs[i], NULL, NULL);
			seconds(f, s->pairs[i].view.last_ready_to_enslaved_usec);
		}
		family(f, "failoverd_pair_errors_total", "counter",
		       "Failed requests by class (transient: retried after back-off; permanent: reported).");
		for (size_t i = 0; i < s->n_pairs; i++) {
			fprintf(f, "failoverd_pair_errors_total");
			pair_labels(f, &s->pairs[i], "class", "transient");
			fprintf(f, " %" PRIu64 "\n", s->pairs[i].view.errors_transient);
			fprintf(f, "failoverd_pair_errors_total");
			pair_labels(f, &s->pairs[i], "class", "permanent");
			fprintf(f, " %" PRIu64 "\n", s->pairs[i].view.errors_permanent);
		}
	}

	if (ferror(f))
		r = -ENOMEM;
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0 || !text) {
		free(text);
		return r < 0 ? r : -ENOMEM;
	}
	*ret_text = text;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int metrics_write_file(const char *path, const char *text, size_t len)
{
	_cleanup_free_ char *tmp = NULL, *dircopy = NULL;
	_cleanup_close_ int fd = -1, dfd = -1;
	size_t off = 0;
	int r;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	/* Same directory as the target, so rename() is atomic and never crosses filesystems. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto unlink_tmp;
		}
		off += (size_t) n;
	}
	/* node_exporter runs unprivileged: the file must be world-readable. */
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		r = -errno;
		goto unlink_tmp;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto unlink_tmp;
	}
	/* Make the rename itself durable; failing that is not worth an error. */
	dircopy = strdup(path);
	if (dircopy) {
		dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			(void) fsync(dfd);
	}
	return 0;

unlink_tmp:
	(void) unlink(tmp);
	return r;
}
