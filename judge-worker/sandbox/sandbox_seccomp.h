#ifndef SV_SANDBOX_SECCOMP_H
#define SV_SANDBOX_SECCOMP_H

#include <stddef.h>

/* Builds the sandbox's seccomp filter once, with libseccomp, and returns it as raw BPF (an array of struct
 * sock_filter, *len bytes, malloc'd) for the box init to install with seccomp(2) right before execve. */
int sv_seccomp_build(void **bpf, size_t *len, char *err, size_t errlen);

#endif
