// Takes every item: too heavy on tests 1, 3 and 4, and on test 2 everything fits (25 points) - but
// item 1 twice is never allowed.
#include <iostream>

int main()
{
	int n;
	std::cin >> n;
	std::cout << n + 1 << "\n1";
	for (int i = 1; i <= n; i++)
		std::cout << ' ' << i;
	std::cout << '\n';
}
