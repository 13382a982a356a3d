// A validator with a bug: it exits 1 after a line on stderr.
#include <cstdio>
int main()
{
	std::fprintf(stderr, "validator bug: cannot parse the answer\n");
	return 1;
}
