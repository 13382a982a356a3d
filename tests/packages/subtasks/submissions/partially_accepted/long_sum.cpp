// @EXPECTED_SCORE@: 66.6
// A long long: subtasks 1 and 2, and the first test of subtask 3, which alone scores nothing.
#include <iostream>

int main()
{
	int n;
	long long s = 0, a;
	std::cin >> n;
	for (int i = 0; i < n && (std::cin >> a); i++)
		s += a;
	std::cout << s << '\n';
}
