#include <cstdlib>
#include <vector>

int main()
{
	std::vector<int> v;
	v.at(3) = 1; // throws std::out_of_range: terminate, SIGABRT
	return 0;
}
