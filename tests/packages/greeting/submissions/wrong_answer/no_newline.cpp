// A tab instead of the final newline.
#include <iostream>
#include <string>

int main()
{
	std::string name;
	std::getline(std::cin, name);
	std::cout << "Hello, " << name << "!\t";
}
