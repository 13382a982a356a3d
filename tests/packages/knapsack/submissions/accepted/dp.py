import sys

t = list(map(int, sys.stdin.read().split()))
n, cap = t[0], t[1]
w, v = t[2::2][:n], t[3::2][:n]
best = [[0] * (cap + 1) for _ in range(n + 1)]
for i in range(1, n + 1):
    for c in range(cap + 1):
        best[i][c] = best[i - 1][c]
        if c >= w[i - 1]:
            best[i][c] = max(best[i][c], best[i - 1][c - w[i - 1]] + v[i - 1])
take, c = [], cap
for i in range(n, 0, -1):
    if best[i][c] != best[i - 1][c]:
        take.append(i)
        c -= w[i - 1]
print(len(take))
print(*take)
