// Checks that the team's items fit and scores 25 x value / best value (best from the .ans file).
#include <fstream>
#include <iostream>
#include <vector>

#include "validate.h"

int main(int argc, char **argv)
{
	if (argc < 4) {
		std::fprintf(stderr, "usage: %s input answer feedback_dir < team_output\n", argv[0]);
		return 1;
	}
	feedback_dir = argv[3];
	std::ifstream in(argv[1]), ans(argv[2]);
	long n, cap, best;
	if (!(in >> n >> cap) || !(ans >> best) || best <= 0) {
		std::fprintf(stderr, "bad test data\n");
		return 1;
	}
	std::vector<long> w(n), v(n);
	for (long i = 0; i < n; i++)
		in >> w[i] >> v[i];
	long k;
	if (!(std::cin >> k) || k < 0 || k > n)
		wrong_answer("no item count, or not between 0 and N");
	std::vector<bool> taken(n, false);
	long weight = 0, value = 0;
	for (long i = 0; i < k; i++) {
		long x;
		if (!(std::cin >> x))
			wrong_answer("fewer item numbers than the count says");
		if (x < 1 || x > n || taken[x - 1])
			wrong_answer("an item number out of range or repeated");
		taken[x - 1] = true;
		weight += w[x - 1];
		value += v[x - 1];
	}
	std::string extra;
	if (std::cin >> extra)
		wrong_answer("more output than the items");
	if (weight > cap)
		wrong_answer("the items are heavier than the knapsack holds");
	if (value > best)
		wrong_answer("better than the best answer: the test data is wrong");
	feedback("judgemessage.txt", "value %ld of %ld\n", value, best);
	accept_with_score(25.0 * (double)value / (double)best);
}
