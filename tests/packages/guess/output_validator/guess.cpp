// The interactor: reads the secret number from the input file, answers the submission's guesses on
// stdout, reads them on stdin. 10 guesses; anything that is not a number in range is wrong at once.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

static std::string dir;

[[noreturn]] static void done(int code, const std::string &msg)
{
	std::ofstream(dir + "judgemessage.txt") << msg << '\n';
	std::exit(code);
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 1;
	dir = argv[3];
	int secret;
	if (!(std::ifstream(argv[1]) >> secret))
		return 1;
	for (int guesses = 1; guesses <= 10; guesses++) {
		std::string tok;
		if (!(std::cin >> tok))
			done(43, "the submission stopped before guessing right");
		char *end;
		long g = std::strtol(tok.c_str(), &end, 10);
		if (*end || g < 1 || g > 1000)
			done(43, "not a guess between 1 and 1000: " + tok);
		if (g == secret) {
			std::cout << "correct" << std::endl;
			done(42, "guessed in " + std::to_string(guesses));
		}
		std::cout << (secret < g ? "lower" : "higher") << std::endl;
	}
	done(43, "no guesses left");
}
