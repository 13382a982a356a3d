/* EXPECT: OK
 * STDOUT: ^threads [0-9]+$
 * Creates threads until refused; the processes/threads limit (64) must stop it. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}
int main(void)
{
	pthread_t t;
	int n = 0;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 65536);
	while (n < 100000 && pthread_create(&t, &a, idle, NULL) == 0)
		n++;
	if (n >= 100)
		return 42;
	printf("threads %d\n", n);
	return 0;
}
