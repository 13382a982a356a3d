// EXPECT: TLE
// ARGS: --time-limit 1
let x = 0;
for (;;) x++;
