#include <algorithm>
#include <iostream>
#include <vector>

int main()
{
	size_t n;
	std::cin >> n;
	std::vector<long> v(n);
	for (auto &x : v)
		std::cin >> x;
	std::sort(v.begin(), v.end());
	std::cout << std::unique(v.begin(), v.end()) - v.begin() << '\n';
}
