"""Both daemons speak the service manager's notify protocol to a real
AF_UNIX datagram socket given as NOTIFY_SOCKET: READY=1 once started,
STATUS= lines with the MQTT link (and, for the gateway, the boxes online),
WATCHDOG=1 at about half of WATCHDOG_USEC whatever the loop's load, and
STOPPING=1 on SIGTERM."""
import os
import socket
import time

from gwtest import PARIS_2200, DecranRelay, Gateway, Tasmota, add_screen, wait_for
from harness import Broker

WATCHDOG_USEC = 1000000     # the daemons must ping every 0.5 s


class NotifySocket:
    """What systemd listens on: one datagram per sd_notify call."""

    def __init__(self, tmp):
        self.path = os.path.join(str(tmp), "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.05)
        self.msgs = []      # (monotonic s, field, value)

    def env(self):
        return {"NOTIFY_SOCKET": self.path, "WATCHDOG_USEC": str(WATCHDOG_USEC)}

    def pump(self):
        try:
            while True:
                data = self.sock.recv(4096).decode()
                now = time.monotonic()
                for line in data.split("\n"):
                    if "=" in line:
                        k, v = line.split("=", 1)
                        self.msgs.append((now, k, v))
        except socket.timeout:
            pass

    def values(self, key):
        self.pump()
        return [v for _, k, v in self.msgs if k == key]

    def wait(self, key, pred=lambda v: True, timeout=15):
        return wait_for(lambda: any(pred(v) for v in self.values(key)), timeout,
                        "notify %s" % key)

    def watchdogs_between(self, t0, t1):
        return sum(1 for t, k, _ in self.msgs if k == "WATCHDOG" and t0 <= t < t1)

    def close(self):
        self.sock.close()


def check_watchdog_cadence(ns, seconds, busy=None):
    """WATCHDOG=1 keeps coming at about half of WATCHDOG_USEC: fewer would
    let systemd kill a healthy daemon, many more would mean a ping per loop
    turn (busy calls `busy` meanwhile to make the loop turn often)."""
    ns.pump()
    t0 = time.monotonic()
    while time.monotonic() < t0 + seconds:
        if busy:
            busy()
        ns.pump()
    t1 = time.monotonic()
    n = ns.watchdogs_between(t0, t1)
    period = WATCHDOG_USEC / 2e6
    assert n >= seconds / (WATCHDOG_USEC / 1e6), "%d WATCHDOG=1 in %.1f s" % (n, t1 - t0)
    assert n <= seconds / period + 2, "%d WATCHDOG=1 in %.1f s: one per loop turn?" % (
        n, t1 - t0)


def test_gateway_notifies_ready_status_watchdog_stopping(tmp_path, db, decran):
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    broker = Broker().start()
    ns = NotifySocket(tmp_path)
    gw = Gateway(tmp_path, broker, [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque",
                                     "channels": 2}], db, clock=PARIS_2200 + ",1")
    gw.env = ns.env()
    tas = None
    try:
        gw.start()
        ns.wait("READY", lambda v: v == "1")
        ns.wait("STATUS", lambda v: v.startswith("MQTT connected") and "0/1 boxes online" in v)
        tas = Tasmota(broker, "kiosque", 2).connect()
        ns.wait("STATUS", lambda v: v == "MQTT connected, 1/1 boxes online")
        # The control socket keeps the loop turning: the pings stay paced.
        check_watchdog_cadence(ns, 3.0, busy=lambda: gw.api({"cmd": "status"}))
        broker.stop()
        ns.wait("STATUS", lambda v: v.startswith("MQTT disconnected"))
        broker.start(broker.port)
        ns.wait("STATUS", lambda v: v.startswith("MQTT connected"), timeout=30)
        assert "STOPPING" not in [k for _, k, _ in ns.msgs]
        gw.stop()
        ns.wait("STOPPING", lambda v: v == "1", timeout=5)
        assert ns.values("READY") == ["1"]      # once
    finally:
        if tas:
            tas.close()
        gw.stop()
        broker.stop()
        ns.close()


def test_relay_notifies_ready_status_watchdog_stopping(tmp_path):
    broker = Broker().start()
    ns = NotifySocket(tmp_path)
    box = DecranRelay(tmp_path, broker, "kiosque", 2, PARIS_2200 + ",1")
    box.env = ns.env()
    try:
        box.start()
        ns.wait("READY", lambda v: v == "1")
        ns.wait("STATUS", lambda v: v.startswith("MQTT connected"))
        check_watchdog_cadence(ns, 2.5)
        broker.stop()
        ns.wait("STATUS", lambda v: v.startswith("MQTT disconnected"))
        box.stop()
        ns.wait("STOPPING", lambda v: v == "1", timeout=5)
    finally:
        box.stop()
        broker.stop()
        ns.close()


def test_web_notifies_ready_watchdog_stopping(tmp_path, db, decran):
    """decran-web's unit has WatchdogSec= too: without WATCHDOG=1 systemd
    would kill a healthy dashboard every 30 s."""
    import subprocess
    from harness import TOP, bin_path
    assert decran("init").returncode == 0
    ns = NotifySocket(tmp_path)
    web = subprocess.Popen(
        [bin_path("decran-web"), "--listen", "127.0.0.1:0", "--db", db,
         "--socket", str(tmp_path / "absent.sock"), "--sessions", str(tmp_path / "s.db"),
         "--assets", os.path.join(TOP, "dashboard")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, LANG="C.UTF-8", **ns.env()))
    try:
        ns.wait("READY", lambda v: v == "1")
        check_watchdog_cadence(ns, 2.5)
        web.terminate()
        assert web.wait(10) == 0
        ns.wait("STOPPING", lambda v: v == "1", timeout=5)
    finally:
        if web.poll() is None:
            web.kill()
            web.wait()
        ns.close()
