/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pure rtnetlink/generic-netlink message building and parsing.
 *
 * Part of the core (libfocore.a): bytes in, bytes out.  No socket, no
 * clock, no logging and no external library, so every message failoverd
 * can send is checked byte for byte by tests/unit/test-nl-build.c and
 * every parser here is fuzzed (fuzz/nl_parse_fuzz.c).  The adapter
 * (nl_link.c) owns the sockets, the sequence numbers and the logging.
 *
 * Parsers validate every length they read and skip attribute types they
 * do not know; a malformed message is rejected with a reason string, never
 * read past its end.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pairing.h"

/* Large enough for any request built here (a bond create is ~200 bytes). */
#define NLBUILD_REQ_MAX 1024

/* Value of TEAM_ATTR_OPTION_TYPE: the kernel's NLA_* policy types (include/net/netlink.h). */
enum nlbuild_team_type {
	NLBUILD_TEAM_U8 = 1,
	NLBUILD_TEAM_U32 = 3,
	NLBUILD_TEAM_STRING = 5,
	NLBUILD_TEAM_FLAG = 6,
	NLBUILD_TEAM_BINARY = 11,
	NLBUILD_TEAM_S32 = 14,
};

/* The kind name of a backend's aggregate (IFLA_INFO_KIND): "bond", "team"; NULL if invalid. */
const char *nlbuild_backend_kind(enum fo_backend b);

/*
 * Stable lowercase name of an action kind, used by fault injection and
 * logs: "create", "delete", "set_down", "set_up", "rename", "set_mac",
 * "set_mtu", "enslave", "release", "set_primary", "set_active", "event",
 * "set_addr_gen_mode".
 * Returns NULL for an out-of-range value.
 */
const char *nlbuild_action_name(enum fo_action_type t);
/* Reverse of nlbuild_action_name(); '-' and '_' are equivalent. -EINVAL if unknown. */
int nlbuild_action_from_name(const char *s, enum fo_action_type *ret);

/*
 * Build the rtnetlink request for one action into buf (cap bytes), with
 * NLM_F_REQUEST|NLM_F_ACK and the given sequence number (nlmsg_pid 0: the
 * kernel fills in the sender).  Handles every action except FO_ACT_EVENT and
 * the team's FO_ACT_SET_ACTIVE (a generic-netlink request, see
 * nlbuild_team_set_option()).  For FO_ACT_CREATE, cfg->bond supplies the
 * bond parameters (only those != -1 are sent); cfg may be NULL for other
 * actions.  Returns 0 and the message length, or -EINVAL (bad action, with
 * *ret_why set), -ENOBUFS (cap too small) or -EOPNOTSUPP.
 */
int nlbuild_link_request(const struct fo_action *a, const struct fo_config *cfg, uint32_t seq,
			 void *buf, size_t cap, size_t *ret_len, const char **ret_why);

/* RTM_GETLINK dump (family AF_UNSPEC) and RTM_GETADDR dump (AF_UNSPEC). */
int nlbuild_link_dump(uint32_t seq, void *buf, size_t cap, size_t *ret_len);
int nlbuild_addr_dump(uint32_t seq, void *buf, size_t cap, size_t *ret_len);
/*
 * The netdev group (IFLA_GROUP) an aggregate is created in: the one mark a
 * create request can carry (the kernel ignores IFLA_IFALIAS there).  It
 * says "failoverd created this and had not set its marker yet", so a
 * daemon killed between the create and the marker can finish the job
 * after its restart instead of meeting EEXIST forever.  The marker request
 * puts the link back in the default group 0.  ("fovd" in ASCII.)
 */
#define NLBUILD_CREATE_GROUP 0x666f7664u
/*
 * RTM_NEWLINK setting IFLA_IFALIAS of ifindex (the ownership marker: the
 * kernel ignores the alias in a create request, so it is set afterwards)
 * and IFLA_GROUP 0, leaving NLBUILD_CREATE_GROUP in the same message.
 */
int nlbuild_set_alias(uint32_t seq, int ifindex, const char *alias, void *buf, size_t cap,
		      size_t *ret_len);
