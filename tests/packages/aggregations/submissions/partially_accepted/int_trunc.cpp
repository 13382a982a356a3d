// @EXPECTED_SCORE@: 70
// Keeps the numbers in an int: wrong once one leaves 32 bits. g1 10, g2 40, g3 0 (all or nothing), g4 20.
#include <iostream>

int main()
{
	int n;
	long long x;
	std::cin >> n >> x;
	int best = (int)x;
	for (int i = 1; i < n; i++) {
		std::cin >> x;
		if ((int)x > best)
			best = (int)x;
	}
	std::cout << best << '\n';
}
