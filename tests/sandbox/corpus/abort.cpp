// EXPECT: RE
// SIGNAL: 6
// An uncaught exception ends in abort().
#include <stdexcept>
int main() { throw std::runtime_error("uncaught"); }
