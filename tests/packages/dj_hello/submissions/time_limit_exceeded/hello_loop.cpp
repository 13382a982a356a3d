#include <iostream>

int main()
{
	volatile unsigned long spin = 0;
	std::cout << "Hello world!" << std::endl;
	for (;;)
		spin++;
}
