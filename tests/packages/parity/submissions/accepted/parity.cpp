#include <iostream>
#include <string>

int main()
{
	std::string n;
	std::cin >> n;
	std::cout << (((n.back() - '0') % 2) ? "odd" : "even") << "   \n";
}
