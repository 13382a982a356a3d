// Scoring validator: the team's first number is its score (knapsack style); messages for both.
#include <iostream>

#include "vutil.h"

int main(int argc, char **argv)
{
	(void)argc;
	double v = 0;
	if (!(std::cin >> v)) {
		feedback(argv[3], "teammessage.txt", "no number");
		reject();
	}
	feedback(argv[3], "score.txt", std::to_string(v) + "\n");
	feedback(argv[3], "judgemessage.txt", "judge: team said " + std::to_string((int)v));
	feedback(argv[3], "teammessage.txt", "you said " + std::to_string((int)v));
	accept();
}
