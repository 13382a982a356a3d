# Reads the bytes as UTF-8 text: UnicodeDecodeError on the first test that is not text.
import sys

sys.stdout.write(sys.stdin.read()[::-1])
