"""Run a command in its own network namespace whose DNS server drops every
query: `unshare -rmn python3 dns_blackhole.py CMD...`.  Loopback comes up,
/etc/resolv.conf (in the private mount namespace only) names 127.0.0.1, and
a UDP socket bound to 127.0.0.1:53 that nobody reads is handed to CMD, so a
look-up waits for the resolver's full timeout, no packet leaves the
namespace, and the hole closes with CMD."""
import os
import socket
import subprocess
import sys
import tempfile

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
fd, rc = tempfile.mkstemp(prefix="resolv.")
os.write(fd, b"nameserver 127.0.0.1\noptions timeout:5 attempts:2\n")
os.close(fd)
subprocess.run(["mount", "--bind", rc, "/etc/resolv.conf"], check=True)
os.unlink(rc)
hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
hole.bind(("127.0.0.1", 53))
os.set_inheritable(hole.fileno(), True)
os.execvp(sys.argv[1], sys.argv[1:])
