/* EXPECT: CE
 * The compiler must not hang on a device that never ends (Judge0 #64). */
#include </dev/random>
int main(void) { return 0; }
