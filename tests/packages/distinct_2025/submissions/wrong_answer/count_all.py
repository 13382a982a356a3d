# Counts the values, not the different ones: right only when all differ.
print(input())
