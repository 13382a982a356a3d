# EXPECT: MLE
# ARGS: --memory-limit 65536
keep = []
while True:
    keep.append(bytearray(1 << 20))
