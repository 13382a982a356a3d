/* EXPECT: OK
 * Only /dev/null, /dev/zero and /dev/urandom exist (and work); mknod of anything else fails. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
int main(void)
{
	const char *absent[] = {"/dev/random", "/dev/mem", "/dev/kmsg", "/dev/sda", "/dev/vda", "/dev/tty", "/dev/kvm",
				"/dev/console", NULL};
	char b[16];
	int bad = 0;
	for (int i = 0; absent[i]; i++) {
		if (access(absent[i], F_OK) == 0) {
			printf("%s exists\n", absent[i]);
			bad = 1;
		}
	}
	int z = open("/dev/zero", O_RDONLY), u = open("/dev/urandom", O_RDONLY), n = open("/dev/null", O_WRONLY);
	if (z < 0 || u < 0 || n < 0 || read(z, b, 16) != 16 || read(u, b, 16) != 16 || write(n, b, 16) != 16) {
		puts("a device does not work");
		bad = 1;
	}
	if (mknod("/box/mem", S_IFCHR | 0666, makedev(1, 1)) == 0 || mknod("/tmp/sda", S_IFBLK | 0666, makedev(8, 0)) == 0) {
		puts("mknod worked");
		bad = 1;
	}
	return bad ? 42 : 0;
}
