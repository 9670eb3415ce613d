/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "status.h"
#include "text.h"
#include "util.h"

#define STATUS_TEXT_MAX 512

const char *snapshot_mode_name(enum snapshot_mode m)
{
	switch (m) {
	case SNAPSHOT_MODE_NORMAL:
		return "normal";
	case SNAPSHOT_MODE_OBSERVE:
		return "observe";
	case SNAPSHOT_MODE_DRY_RUN:
		return "dry-run";
	case SNAPSHOT_MODE_MAX:
	case SNAPSHOT_MODE_INVALID:
		break;
	}
	return "unknown";
}

json_t *status_json_string(const char *s)
{
	char clean[STATUS_TEXT_MAX];

	return json_string(text_sanitize(s, clean, sizeof(clean)));
}

/* Collects the first failure so the builder reads straight through. */
struct builder {
	bool failed;
};

static void set(struct builder *b, json_t *obj, const char *key, json_t *value)
{
	/* json_object_set_new() consumes value even on failure; a NULL value is an OOM. */
	if (!obj) {
		json_decref(value);
		b->failed = true;
	} else if (!value || json_object_set_new(obj, key, value) < 0)
		b->failed = true;
}

static void append(struct builder *b, json_t *arr, json_t *value)
{
	if (!arr) {
		json_decref(value);
		b->failed = true;
	} else if (!value || json_array_append_new(arr, value) < 0)
		b->failed = true;
}

static json_t *json_str_or_null(const char *s)
{
	return s && *s ? status_json_string(s) : json_null();
}

static json_t *json_uint(uint64_t v)
{
	/* json_int_t is long long: counters stay far below 2^63. */
	return json_integer((json_int_t) (v > INT64_MAX ? INT64_MAX : v));
}

static json_t *json_seconds(uint64_t usec)
{
	return json_real((double) usec / 1e6);
}

static json_t *json_time(uint64_t realtime_usec)
{
	char buf[64];
	time_t t = (time_t) (realtime_usec / 1000000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return json_null();
	(void) snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			(unsigned) (realtime_usec % 1000000 / 1000));
	return json_string(buf);
}

static json_t *json_errno(int error)
{
	if (error == 0)
		return json_null();
	return json_string(pairing_errno_name(error));
}

static json_t *build_event(struct builder *b, const struct snapshot_event *e)
{
	json_t *o = json_object();

	set(b, o, "time", json_time(e->realtime_usec));
	set(b, o, "kind", json_string(pairing_event_name(e->type)));
	set(b, o, "ifindex", json_integer(e->ifindex));
	set(b, o, "text", status_json_string(e->text));
	set(b, o, "error", json_errno(e->error));
	if (e->type == FO_EV_ACTION_FAILED)
		set(b, o, "transient", json_boolean(e->transient));
	return o;
}

static json_t *build_events(struct builder *b, const struct snapshot_event *e, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		append(b, a, build_event(b, &e[i]));
	return a;
}

static json_t *build_member(struct builder *b, int ifindex, const char *name)
{
	json_t *o;

	if (ifindex <= 0)
		return json_null();
	o = json_object();
	set(b, o, "ifindex", json_integer(ifindex));
	set(b, o, "name", json_str_or_null(name));
	return o;
}

static const char *key_source_name(enum fo_key_source s)
{
	return pairing_key_source_name(s);
}

static json_t *build_pair(struct builder *b, const struct snapshot_pair *p)
{
	const struct fo_pair_view *v = &p->view;
	json_t *o = json_object(), *err = json_object();

	set(b, o, "key", status_json_string(p->key));
	set(b, o, "key_source", json_string(key_source_name(v->key.source)));
	set(b, o, "state", json_string(pairing_pair_state_name(v->state)));
	set(b, o, "aggregate", build_member(b, v->aggregate_ifindex, v->aggregate_name));
	set(b, o, "standby", build_member(b, v->standby_ifindex, p->standby_name));
	set(b, o, "primary", build_member(b, v->primary_ifindex, p->primary_name));
	set(b, o, "active", build_member(b, v->active_ifindex, p->active_name));
	set(b, o, "reason", status_json_string(v->reason));
	set(b, o, "failovers", json_uint(v->failovers));
	set(b, o, "primary_present", json_boolean(v->primary_ifindex != 0));
	set(b, o, "on_standby", json_boolean(v->standby_since_usec != FO_TIME_NEVER));
	set(b, o, "seconds_on_standby", json_seconds(v->standby_total_usec));
	set(b, o, "last_unplug_to_reenslave_seconds",
	    v->last_reenslave_usec ? json_seconds(v->last_reenslave_usec) : json_null());
	set(b, o, "last_ready_to_enslaved_seconds",
	    v->last_ready_to_enslaved_usec ? json_seconds(v->last_ready_to_enslaved_usec) :
					     json_null());
	set(b, err, "transient", json_uint(v->errors_transient));
	set(b, err, "permanent", json_uint(v->errors_permanent));
	set(b, err, "last", json_errno(v->last_error));
	set(b, o, "errors", err);
	set(b, o, "last_events", build_events(b, p->events, p->n_events));
	return o;
}

