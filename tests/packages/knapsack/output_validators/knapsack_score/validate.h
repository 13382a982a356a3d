// The Kattis output-validator interface: exit codes and the feedback directory.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

static std::string feedback_dir;

static void feedback(const char *file, const char *fmt, ...)
{
	std::string path = feedback_dir + file;
	FILE *f = std::fopen(path.c_str(), "a");
	if (!f)
		return;
	va_list ap;
	va_start(ap, fmt);
	std::vfprintf(f, fmt, ap);
	va_end(ap);
	std::fclose(f);
}

[[noreturn]] static void accept_with_score(double score)
{
	feedback("score.txt", "%.6f\n", score);
	std::exit(42);
}

[[noreturn]] static void wrong_answer(const char *why)
{
	feedback("judgemessage.txt", "%s\n", why);
	std::exit(43);
}
