/* EXPECT: MLE
 * ARGS: --memory-limit 65536
 * One big populated mapping, far above the limit. */
#include <stdio.h>
#include <sys/mman.h>
int main(void)
{
	char *p = mmap(NULL, 512UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return 3;
	for (unsigned long i = 0; i < (512UL << 20); i += 4096)
		p[i] = 1;
	puts("survived");
	return 0;
}
