// Interactive submission: an out-of-range guess (the validator says WA at once), then it hangs.
#include <iostream>
int main()
{
	std::cout << 5000 << std::endl;
	for (volatile unsigned long i = 0;; i++)
		;
}
