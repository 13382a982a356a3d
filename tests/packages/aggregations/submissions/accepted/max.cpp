#include <algorithm>
#include <iostream>
#include <vector>

int main()
{
	int n;
	std::cin >> n;
	std::vector<long long> a(n);
	for (auto &x : a)
		std::cin >> x;
	std::cout << *std::max_element(a.begin(), a.end()) << '\n';
}
