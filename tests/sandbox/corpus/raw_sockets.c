/* EXPECT: OK
 * Raw, packet, netlink-route changes and vsock: none may work (no capabilities, no interfaces up). */
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
int main(void)
{
	int bad = 0;
	if (socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) >= 0) {
		puts("raw socket");
		bad = 1;
	}
	if (socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) >= 0) {
		puts("packet socket");
		bad = 1;
	}
	if (socket(AF_VSOCK, SOCK_STREAM, 0) >= 0) {
		puts("vsock");
		bad = 1;
	}
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ifr.ifr_flags = IFF_UP;
	if (s >= 0 && ioctl(s, SIOCSIFFLAGS, &ifr) == 0) {
		puts("brought lo up");
		bad = 1;
	}
	return bad ? 42 : 0;
}
