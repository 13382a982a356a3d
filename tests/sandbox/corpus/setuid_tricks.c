/* EXPECT: OK
 * Becoming root: setuid/setgid/setgroups fail, no_new_privs is set, and the toolchain mounts ignore set-uid
 * bits (so /usr/bin/passwd and friends cannot lift it either). */
#include <grp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <unistd.h>
int main(void)
{
	struct statvfs v;
	gid_t g = 0;
	int bad = 0;
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0) {
		puts("runs as root");
		bad = 1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setgroups(1, &g) == 0) {
		puts("became root");
		bad = 1;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		puts("no_new_privs not set");
		bad = 1;
	}
	if (statvfs("/usr/bin", &v) != 0 || !(v.f_flag & ST_NOSUID) || !(v.f_flag & ST_RDONLY)) {
		puts("/usr is not nosuid,ro");
		bad = 1;
	}
	return bad ? 42 : 0;
}
