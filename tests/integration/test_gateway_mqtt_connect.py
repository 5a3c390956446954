"""The gateway's loop never waits for the broker: while a connection to a
broker whose packets go nowhere is pending, the control socket answers; when
a real broker comes up on that address, the gateway connects and works.

The black hole stays on loopback: a listening socket with a backlog of 0
whose single accept-queue slot is taken by a connection nobody accepts, so
the kernel drops every further SYN and a blocking connect() hangs."""
import socket
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
