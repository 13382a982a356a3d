import sys

name = sys.stdin.readline().rstrip("\n")
sys.stdout.write("Hello, %s!\n" % name)
