// Does not compile: the type of x is missing and the statement has no semicolon.
#include <cstdlib>

int main(int argc, char **argv)
{
	x = 42 return x;
}
