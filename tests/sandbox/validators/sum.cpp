// Submission: prints the sum of its input's numbers, in upper case "SUM n" when the input starts with "UP".
#include <iostream>
#include <string>
int main()
{
	std::string w;
	long s = 0;
	bool up = false;
	while (std::cin >> w) {
		if (w == "UP")
			up = true;
		else
			s += std::stol(w);
	}
	std::cout << (up ? "SUM " : "sum ") << s << "\n";
}
