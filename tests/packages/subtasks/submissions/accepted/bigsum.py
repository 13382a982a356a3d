import sys

t = sys.stdin.read().split()
print(sum(map(int, t[1:1 + int(t[0])])))
