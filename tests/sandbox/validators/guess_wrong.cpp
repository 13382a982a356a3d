// Interactive submission: counts up from 1, so it runs out of guesses (WA) unless the secret is small.
#include <iostream>
#include <string>
int main()
{
	for (int g = 1; g <= 1000; g++) {
		std::cout << g << std::endl;
		std::string r;
		if (!(std::cin >> r) || r == "correct")
			return 0;
	}
}
