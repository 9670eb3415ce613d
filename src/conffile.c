/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "attr_parse.h"
#include "conffile.h"
#include "util.h"

/* Upper bounds keep arithmetic (ms -> us) far from overflow and catch typos. */
#define CONFIG_MS_MAX 3600000U      /* one hour */
#define CONFIG_BOND_MS_MAX 600000   /* ten minutes */
#define CONFIG_FIGHT_LIMIT_MAX 32U    /* the engine keeps at most 32 fight records */
#define CONFIG_FIGHT_WINDOW_MAX 86400U

static const char *const log_level_names[] = {
	[LOG_ERR] = "err",
	[LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

int config_log_level_from_string(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(log_level_names); i++)
		if (log_level_names[i] && streq(log_level_names[i], s))
			return (int) i;
	return -1;
}

const char *config_log_level_to_string(int level)
{
	if (level < 0 || (size_t) level >= ELEMENTSOF(log_level_names) || !log_level_names[level])
		return "?";
	return log_level_names[level];
}

void config_init(struct failoverd_config *c)
{
	memset(c, 0, sizeof(*c));
	pairing_config_defaults(&c->engine);
	c->live_rename = CONFIG_LIVE_RENAME_AUTO;
	c->control_group[0] = '\0';
	strscpy(c->metrics_file, sizeof(c->metrics_file), CONFIG_METRICS_DEFAULT);
	c->log_level = LOG_INFO;
}

struct config_parser {
	const char *filename;
	unsigned line;
	struct config_error *err;
	struct failoverd_config cfg;
	unsigned seen[64];        /* line a key was first set on (0 = not yet) */
	unsigned pair_by_mac_line;
	unsigned first_mac_line;
	unsigned backoff_line;
	unsigned updelay_line, downdelay_line, miimon_line;
};

_printf_(2, 3)
static int config_fail(struct config_parser *p, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* Line 0: a rule about the file as a whole with no line to blame. */
	if (p->line)
		(void) snprintf(p->err->text, sizeof(p->err->text), "%s:%u: %s", p->filename,
				p->line, reason);
	else
		(void) snprintf(p->err->text, sizeof(p->err->text), "%s: %s", p->filename, reason);
	return -EINVAL;
}

/* Decimal only, no sign, no leading '+', no whitespace, bounded. */
static int parse_uint(const char *v, uint64_t max, uint64_t *ret)
{
	uint64_t x = 0;

	if (!*v)
		return -EINVAL;
	for (const char *c = v; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		x = x * 10 + (uint64_t) (*c - '0');
		if (x > max)
			return -ERANGE;
	}
	*ret = x;
	return 0;
}

static int pick(const char *v, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v, names[i]))
			return (int) i;
	return -1;
}

