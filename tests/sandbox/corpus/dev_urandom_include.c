/* EXPECT: CE
 * ARGS: --compile-time-limit 2
 * /dev/urandom exists in the box and never ends: the compilation's own limits stop it. */
#include </dev/urandom>
int main(void) { return 0; }
