import sys

t = sys.stdin.read().split()
print(max(map(int, t[1:1 + int(t[0])])))
