# "hello" instead of "Hello": only a case-insensitive validator would accept it.
print("hello, %s!" % input())
