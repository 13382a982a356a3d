a, b = map(int, input().split())
print("%d.%02d" % (a // b, (a % b) * 100 // b))
