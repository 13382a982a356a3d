# @EXPECTED_SCORE@: 75
# Most valuable first: 25 + 25 + 18.75 + 6.25 points.
import sys

t = list(map(int, sys.stdin.read().split()))
n, cap = t[0], t[1]
items = sorted(range(n), key=lambda i: -t[3 + 2 * i])
take = []
for i in items:
    if t[2 + 2 * i] <= cap:
        cap -= t[2 + 2 * i]
        take.append(i + 1)
print(len(take))
print(*take)
