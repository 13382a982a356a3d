# Takes item 0, which does not exist: every test is wrong.
import sys

n = int(sys.stdin.read().split()[0])
print(1)
print(0)
