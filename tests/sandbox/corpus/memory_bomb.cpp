// EXPECT: MLE
// ARGS: --memory-limit 65536
// A growing vector of touched memory: killed by the memory limit, never a bad_alloc RE.
#include <vector>
#include <cstdio>
int main()
{
	std::vector<std::vector<char>> keep;
	for (;;)
		keep.emplace_back(1 << 20, 'x');
}
