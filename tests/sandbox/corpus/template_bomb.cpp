// EXPECT: CE
// ARGS: --compile-time-limit 2
// Billions of steps of constant evaluation, each loop under GCC's per-loop limit: only the compilation's own
// CPU limit ends it.
constexpr long f()
{
	long s = 0;
	for (long i = 0; i < 200000; i++)
		for (long j = 0; j < 200000; j++)
			s += i ^ j;
	return s;
}
int main() { constexpr long x = f(); return (int)x; }
