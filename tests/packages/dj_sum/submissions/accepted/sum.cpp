#include <iostream>

int main()
{
	long long n, a, s = 0;
	std::cin >> n;
	for (long long i = 0; i < n; i++) {
		std::cin >> a;
		s += a;
	}
	std::cout << s << '\n';
}
