// Sends something that is not a guess, then spins forever: the validator's WA wins over the time limit.
#include <iostream>

int main()
{
	std::cout << "banana" << std::endl;
	volatile unsigned long spin = 0;
	for (;;)
		spin++;
}
