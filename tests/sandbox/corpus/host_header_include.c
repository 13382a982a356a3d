/* EXPECT: CE
 * Reading a host file at compile time: the secret is not in the box, so this is an error, and the compile
 * output must not show the secret. */
#include "@SECRET_PATH@"
int main(void) { return 0; }
