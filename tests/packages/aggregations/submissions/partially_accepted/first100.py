# @EXPECTED_SCORE@: 75
# Looks at the first 100 numbers only: g1 15, g2 avg 20, g3 20, g4 max 20.
import sys

t = sys.stdin.read().split()
n = int(t[0])
print(max(map(int, t[1:1 + min(n, 100)])))
