// Interactive submission: finds the number, then crashes.
#include <cstdlib>
#include <iostream>
#include <string>
int main()
{
	int lo = 1, hi = 1000;
	while (lo <= hi) {
		int m = (lo + hi) / 2;
		std::cout << m << std::endl;
		std::string r;
		std::cin >> r;
		if (r == "correct")
			break;
		if (r == "lower")
			hi = m - 1;
		else
			lo = m + 1;
	}
	std::cerr << "about to crash" << std::endl;
	std::abort();
}
