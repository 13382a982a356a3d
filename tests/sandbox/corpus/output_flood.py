# EXPECT: OLE
# ARGS: --output-limit 1024
while True:
    print("x" * 1000)