/* RTM_GETLINK for one link by ifindex, answered with one RTM_NEWLINK; -EINVAL if ifindex <= 0. */
int nlbuild_link_get(uint32_t seq, int ifindex, void *buf, size_t cap, size_t *ret_len);
/* RTM_GETLINK for one link by name (IFLA_IFNAME), answered with one RTM_NEWLINK. */
int nlbuild_link_get_by_name(uint32_t seq, const char *name, void *buf, size_t cap, size_t *ret_len);

/*
 * Generic netlink, team family (id resolved at run time).  Set one option
 * of team device team_ifindex: type is one of enum nlbuild_team_type, data
 * the option's value in host order (a NUL-terminated string for
 * NLBUILD_TEAM_STRING).  Flags: NLM_F_REQUEST|NLM_F_ACK.
 */
int nlbuild_team_set_option(uint16_t family, uint32_t seq, int team_ifindex, const char *option,
			    enum nlbuild_team_type type, const void *data, size_t data_len,
			    void *buf, size_t cap, size_t *ret_len);
/* TEAM_CMD_OPTIONS_GET for team_ifindex (answered by a multipart list ending in NLMSG_DONE). */
int nlbuild_team_get_options(uint16_t family, uint32_t seq, int team_ifindex,
			     void *buf, size_t cap, size_t *ret_len);

/* ---- parsing ---- */

/*
 * Walk a datagram: *off is the offset of the next message (start with 0).
 * Returns 1 and the message's start and length, 0 at the end, or -EBADMSG
 * (with *ret_why) if a header is truncated or claims more than the datagram.
 */
int nlbuild_next_msg(const void *buf, size_t len, size_t *off, const void **ret_msg,
		     size_t *ret_msg_len, const char **ret_why);

/*
 * Parse one RTM_NEWLINK/RTM_DELLINK message (msg_len bytes from the
 * nlmsghdr).  Returns 1 and fills *ret (zeroed first, has_addresses and
 * active_ifindex of a team left 0 for the caller) and *ret_gone
 * (true for RTM_DELLINK); 0 if the message is well formed but not about a
 * netdev (another family, e.g. AF_BRIDGE port notifications, which look
 * like RTM_NEWLINK/DELLINK but are not link changes); -EBADMSG with
 * *ret_why when malformed.
 */
int nlbuild_parse_link(const void *msg, size_t msg_len, struct fo_link_info *ret, bool *ret_gone,
		       const char **ret_why);

struct nlbuild_addr {
	int ifindex;
	uint8_t family;     /* AF_INET / AF_INET6 */
	uint8_t prefixlen;
	uint8_t addr[16];   /* IFA_LOCAL for IPv4 (else IFA_ADDRESS), IFA_ADDRESS for IPv6 */
	bool global;        /* counts for fo_link_info.has_addresses: not link-local/host scope */
};

/* Parse RTM_NEWADDR/RTM_DELADDR.  Returns 1, 0 (another family), or -EBADMSG. */
int nlbuild_parse_addr(const void *msg, size_t msg_len, struct nlbuild_addr *ret, bool *ret_gone,
		       const char **ret_why);

/*
 * Parse an NLMSG_ERROR message: *ret_error is 0 (an ACK) or -errno; the
 * kernel's extended-ACK text (NLMSGERR_ATTR_MSG) is copied to text ("" if
 * none).  *ret_seq is the sequence number of the request it answers (from
 * the echoed header).  Returns 0 or -EBADMSG.
 */
int nlbuild_parse_error(const void *msg, size_t msg_len, int *ret_error, uint32_t *ret_seq,
			char *text, size_t text_len, const char **ret_why);

struct nlbuild_team_options {
	bool has_mode;
	char mode[32];          /* "activebackup", ... */
	bool has_activeport;
	uint32_t activeport;    /* ifindex, 0 = none */
};

/*
 * Parse one TEAM_CMD_OPTIONS_GET reply message and merge what it carries
 * into *opts (a reply may be split over several messages).  Returns 0 or
 * -EBADMSG.
 */
int nlbuild_parse_team_options(const void *msg, size_t msg_len, struct nlbuild_team_options *opts,
			       const char **ret_why);
