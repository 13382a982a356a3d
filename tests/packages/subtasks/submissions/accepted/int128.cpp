// 100 x 10^30 fits in an unsigned __int128 (below 3.4 x 10^38).
#include <iostream>
#include <string>

int main()
{
	int n;
	std::cin >> n;
	unsigned __int128 s = 0;
	for (int i = 0; i < n; i++) {
		std::string t;
		std::cin >> t;
		unsigned __int128 v = 0;
		for (char c : t)
			v = v * 10 + (unsigned)(c - '0');
		s += v;
	}
	std::string out;
	do {
		out.insert(out.begin(), (char)('0' + (int)(s % 10)));
		s /= 10;
	} while (s > 0);
	std::cout << out << '\n';
}