static json_t *build_nic(struct builder *b, const struct snapshot *s, const struct snapshot_nic *n)
{
	const struct fo_nic_view *v = &n->view;
	const struct snapshot_pair *p = n->pair >= 0 && (size_t) n->pair < s->n_pairs ?
						&s->pairs[n->pair] : NULL;
	json_t *o = json_object();

	set(b, o, "ifindex", json_integer(v->ifindex));
	set(b, o, "name", status_json_string(v->name));
	set(b, o, "role", json_string(pairing_role_name(v->role)));
	set(b, o, "key", json_str_or_null(n->key));
	set(b, o, "key_source", json_string(key_source_name(v->key.source)));
	set(b, o, "pair_state", p ? json_string(pairing_pair_state_name(p->view.state)) : json_null());
	set(b, o, "aggregate", p ? json_str_or_null(p->view.aggregate_name) : json_null());
	set(b, o, "active_member", p ? json_str_or_null(p->active_name) : json_null());
	set(b, o, "is_active", json_boolean(p && p->view.active_ifindex == v->ifindex));
	set(b, o, "master_ifindex", json_integer(v->master_ifindex));
	set(b, o, "carrier", json_boolean(v->carrier));
	set(b, o, "initialized", json_boolean(v->initialized));
	set(b, o, "reason", status_json_string(v->reason));
	/* The config-space read: "absent" means the capability list past the
	 * 64-byte header was walked, "no-privilege" that only 64 bytes came. */
	set(b, o, "group_id_status", json_string(pcicap_status_name(v->group_status)));
	set(b, o, "group_id_reason", status_json_string(v->group_reason));
	return o;
}

