# EXPECT: RE
# SIGNAL: 9
# A signal the program sends itself is its own death, not a sandbox kill.
import os, signal
os.kill(os.getpid(), signal.SIGKILL)
