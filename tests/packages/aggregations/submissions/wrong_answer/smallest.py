# The smallest instead of the largest: no test is right, 0 points.
import sys

t = sys.stdin.read().split()
print(min(map(int, t[1:1 + int(t[0])])))
