/* EXPECT: RE
 * SIGNAL: 31
 * SIGNAL_IF_NO_IA32: 11
 * System calls through the 32-bit ABI (int 0x80) would slip past a filter written for x86-64 numbers; the
 * filter kills on any foreign ABI (SIGSYS). Without it, this would be exit(42) via i386 syscall 1. A kernel
 * without IA32 emulation faults on int 0x80 before seccomp sees it (SIGSEGV, outside the box too), so the
 * test probes the kernel (kernel_probe.py) and expects that signal there. */
int main(void)
{
#if defined(__x86_64__)
	__asm__ volatile("int $0x80" : : "a"(1), "b"(42));
	return 0;
#else
	return 42;
#endif
}
