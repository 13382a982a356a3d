#include <algorithm>
#include <iostream>
#include <iterator>
#include <string>

int main()
{
	std::ios::sync_with_stdio(false);
	std::string s((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
	std::reverse(s.begin(), s.end());
	std::cout.write(s.data(), (std::streamsize)s.size());
}
