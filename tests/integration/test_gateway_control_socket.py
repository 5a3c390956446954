"""The control socket appears at its path only once the gateway listens on
it: whoever waits for the file (decran-web, a unit's ExecStartPost, these
tests) can connect at once.  A gateway that bound the path and listened a
moment later refused such a client (ECONNREFUSED), seen once in CI.

strace holds the gateway for 1.5 s in listen() so that moment is long
enough to be met every time."""
import os
import shutil
import signal
import stat
import subprocess

import pytest

from gwtest import Gateway, wait_for
from harness import Broker

BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]


def strace_can_delay():
    if not shutil.which("strace"):
        return False
    r = subprocess.run(["strace", "-qq", "-o", "/dev/null", "-e", "trace=getpid",
                        "-e", "inject=getpid:delay_enter=1000", "true"], capture_output=True)
    return r.returncode == 0


@pytest.mark.skipif(not strace_can_delay(), reason="strace cannot trace here (no ptrace)")
def test_the_socket_appears_only_when_it_answers(tmp_path, db):
    broker = Broker().start()
    gw = Gateway(tmp_path, broker, BOXES, db)
    gw.prefix = ["strace", "-qq", "-f", "-o", os.path.join(str(tmp_path), "strace.log"),
                 "-e", "trace=listen", "-e", "inject=listen:delay_enter=1500000"]
    # A sanitizer build (SAN=1): LeakSanitizer cannot run under ptrace.
    opts = os.environ.get("ASAN_OPTIONS", "")
    gw.env = {"ASAN_OPTIONS": (opts + ":" if opts else "") + "detect_leaks=0"}
    gateway_pid = None
    try:
        gw.start()      # returns as soon as the path exists
        gateway_pid = int(subprocess.check_output(["pgrep", "-P", str(gw.proc.pid)]).split()[0])
        st = gw.api({"cmd": "status"}, timeout=5.0)
        assert "mqtt" in st, st
        mode = os.stat(gw.sock).st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) & 0o007 == 0, oct(mode)
        sock_dir, name = os.path.split(gw.sock)
        leftovers = [n for n in os.listdir(sock_dir) if n.startswith(name + ".")]
        assert leftovers == [], "temporary socket names left: %s" % leftovers
        with open(os.path.join(str(tmp_path), "strace.log")) as f:
            assert "listen(" in f.read(), "strace did not hold listen()"
    finally:
        if gateway_pid:
            os.kill(gateway_pid, signal.SIGTERM)    # strace exits with its status
            gw.proc.wait(10)
            assert gw.proc.returncode == 0, gw.log()[-3000:]
        else:
            gw.kill()
        broker.stop()
