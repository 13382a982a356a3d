# @EXPECTED_RESULTS@: COMPILER-ERROR
# A syntax error: Python's compile step reports it as a compilation error, not a run-time error.
def main(:
    print(0)
