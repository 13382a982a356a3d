#include <iostream>
#include <vector>

int main()
{
	int n, cap;
	std::cin >> n >> cap;
	std::vector<int> w(n), v(n);
	for (int i = 0; i < n; i++)
		std::cin >> w[i] >> v[i];
	std::vector<std::vector<long>> best(n + 1, std::vector<long>(cap + 1, 0));
	for (int i = 1; i <= n; i++)
		for (int c = 0; c <= cap; c++) {
			best[i][c] = best[i - 1][c];
			if (c >= w[i - 1] && best[i - 1][c - w[i - 1]] + v[i - 1] > best[i][c])
				best[i][c] = best[i - 1][c - w[i - 1]] + v[i - 1];
		}
	std::vector<int> take;
	for (int i = n, c = cap; i > 0; i--)
		if (best[i][c] != best[i - 1][c]) {
			take.push_back(i);
			c -= w[i - 1];
		}
	std::cout << take.size() << '\n';
	for (int x : take)
		std::cout << x << ' ';
	std::cout << '\n';
}
