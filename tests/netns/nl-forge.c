/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Send a forged rtnetlink link message to another process's netlink port,
 * as an attacker would: nl-forge PORTID newlink|dellink IFINDEX NAME.
 * Exit 0 = sent, 3 = the kernel refused to send it (EPERM: the sender lacks
 * CAP_NET_ADMIN), 1 = other error, 2 = usage.
 */
#include "config.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
		struct rtattr name_hdr;
		char name[16];
		struct rtattr mtu_hdr;
		unsigned mtu;
	} msg;
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK };
	int fd;
	long portid, ifindex;

	if (argc != 5 || (strcmp(argv[2], "newlink") && strcmp(argv[2], "dellink"))) {
		fprintf(stderr, "usage: nl-forge PORTID newlink|dellink IFINDEX NAME\n");
		return 2;
	}
	portid = strtol(argv[1], NULL, 10);
	ifindex = strtol(argv[3], NULL, 10);
	if (portid <= 0 || ifindex <= 0 || strlen(argv[4]) >= 16) {
		fprintf(stderr, "nl-forge: bad port id, ifindex or name\n");
		return 2;
	}

	memset(&msg, 0, sizeof(msg));
	msg.h.nlmsg_len = sizeof(msg);
	msg.h.nlmsg_type = strcmp(argv[2], "newlink") == 0 ? RTM_NEWLINK : RTM_DELLINK;
	/* Pretend to be a kernel notification: pid 0 in the header means nothing. */
	msg.h.nlmsg_pid = 0;
	msg.ifi.ifi_family = AF_UNSPEC;
	msg.ifi.ifi_index = (int) ifindex;
	msg.ifi.ifi_flags = 0x1 | 0x40 | 0x10000; /* UP, RUNNING, LOWER_UP */
	msg.name_hdr.rta_type = IFLA_IFNAME;
	msg.name_hdr.rta_len = RTA_LENGTH(sizeof(msg.name));
	memcpy(msg.name, argv[4], strlen(argv[4]));
	msg.mtu_hdr.rta_type = IFLA_MTU;
	msg.mtu_hdr.rta_len = RTA_LENGTH(sizeof(msg.mtu));
	msg.mtu = 1234;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		perror("nl-forge: socket");
		return 1;
	}
	dst.nl_pid = (unsigned) portid;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *) &dst, sizeof(dst)) < 0) {
		int e = errno;

		fprintf(stderr, "nl-forge: sendto port %ld: %s\n", portid, strerror(e));
		close(fd);
		return e == EPERM ? 3 : 1;
	}
	printf("sent %s ifindex %ld name %s to port %ld\n", argv[2], ifindex, argv[4], portid);
	close(fd);
	return 0;
}
