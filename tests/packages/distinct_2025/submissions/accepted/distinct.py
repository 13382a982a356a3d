import sys

t = sys.stdin.read().split()
print(len(set(t[1:1 + int(t[0])])))
