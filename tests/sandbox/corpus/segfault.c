/* EXPECT: RE
 * SIGNAL: 11 */
int main(void)
{
	volatile int *p = (int *)0;
	return *p;
}
