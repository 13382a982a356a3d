// EXPECT: RE
throw new Error("boom");
