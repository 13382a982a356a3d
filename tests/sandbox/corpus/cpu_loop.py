# EXPECT: TLE
# ARGS: --time-limit 1
x = 0
while True:
    x += 1
