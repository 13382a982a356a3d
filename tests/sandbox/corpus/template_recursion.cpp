// EXPECT: CE
// Unbounded template recursion at compile time.
template <int N> struct R {
	static const int v = R<N + 1>::v + 1;
};
int main() { return R<0>::v; }
