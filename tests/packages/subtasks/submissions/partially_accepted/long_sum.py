# @EXPECTED_SCORE@: 66.6
# Wraps around like a signed 64-bit sum: the same points as long_sum.cpp.
import sys

t = sys.stdin.read().split()
s = 0
for x in t[1:1 + int(t[0])]:
    s = (s + int(x) + 2**63) % 2**64 - 2**63
print(s)
