// Submission: prints the sum of its input's numbers alone.
#include <iostream>
int main()
{
	long a, s = 0;
	while (std::cin >> a)
		s += a;
	std::cout << s << "\n";
}
