// Submission: about 0.3 s of CPU on this machine class, then "done".
#include <iostream>
int main()
{
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 600000000UL; i++)
		x += i;
	std::cout << "done\n";
}