json_t *status_build(const struct snapshot *s)
{
	struct builder b = {};
	json_t *root = json_object(), *d = json_object(), *m = json_object(), *ev = json_object();
	json_t *nics = json_array(), *pairs = json_array();

	set(&b, root, "version", json_string(s->version ? s->version : "unknown"));
	set(&b, d, "pid", json_integer(s->pid));
	set(&b, d, "mode", json_string(snapshot_mode_name(s->mode)));
	set(&b, d, "start_time", json_time(s->start_realtime_usec));
	set(&b, d, "uptime_seconds", json_seconds(s->uptime_usec));
	set(&b, d, "synced", json_boolean(s->synced));
	set(&b, d, "ready", json_boolean(s->ready));
	set(&b, root, "daemon", d);

	for (size_t i = 0; i < s->n_nics; i++)
		append(&b, nics, build_nic(&b, s, &s->nics[i]));
	set(&b, root, "nics", nics);
	for (size_t i = 0; i < s->n_pairs; i++)
		append(&b, pairs, build_pair(&b, &s->pairs[i]));
	set(&b, root, "pairs", pairs);

	set(&b, m, "netlink_requests_total", json_uint(s->netlink_requests_total));
	set(&b, m, "resyncs_total", json_uint(s->resyncs_total));
	set(&b, m, "observations_total", json_uint(s->observations_total));
	set(&b, m, "actions_total", json_uint(s->actions_total));
	set(&b, m, "engine_events_dropped_total", json_uint(s->engine_events_dropped));
	for (int e = 0; e < FO_EV_MAX; e++)
		set(&b, ev, pairing_event_name((enum fo_event_type) e), json_uint(s->events_total[e]));
	set(&b, m, "events_total", ev);
	set(&b, root, "metrics", m);
	set(&b, root, "recent_events", build_events(&b, s->recent, s->n_recent));

	if (b.failed) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- the human table ---- */

static const char *str(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return text_sanitize(json_string_value(v), buf, len);
	return "-";
}

static const char *member_name(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *m = json_object_get(o, key);

	if (!json_is_object(m))
		return "-";
	return str(m, "name", buf, len);
}

static void print_events(FILE *f, const json_t *events, const char *indent)
{
	size_t i;
	const json_t *e;

	json_array_foreach(events, i, e) {
		char t[40], k[32], x[STATUS_TEXT_MAX], er[32];
		const json_t *error = json_object_get(e, "error");

		fprintf(f, "%s%s  %-16s %s", indent, str(e, "time", t, sizeof(t)),
			str(e, "kind", k, sizeof(k)), str(e, "text", x, sizeof(x)));
		if (json_is_string(error))
			fprintf(f, " (%s)", str(e, "error", er, sizeof(er)));
		fputc('\n', f);
	}
}

int status_print_table(const json_t *status, FILE *f)
{
	const json_t *nics = json_object_get(status, "nics");
	const json_t *pairs = json_object_get(status, "pairs");
	const json_t *daemon = json_object_get(status, "daemon");
	const json_t *o;
	const char *rs;
	size_t i;

	if (!json_is_array(nics) || !json_is_array(pairs))
		return -EINVAL;

	if (json_is_object(daemon)) {
		char mode[32], st[40];

		fprintf(f, "failoverd %s, mode %s, started %s, %s\n",
			json_string_value(json_object_get(status, "version")) ?: "?",
			str(daemon, "mode", mode, sizeof(mode)), str(daemon, "start_time", st, sizeof(st)),
			json_is_true(json_object_get(daemon, "ready")) ? "ready" :
			json_is_true(json_object_get(daemon, "synced")) ? "synced, applying plan" :
			"starting");
	}

	fprintf(f, "\nNICs (%zu)\n", json_array_size(nics));
	fprintf(f, "%-7s %-15s %-9s %-26s %-8s %-11s %-15s %-15s\n", "IFINDEX", "NAME", "ROLE", "KEY",
		"SOURCE", "PAIR", "AGGREGATE", "ACTIVE");
	json_array_foreach(nics, i, o) {
		char name[64], role[32], key[64], src[32], ps[32], agg[64], act[64], reason[STATUS_TEXT_MAX];
		const json_t *ifi = json_object_get(o, "ifindex");

		fprintf(f, "%-7" JSON_INTEGER_FORMAT " %-15s %-9s %-26s %-8s %-11s %-15s %-15s\n",
			json_is_integer(ifi) ? json_integer_value(ifi) : 0, str(o, "name", name, sizeof(name)),
			str(o, "role", role, sizeof(role)), str(o, "key", key, sizeof(key)),
			str(o, "key_source", src, sizeof(src)), str(o, "pair_state", ps, sizeof(ps)),
			str(o, "aggregate", agg, sizeof(agg)), str(o, "active_member", act, sizeof(act)));
		rs = str(o, "reason", reason, sizeof(reason));
		if (*rs && !streq(rs, "-"))
			fprintf(f, "        reason: %s\n", rs);
	}

	fprintf(f, "\nPairs (%zu)\n", json_array_size(pairs));
	json_array_foreach(pairs, i, o) {
		char key[64], src[32], state[32], agg[64], sby[64], pri[64], act[64], reason[STATUS_TEXT_MAX];
		const json_t *fo = json_object_get(o, "failovers");
		const json_t *sos = json_object_get(o, "seconds_on_standby");
		const json_t *ev = json_object_get(o, "last_events");

		fprintf(f, "%s (%s): %s\n", str(o, "key", key, sizeof(key)),
			str(o, "key_source", src, sizeof(src)), str(o, "state", state, sizeof(state)));
		fprintf(f, "    aggregate %s, standby %s, primary %s, active %s\n",
			member_name(o, "aggregate", agg, sizeof(agg)),
			member_name(o, "standby", sby, sizeof(sby)),
			member_name(o, "primary", pri, sizeof(pri)),
			member_name(o, "active", act, sizeof(act)));
		fprintf(f, "    failovers %" JSON_INTEGER_FORMAT ", seconds on standby %.3f\n",
			json_is_integer(fo) ? json_integer_value(fo) : 0,
			json_is_number(sos) ? json_number_value(sos) : 0.0);
		rs = str(o, "reason", reason, sizeof(reason));
		if (*rs && !streq(rs, "-"))
			fprintf(f, "    reason: %s\n", rs);
		if (json_is_array(ev) && json_array_size(ev) > 0) {
			fprintf(f, "    last events:\n");
			print_events(f, ev, "      ");
		}
	}
	return 0;
}
