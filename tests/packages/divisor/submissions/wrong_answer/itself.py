# N itself is a divisor, but not a proper one.
print(int(input()))
