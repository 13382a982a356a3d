# Two decimals: wrong by more than 1e-6 (absolute and relative) on the sample already.
import math

r = float(input())
print("%.2f" % (math.pi * r * r))
