/* EXPECT: OK
 * The test listens on 127.0.0.1:@PORT@ and on @HOSTIP@:@PORT@; no connection may reach it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
static int try(const char *ip)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(@PORT@)};
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return 0;
	inet_pton(AF_INET, ip, &a.sin_addr);
	int ok = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (ok)
		printf("connected to %s\n", ip);
	close(s);
	return ok;
}
int main(void)
{
	int bad = try("127.0.0.1") | try("@HOSTIP@") | try("10.0.2.2") | try("8.8.8.8");
	return bad ? 42 : 0;
}