/* The kernel's dev_valid_name() rules, plus a short enough prefix for "<prefix><index>". */
static const char *check_name_prefix(const char *v)
{
	size_t n = strlen(v);

	if (n == 0)
		return "must not be empty";
	if (n > IFNAMSIZ - 1 - 4)
		return "is longer than 11 characters (an index of up to 4 digits must fit in 15)";
	if (streq(v, ".") || streq(v, ".."))
		return "must not be \".\" or \"..\"";
	/* The kernel hands out ethN itself (systemd#29957): an aggregate named eth7 would collide. */
	if (strncmp(v, "eth", 3) == 0)
		return "must not start with \"eth\" (the kernel's own names)";
	for (const char *c = v; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
			return "may contain only letters, digits, '_', '-' and '.'";
	return NULL;
}

static const char *check_group(const char *v)
{
	size_t n = strlen(v);

	if (n == 0)
		return NULL;
	if (n >= CONFIG_GROUP_MAX)
		return "is longer than 32 characters";
	if (v[0] == '-')
		return "must not start with '-'";
	for (const char *c = v; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
			return "may contain only letters, digits, '_', '-' and '.'";
	return NULL;
}

static const char *check_path(const char *v)
{
	size_t n = strlen(v);

	if (n == 0)
		return NULL;
	if (v[0] != '/')
		return "must be an absolute path (or empty to disable)";
	if (n >= CONFIG_PATH_MAX - 16)
		return "is too long";
	if (v[n - 1] == '/')
		return "must name a file, not a directory";
	for (const char *c = v; *c; c++)
		if ((unsigned char) *c < 0x20 || *c == 0x7f)
			return "contains a control character";
	return NULL;
}

enum config_key {
	K_BACKEND,
	K_NAMING,
	K_NAME_PREFIX,
	K_PAIR_BY_GROUP_ID,
	K_PAIR_BY_MAC,
	K_MAC,
	K_BRIDGE_CAP_TYPE,
	K_SETTLE_MS,
	K_BACKOFF_MIN_MS,
	K_BACKOFF_MAX_MS,
	K_FIGHT_LIMIT,
	K_FIGHT_WINDOW_S,
	K_LIVE_RENAME,
	K_BOND_MIIMON,
	K_BOND_UPDELAY,
	K_BOND_DOWNDELAY,
	K_BOND_PRIMARY_RESELECT,
	K_BOND_FAIL_OVER_MAC,
	K_BOND_NUM_PEER_NOTIF,
	K_BOND_PEER_NOTIF_DELAY,
	K_BOND_ALL_SLAVES_ACTIVE,
	K_BOND_TX_QUEUES,
	K_CONTROL_GROUP,
	K_METRICS_FILE,
	K_LOG_LEVEL,
	K_MAX,
};

static const char *const key_names[K_MAX] = {
	[K_BACKEND] = "backend",
	[K_NAMING] = "naming",
	[K_NAME_PREFIX] = "name_prefix",
	[K_PAIR_BY_GROUP_ID] = "pair_by_group_id",
	[K_PAIR_BY_MAC] = "pair_by_mac",
	[K_MAC] = "mac",
	[K_BRIDGE_CAP_TYPE] = "bridge_cap_type",
	[K_SETTLE_MS] = "settle_ms",
	[K_BACKOFF_MIN_MS] = "backoff_min_ms",
	[K_BACKOFF_MAX_MS] = "backoff_max_ms",
	[K_FIGHT_LIMIT] = "fight_limit",
	[K_FIGHT_WINDOW_S] = "fight_window_s",
	[K_LIVE_RENAME] = "live_rename",
	[K_BOND_MIIMON] = "bond_miimon",
	[K_BOND_UPDELAY] = "bond_updelay",
	[K_BOND_DOWNDELAY] = "bond_downdelay",
	[K_BOND_PRIMARY_RESELECT] = "bond_primary_reselect",
	[K_BOND_FAIL_OVER_MAC] = "bond_fail_over_mac",
	[K_BOND_NUM_PEER_NOTIF] = "bond_num_peer_notif",
	[K_BOND_PEER_NOTIF_DELAY] = "bond_peer_notif_delay",
	[K_BOND_ALL_SLAVES_ACTIVE] = "bond_all_slaves_active",
	[K_BOND_TX_QUEUES] = "bond_tx_queues",
	[K_CONTROL_GROUP] = "control_group",
	[K_METRICS_FILE] = "metrics_file",
	[K_LOG_LEVEL] = "log_level",
};

static const char *const yes_no[] = { "no", "yes" };
static const char *const backend_names[] = { [FO_BACKEND_BOND] = "bond", [FO_BACKEND_TEAM] = "team" };
static const char *const naming_names[] = { [FO_NAMING_TAKEOVER] = "takeover",
					     [FO_NAMING_NAMED] = "named" };
static const char *const mac_pairing_names[] = { [FO_MAC_PAIRING_OFF] = "off",
						  [FO_MAC_PAIRING_ALL] = "all",
						  [FO_MAC_PAIRING_LIST] = "list" };
static const char *const live_rename_names[] = { [CONFIG_LIVE_RENAME_AUTO] = "auto",
						  [CONFIG_LIVE_RENAME_YES] = "yes",
						  [CONFIG_LIVE_RENAME_NO] = "no" };
static const char *const reselect_names[] = { "always", "better", "failure" };
static const char *const fail_over_mac_names[] = { "none", "active", "follow" };

#define PICK(v, names) pick((v), (names), ELEMENTSOF(names))

/* A bounded integer value; emits the error itself. */
static int value_uint(struct config_parser *p, const char *key, const char *v, uint64_t min,
		      uint64_t max, uint64_t *ret)
{
	int r = parse_uint(v, max, ret);

	if (r == -EINVAL)
		return config_fail(p, "%s: '%s' is not a non-negative decimal integer", key, v);
	if (r < 0 || *ret < min)
		return config_fail(p, "%s: %s is out of range (%llu..%llu)", key, v,
				   (unsigned long long) min, (unsigned long long) max);
	return 0;
}

static int config_set(struct config_parser *p, enum config_key k, const char *v)
{
	struct fo_config *e = &p->cfg.engine;
	const char *key = key_names[k];
	const char *why;
	uint64_t u;
	int i, r;

	switch (k) {
	case K_BACKEND:
		i = PICK(v, backend_names);
		if (i < 0)
			return config_fail(p, "backend: '%s' is not one of bond, team", v);
		e->backend = (enum fo_backend) i;
		return 0;
	case K_NAMING:
		i = PICK(v, naming_names);
		if (i < 0)
			return config_fail(p, "naming: '%s' is not one of takeover, named", v);
		e->naming = (enum fo_naming) i;
		return 0;
	case K_NAME_PREFIX:
		why = check_name_prefix(v);
		if (why)
			return config_fail(p, "name_prefix: '%s' %s", v, why);
		strscpy(e->name_prefix, sizeof(e->name_prefix), v);
		return 0;
	case K_PAIR_BY_GROUP_ID:
		i = PICK(v, yes_no);
		if (i < 0)
			return config_fail(p, "pair_by_group_id: '%s' is not one of yes, no", v);
		e->pair_by_group_id = i == 1;
		return 0;
	case K_PAIR_BY_MAC:
		i = PICK(v, mac_pairing_names);
		if (i < 0)
			return config_fail(p, "pair_by_mac: '%s' is not one of off, all, list", v);
		e->mac_pairing = (enum fo_mac_pairing) i;
		p->pair_by_mac_line = p->line;
		return 0;
	case K_MAC: {
		uint8_t mac[FO_MAC_LEN];

		if (attr_parse_mac(v, mac) < 0)
			return config_fail(p, "mac: '%s' is not a MAC address like 52:54:00:12:34:56", v);
		if (mac[0] & 1)
			return config_fail(p, "mac: %s is a multicast address, not a NIC's", v);
		if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
			return config_fail(p, "mac: %s is the all-zero address", v);
		for (size_t j = 0; j < e->n_mac_list; j++)
			if (memcmp(e->mac_list[j], mac, FO_MAC_LEN) == 0)
				return config_fail(p, "mac: %s is listed twice", v);
		if (e->n_mac_list >= FO_MAC_LIST_MAX)
			return config_fail(p, "mac: more than %d addresses", FO_MAC_LIST_MAX);
		memcpy(e->mac_list[e->n_mac_list++], mac, FO_MAC_LEN);
		if (!p->first_mac_line)
			p->first_mac_line = p->line;
		return 0;
	}
	case K_BRIDGE_CAP_TYPE:
		r = value_uint(p, key, v, 0, 255, &u);
		if (r < 0)
			return r;
		e->bridge_cap_type = (uint8_t) u;
		return 0;
	case K_SETTLE_MS:
		r = value_uint(p, key, v, 0, CONFIG_MS_MAX, &u);
		if (r < 0)
			return r;
		e->settle_usec = u * 1000;
		return 0;
	case K_BACKOFF_MIN_MS:
	case K_BACKOFF_MAX_MS:
		r = value_uint(p, key, v, 1, CONFIG_MS_MAX, &u);
		if (r < 0)
			return r;
		if (k == K_BACKOFF_MIN_MS)
			e->backoff_min_usec = u * 1000;
		else
			e->backoff_max_usec = u * 1000;
		p->backoff_line = p->line;
		return 0;
	case K_FIGHT_LIMIT:
		r = value_uint(p, key, v, 1, CONFIG_FIGHT_LIMIT_MAX, &u);
		if (r < 0)
			return r;
		e->fight_limit = (unsigned) u;
		return 0;
	case K_FIGHT_WINDOW_S:
		r = value_uint(p, key, v, 1, CONFIG_FIGHT_WINDOW_MAX, &u);
		if (r < 0)
			return r;
		e->fight_window_usec = u * FO_USEC_PER_SEC;
		return 0;
	case K_LIVE_RENAME:
		i = PICK(v, live_rename_names);
		if (i < 0)
			return config_fail(p, "live_rename: '%s' is not one of auto, yes, no", v);
		p->cfg.live_rename = (enum config_live_rename) i;
		if (i != CONFIG_LIVE_RENAME_AUTO)
			e->live_rename = i == CONFIG_LIVE_RENAME_YES;
		return 0;
	case K_BOND_MIIMON:
	case K_BOND_UPDELAY:
	case K_BOND_DOWNDELAY:
	case K_BOND_PEER_NOTIF_DELAY:
		r = value_uint(p, key, v, 0, CONFIG_BOND_MS_MAX, &u);
		if (r < 0)
			return r;
		if (k == K_BOND_MIIMON) {
			e->bond.miimon = (int) u;
			p->miimon_line = p->line;
		} else if (k == K_BOND_UPDELAY) {
			e->bond.updelay = (int) u;
			p->updelay_line = p->line;
		} else if (k == K_BOND_DOWNDELAY) {
			e->bond.downdelay = (int) u;
			p->downdelay_line = p->line;
		} else
			e->bond.peer_notif_delay = (int) u;
		return 0;
	case K_BOND_PRIMARY_RESELECT:
		i = PICK(v, reselect_names);
		if (i < 0)
			return config_fail(p,
					   "bond_primary_reselect: '%s' is not one of always, better, failure",
					   v);
		e->bond.primary_reselect = i;
		return 0;
	case K_BOND_FAIL_OVER_MAC:
		i = PICK(v, fail_over_mac_names);
		if (i < 0)
			return config_fail(p,
					   "bond_fail_over_mac: '%s' is not one of none, active, follow",
					   v);
		e->bond.fail_over_mac = i;
		return 0;
	case K_BOND_NUM_PEER_NOTIF:
		/* The kernel's num_grat_arp/num_unsol_na range. */
		r = value_uint(p, key, v, 0, 255, &u);
		if (r < 0)
			return r;
		e->bond.num_peer_notif = (int) u;
		return 0;
	case K_BOND_ALL_SLAVES_ACTIVE:
		i = PICK(v, yes_no);
		if (i < 0)
			return config_fail(p, "bond_all_slaves_active: '%s' is not one of yes, no", v);
		e->bond.all_slaves_active = i;
		return 0;
	case K_BOND_TX_QUEUES:
		r = value_uint(p, key, v, 1, 255, &u);
		if (r < 0)
			return r;
		e->bond.tx_queues = (int) u;
		return 0;
	case K_CONTROL_GROUP:
		why = check_group(v);
		if (why)
			return config_fail(p, "control_group: '%s' %s", v, why);
		strscpy(p->cfg.control_group, sizeof(p->cfg.control_group), v);
		return 0;
	case K_METRICS_FILE:
		why = check_path(v);
		if (why)
			return config_fail(p, "metrics_file: '%s' %s", v, why);
		strscpy(p->cfg.metrics_file, sizeof(p->cfg.metrics_file), v);
		return 0;
	case K_LOG_LEVEL:
		i = config_log_level_from_string(v);
		if (i < 0)
			return config_fail(p,
					   "log_level: '%s' is not one of err, warning, notice, info, debug",
					   v);
		p->cfg.log_level = i;
		return 0;
	case K_MAX:
		break;
	}
	return config_fail(p, "internal error: unhandled key");
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Render a value for an error message without control bytes. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || (unsigned char) *s == 0x7f)
			*s = '?';
}

static int config_line(struct config_parser *p, char *s, size_t n)
{
	char *eq, *key, *val, *end;
	int k = -1;

	/* Tolerate CRLF files. */
	if (n > 0 && s[n - 1] == '\r')
		s[--n] = '\0';
	while (is_blank(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (!eq) {
		sanitize(s);
		return config_fail(p, "expected 'key = value', got '%.64s'", s);
	}
	key = s;
	end = eq;
	while (end > key && is_blank(end[-1]))
		end--;
	*end = '\0';
	val = eq + 1;
	while (is_blank(*val))
		val++;
	end = val + strlen(val);
	while (end > val && is_blank(end[-1]))
		end--;
	*end = '\0';

	for (size_t i = 0; i < K_MAX; i++)
		if (streq(key, key_names[i]))
			k = (int) i;
	if (k < 0) {
		sanitize(key);
		if (!*key)
			return config_fail(p, "missing key before '='");
		return config_fail(p, "unknown key '%.64s'", key);
	}
	for (const char *c = val; *c; c++)
		if ((unsigned char) *c < 0x20 || (unsigned char) *c == 0x7f) {
			sanitize(val);
			return config_fail(p, "%s: value contains a control character", key);
		}
	if (k != K_MAC) {
		if (p->seen[k])
			return config_fail(p, "%s: set twice (first on line %u)", key, p->seen[k]);
		p->seen[k] = p->line;
	}
	return config_set(p, (enum config_key) k, val);
}

/* The line of the key an engine reason talks about ("backoff_min must be ..."), 0 if none. */
static unsigned config_blame(const struct config_parser *p, const char *why)
{
	for (size_t k = 0; k < K_MAX; k++) {
		char stem[32];
		size_t n;

		if (!p->seen[k])
			continue;
		strscpy(stem, sizeof(stem), key_names[k]);
		n = strlen(stem);
		if (n > 3 && streq(stem + n - 3, "_ms"))
			stem[n - 3] = '\0';
		else if (n > 2 && streq(stem + n - 2, "_s"))
			stem[n - 2] = '\0';
		if (strstr(why, stem))
			return p->seen[k];
	}
	return 0;
}

/* Rules that involve more than one key, checked after the whole file. */
static int config_check(struct config_parser *p)
{
	struct fo_config *e = &p->cfg.engine;
	const char *why = NULL;

	if (e->mac_pairing == FO_MAC_PAIRING_LIST && e->n_mac_list == 0) {
		p->line = p->pair_by_mac_line;
		return config_fail(p, "pair_by_mac = list needs at least one 'mac = ' line");
	}
	if (e->mac_pairing != FO_MAC_PAIRING_LIST && e->n_mac_list > 0) {
		p->line = p->first_mac_line;
		return config_fail(p, "mac: only used with pair_by_mac = list");
	}
	if (e->backoff_min_usec > e->backoff_max_usec) {
		p->line = p->backoff_line;
		return config_fail(p, "backoff_min_ms (%llu) is larger than backoff_max_ms (%llu)",
				   (unsigned long long) (e->backoff_min_usec / 1000),
				   (unsigned long long) (e->backoff_max_usec / 1000));
	}
	/* bonding rounds updelay/downdelay down to a multiple of miimon: say so instead. */
	if (e->bond.miimon > 0 && e->bond.updelay > 0 && e->bond.updelay % e->bond.miimon) {
		p->line = p->updelay_line ? p->updelay_line : p->miimon_line;
		return config_fail(p, "bond_updelay (%d) is not a multiple of bond_miimon (%d)",
				   e->bond.updelay, e->bond.miimon);
	}
	if (e->bond.miimon > 0 && e->bond.downdelay > 0 && e->bond.downdelay % e->bond.miimon) {
		p->line = p->downdelay_line ? p->downdelay_line : p->miimon_line;
		return config_fail(p, "bond_downdelay (%d) is not a multiple of bond_miimon (%d)",
				   e->bond.downdelay, e->bond.miimon);
	}
	/* Last, the engine's own rules, so the daemon never starts with a config it rejects. */
	if (pairing_config_check(e, &why) < 0) {
		why = why ? why : "rejected by the pairing engine";
		p->line = config_blame(p, why);
		return config_fail(p, "%s", why);
	}
	return 0;
}

int config_parse_buffer(const char *buf, size_t len, const char *filename,
			const struct failoverd_config *base, struct config_error *err,
			struct failoverd_config *ret)
{
	struct config_parser *p;
	char line[CONFIG_LINE_MAX + 1];
	size_t pos = 0;
	int r = 0;

	/* The parser state holds a full config copy (~600 bytes): keep it off the stack of fuzzers. */
	p = calloc(1, sizeof(*p));
	if (!p) {
		strscpy(err->text, sizeof(err->text), "out of memory");
		return -ENOMEM;
	}
	p->filename = filename ? filename : "<config>";
	p->err = err;
	p->cfg = *base;

	if (len > CONFIG_FILE_MAX) {
		r = config_fail(p, "file is larger than %d bytes", CONFIG_FILE_MAX);
		goto free_parser;
	}
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t) (nl - (buf + pos)) : len - pos;

		p->line++;
		if (n > CONFIG_LINE_MAX) {
			r = config_fail(p, "line longer than %d bytes", CONFIG_LINE_MAX);
			goto free_parser;
		}
		if (memchr(buf + pos, '\0', n)) {
			r = config_fail(p, "NUL byte in line");
			goto free_parser;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		r = config_line(p, line, n);
		if (r < 0)
			goto free_parser;
		pos += n + (nl ? 1 : 0);
	}
	r = config_check(p);
	if (r < 0)
		goto free_parser;
	*ret = p->cfg;

free_parser:
	free(p);
	return r;
}

int config_load_file(const char *path, bool missing_ok, struct config_error *err,
		     struct failoverd_config *ret)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	struct failoverd_config base;
	struct stat st;
	size_t len = 0;

	config_init(&base);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int r = -errno;

		if (r == -ENOENT && missing_ok) {
			*ret = base;
			return 0;
		}
		(void) snprintf(err->text, sizeof(err->text), "%s: cannot open: %s", path,
				strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		(void) snprintf(err->text, sizeof(err->text), "%s: not a regular file", path);
		return -EINVAL;
	}
	/* Read one byte more than allowed so an oversized file is caught, not truncated. */
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		strscpy(err->text, sizeof(err->text), "out of memory");
		return -ENOMEM;
	}
	while (len < CONFIG_FILE_MAX + 1) {
		ssize_t n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);

		if (n < 0) {
			int r = -errno;

			if (r == -EINTR)
				continue;
			(void) snprintf(err->text, sizeof(err->text), "%s: read failed: %s", path,
					strerror(-r));
			return r;
		}
		if (n == 0)
			break;
		len += (size_t) n;
	}
	if (len > CONFIG_FILE_MAX) {
		(void) snprintf(err->text, sizeof(err->text), "%s: file is larger than %d bytes", path,
				CONFIG_FILE_MAX);
		return -EFBIG;
	}
	return config_parse_buffer(buf, len, path, &base, err, ret);
}

bool config_kernel_renames_live(const char *release)
{
	unsigned long major, minor;
	char *end;

	/* Numbers, not strings: "6.12" must not sort before "6.2". */
	if (!release || release[0] < '0' || release[0] > '9')
		return false;
	errno = 0;
	major = strtoul(release, &end, 10);
	if (errno || *end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	minor = strtoul(end + 1, &end, 10);
	if (errno)
		return false;
	return major > 6 || (major == 6 && minor >= 2);
}

void config_resolve_live_rename(struct failoverd_config *c, const char *release)
{
	if (c->live_rename == CONFIG_LIVE_RENAME_AUTO)
		c->engine.live_rename = config_kernel_renames_live(release);
}
