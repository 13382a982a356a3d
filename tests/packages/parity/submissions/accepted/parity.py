n = int(input())
print("Even" if n % 2 == 0 else "Odd", end="\r\n\n")
