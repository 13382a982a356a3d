# EXPECT: RE
# EXIT: 1
raise ValueError("boom")
