# Misreads the replies: goes up on "lower". Wrong unless the first guess is right.
lo, hi = 1, 1000
while True:
    mid = (lo + hi) // 2
    print(mid, flush=True)
    reply = input().strip()
    if reply == "correct":
        break
    if reply == "higher":
        hi = mid - 1
    else:
        lo = mid + 1
    if lo > hi:
        lo, hi = 1, 1000
