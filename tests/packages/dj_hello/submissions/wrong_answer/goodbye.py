print("Goodbye world!")
