"""What the kernel under the tests can do, probed by running a tiny program of ours outside the sandbox,
so that a corpus expectation that depends on the kernel names the right outcome on every machine."""
import functools
import os
import subprocess
import tempfile

# i386 system call 20 is getpid: with IA32 emulation it answers a pid, without it `int 0x80` faults.
IA32_PROBE = r"""
int main(void)
{
	long r = -1;
#if defined(__x86_64__)
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L));
#endif
	return r > 0 ? 0 : 1;
}
"""


@functools.lru_cache(maxsize=None)
def has_ia32_emulation():
    """True when 32-bit system calls (int 0x80) reach the kernel; False when they fault with SIGSEGV,
    as on kernels built without IA32 emulation or booted with ia32_emulation=0."""
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "probe.c"), os.path.join(d, "probe")
        with open(src, "w") as f:
            f.write(IA32_PROBE)
        subprocess.run(["gcc", "-O0", "-o", exe, src], check=True, capture_output=True)
        rc = subprocess.run([exe]).returncode
    if rc == 0:
        return True
    if rc == -11:
        return False
    raise AssertionError("the IA32 probe ended with %d, neither a pid nor SIGSEGV" % rc)


def expected_signal(meta):
    """The signal a corpus program must die of: SIGNAL, or SIGNAL_IF_NO_IA32 on a kernel without it."""
    if "SIGNAL_IF_NO_IA32" in meta and not has_ia32_emulation():
        return int(meta["SIGNAL_IF_NO_IA32"])
    return int(meta["SIGNAL"])
