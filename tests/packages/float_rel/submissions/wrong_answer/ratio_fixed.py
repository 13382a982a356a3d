# Fixed decimals: within 1e-7 absolutely, but 100% off relatively.
a, b = map(int, input().split())
print("%.7f" % (a / b))
