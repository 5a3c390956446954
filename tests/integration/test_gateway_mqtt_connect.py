"""The gateway's loop never waits for the broker: while a connection to a
broker whose packets go nowhere is pending, the control socket answers; when
a real broker comes up on that address, the gateway connects and works.

The black hole stays on loopback: a listening socket with a backlog of 0
whose single accept-queue slot is taken by a connection nobody accepts, so
the kernel drops every further SYN and a blocking connect() hangs."""
import socket
import threading
import time

import pytest

from gwtest import PARIS_2200, Gateway, Tasmota, add_screen, wait_for
from harness import Broker, MqttProbe, free_port

BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]
PENDING_S = 12          # more than the test config's connect timeout (keepalive_s = 5)


class BlackHole:
    def __init__(self, port):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", port))
        self.lsock.listen(0)
        self.filler = socket.create_connection(("127.0.0.1", port), timeout=2)
        # The premise, proved here: a blocking connect to it does not complete.
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.settimeout(1.5)
        try:
            with pytest.raises(socket.timeout):
                probe.connect(("127.0.0.1", port))
        finally:
            probe.close()

    def close(self):
        self.filler.close()
        self.lsock.close()


def assert_answers_while_pending(gw, seconds):
    """The control socket answers {"cmd":"status"} within 2 s, every time,
    for `seconds`, and says MQTT is down."""
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        st = gw.api({"cmd": "status"}, timeout=2.0)
        assert st["mqtt"] is False, st
        n += 1
        time.sleep(0.1)
    assert n >= seconds * 2, "only %d answers in %d s" % (n, seconds)


def test_start_against_a_black_hole_then_the_broker_comes(tmp_path, db, decran):
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    port = free_port()
    hole = BlackHole(port)
    broker = Broker()
    broker.port = port
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1")
    tas = None
    try:
        gw.start()
        assert_answers_while_pending(gw, PENDING_S)
        hole.close()
        hole = None
        broker.start(port)
        tas = Tasmota(broker, "kiosque", 2).connect()
        wait_for(lambda: gw.api({"cmd": "status"}, timeout=2.0)["mqtt"], timeout=30,
                 what="gateway connected to the broker that came up")
        wait_for(lambda: not tas.state[1], timeout=15,
                 what="advertising switched off once connected")
        assert gw.proc.poll() is None
    finally:
        if tas:
            tas.close()
        gw.stop()
        if hole:
            hole.close()
        broker.stop()


def test_broker_turns_into_a_black_hole_then_comes_back(tmp_path, db):
    broker = Broker().start()
    gw = Gateway(tmp_path, broker, BOXES, db)
    hole = None
    try:
        gw.start()
        gw.wait_log(r"info mqtt: connected")
        broker.stop()
        hole = BlackHole(broker.port)
        wait_for(lambda: not gw.api({"cmd": "status"}, timeout=2.0)["mqtt"], timeout=10,
                 what="gateway saw the broker go")
        assert_answers_while_pending(gw, PENDING_S)
        hole.close()
        hole = None
        broker.start(broker.port)
        probe = MqttProbe(broker.port, topics=("decran/gateway/status",))
        try:
            wait_for(lambda: gw.log().count("info mqtt: connected") >= 2, timeout=30,
                     what="gateway reconnected")
            probe.wait("decran/gateway/status", lambda j: j.get("online") is True,
                       timeout=10)
        finally:
            probe.close()
        assert gw.proc.poll() is None
    finally:
        gw.stop()
        if hole:
            hole.close()
        broker.stop()


class V311Broker:
    """A broker that predates MQTT v5: a v5 CONNECT gets the v3.1.1 answer
    "unacceptable protocol version"; a v3.1.1 one is accepted, and its
    PINGREQ, SUBSCRIBE and QoS 1 PUBLISH answered."""

    def __init__(self):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.lsock.settimeout(0.2)
        self.port = self.lsock.getsockname()[1]
        self.levels = []
        self.stopping = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    @staticmethod
    def packet(conn):
        head = conn.recv(1)
        if not head:
            return None, b""
        n, shift = 0, 0
        while True:
            b = conn.recv(1)[0]
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        body = b""
        while len(body) < n:
            chunk = conn.recv(n - len(body))
            if not chunk:
                return None, b""
            body += chunk
        return head[0], body

    def serve(self, conn):
        kind, body = self.packet(conn)
        level = body[6]         # after the protocol name "\0\4MQTT"
        self.levels.append(level)
        if level != 4:
            conn.sendall(b"\x20\x02\x00\x01")
            return
        conn.sendall(b"\x20\x02\x00\x00")
        while not self.stopping:
            kind, body = self.packet(conn)
            if kind is None:
                return
            if kind >> 4 == 12:                       # PINGREQ
                conn.sendall(b"\xd0\x00")
            elif kind >> 4 == 8:                      # SUBSCRIBE: grant QoS 1
                conn.sendall(bytes([0x90, 3]) + body[:2] + b"\x01")
            elif kind >> 4 == 3 and (kind >> 1) & 3:  # PUBLISH QoS 1: PUBACK
                tl = int.from_bytes(body[:2], "big")
                conn.sendall(b"\x40\x02" + body[2 + tl:4 + tl])

    def run(self):
        while not self.stopping:
            try:
                conn, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:     # closed by close()
                return
            conn.settimeout(None)
            threading.Thread(target=self.guard, args=(conn,), daemon=True).start()

    def guard(self, conn):
        try:
            self.serve(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stopping = True
        self.lsock.close()


def test_a_broker_without_mqtt5_gets_mqtt311(tmp_path, db):
    """The gateway speaks MQTT v5 (message expiry) and falls back to v3.1.1
    when the broker refuses v5: it connects and stays connected."""
    fake = V311Broker()
    broker = Broker()
    broker.port = fake.port
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1")
    try:
        gw.start()
        wait_for(lambda: gw.api({"cmd": "status"})["mqtt"] is True, timeout=20,
                 what="connected in v3.1.1")
        assert fake.levels[0] == 5 and 4 in fake.levels, fake.levels
        time.sleep(1)
        assert gw.api({"cmd": "status"})["mqtt"] is True
    finally:
        gw.stop()
        fake.close()
