// Counts up from 1: out of guesses unless the number is at most 10.
#include <iostream>
#include <string>

int main()
{
	for (int g = 1;; g++) {
		std::cout << g << std::endl;
		std::string reply;
		if (!(std::cin >> reply) || reply == "correct")
			return 0;
	}
}
