# Forgets everything after the first number.
tokens = open(0).read().split()
print(tokens[1])
