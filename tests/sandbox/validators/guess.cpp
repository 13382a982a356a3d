// Interactive validator: the secret number (1..1000) is in the input file. The program guesses on a line;
// the validator answers "lower", "higher" or "correct". At most 12 guesses; anything else is WA.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "vutil.h"

int main(int argc, char **argv)
{
	(void)argc;
	std::ifstream in(argv[1]);
	long secret;
	in >> secret;
	for (int i = 1; i <= 12; i++) {
		long g;
		if (!(std::cin >> g)) {
			feedback(argv[3], "judgemessage.txt", "no guess " + std::to_string(i));
			reject();
		}
		if (g < 1 || g > 1000) {
			feedback(argv[3], "judgemessage.txt", "guess out of range: " + std::to_string(g));
			feedback(argv[3], "teammessage.txt", "out of range");
			reject();
		}
		if (g == secret) {
			std::cout << "correct" << std::endl;
			feedback(argv[3], "judgemessage.txt", "found in " + std::to_string(i));
			accept();
		}
		std::cout << (secret < g ? "lower" : "higher") << std::endl;
	}
	feedback(argv[3], "judgemessage.txt", "too many guesses");
	reject();
}
