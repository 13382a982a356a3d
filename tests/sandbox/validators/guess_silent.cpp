// Interactive submission: never writes, waits for input that never comes (TLE: the program ended first).
#include <iostream>
int main()
{
	int x;
	std::cin >> x;
	return 0;
}
