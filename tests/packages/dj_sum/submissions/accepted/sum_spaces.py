# Leading and trailing whitespace, and a blank line: the default validator ignores them.
import sys

tokens = sys.stdin.read().split()
n = int(tokens[0])
print("   %d  \n\n" % sum(int(t) for t in tokens[1:1 + n]))
