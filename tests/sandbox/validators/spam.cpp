// Submission: 2 KB of output.
#include <iostream>
#include <string>
int main()
{
	std::cout << std::string(2048, 'y') << "\n";
}
