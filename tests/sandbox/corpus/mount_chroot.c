/* EXPECT: OK
 * Mounting, unmounting, pivoting and chroot are all refused. */
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	int bad = 0;
	if (mount("none", "/box", "tmpfs", 0, NULL) == 0 || mount("proc", "/tmp", "proc", 0, NULL) == 0) {
		puts("mounted");
		bad = 1;
	}
	if (umount2("/usr", MNT_DETACH) == 0 || umount2("/proc", MNT_DETACH) == 0 || umount2("/prog", 0) == 0) {
		puts("unmounted");
		bad = 1;
	}
	if (mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL) == 0) {
		puts("remounted /usr rw");
		bad = 1;
	}
	if (chroot("/tmp") == 0 || syscall(SYS_pivot_root, "/box", "/box") == 0) {
		puts("chroot/pivot");
		bad = 1;
	}
	return bad ? 42 : 0;
}
