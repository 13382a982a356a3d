# EXPECT: OK
# The same attempt from Python, plus UDP, which needs no handshake to leave the box.
import socket
bad = False
for ip in ["127.0.0.1", "@HOSTIP@"]:
    try:
        s = socket.create_connection((ip, @PORT@), timeout=1)
        print("connected", ip)
        bad = True
        s.close()
    except OSError:
        pass
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"hello", (ip, @PORT@))
        print("udp sent", ip)
        bad = True
    except OSError:
        pass
raise SystemExit(42 if bad else 0)
