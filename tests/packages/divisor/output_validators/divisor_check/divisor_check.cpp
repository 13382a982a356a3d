// Accepts any proper divisor of N; -1 only when the judge's answer says N is prime. With the flag
// allow_leading_plus (validator_flags) a "+" before the number is fine too.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

static std::string dir;

[[noreturn]] static void verdict(int code, const std::string &msg)
{
	std::ofstream(dir + "judgemessage.txt") << msg << '\n';
	std::exit(code);
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 1;
	dir = argv[3];
	bool plus = false;
	for (int i = 4; i < argc; i++)
		if (!std::strcmp(argv[i], "allow_leading_plus"))
			plus = true;
	long long n, judge;
	std::ifstream in(argv[1]), ans(argv[2]);
	if (!(in >> n) || !(ans >> judge))
		return 1;
	std::string tok, extra;
	if (!(std::cin >> tok))
		verdict(43, "no output");
	if (std::cin >> extra)
		verdict(43, "more than one number");
	if (plus && tok.size() > 1 && tok[0] == '+')
		tok.erase(0, 1);
	char *end;
	long long d = std::strtoll(tok.c_str(), &end, 10);
	if (*end || tok.empty())
		verdict(43, "not a number: " + tok);
	if (judge == -1)
		verdict(d == -1 ? 42 : 43, d == -1 ? "prime, as it should" : "N is prime");
	if (d <= 1 || d >= n || n % d != 0)
		verdict(43, "not a proper divisor: " + tok);
	verdict(42, "a proper divisor");
}
