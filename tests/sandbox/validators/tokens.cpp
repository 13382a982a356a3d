// Custom validator: the team's tokens must equal the answer's; "ignore_case" among the flags compares
// ASCII letters case-insensitively. WA explains itself in judgemessage.txt.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <sstream>
#include <vector>

#include "vutil.h"

static std::string lower(std::string s)
{
	std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
	return s;
}

int main(int argc, char **argv)
{
	std::ifstream ans(argv[2]);
	bool nocase = false;
	for (int i = 4; i < argc; i++)
		nocase |= std::string(argv[i]) == "ignore_case";
	std::vector<std::string> want, got;
	std::string w;
	while (ans >> w)
		want.push_back(nocase ? lower(w) : w);
	while (std::cin >> w)
		got.push_back(nocase ? lower(w) : w);
	if (want != got) {
		feedback(argv[3], "judgemessage.txt", "expected " + std::to_string(want.size()) + " tokens, got " +
								  std::to_string(got.size()));
		reject();
	}
	accept();
}
