// A header next to the validator's source (an extra validator file).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

static void feedback(const char *dir, const char *name, const std::string &text)
{
	std::ofstream f(std::string(dir) + name);
	f << text;
}

[[noreturn]] static void accept()
{
	std::exit(42);
}
[[noreturn]] static void reject()
{
	std::exit(43);
}
