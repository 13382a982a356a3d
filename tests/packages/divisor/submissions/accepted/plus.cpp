// "+7": accepted because the task's validator_flags include allow_leading_plus.
#include <iostream>

int main()
{
	long long n;
	std::cin >> n;
	for (long long d = 2; d * d <= n; d++)
		if (n % d == 0) {
			std::cout << '+' << n / d << '\n';
			return 0;
		}
	std::cout << "-1\n";
}
