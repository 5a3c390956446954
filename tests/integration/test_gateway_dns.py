"""A broker named by a host name: the name is resolved off the loop.  While
the DNS server drops every query (a network namespace with a black-hole
resolver: tests/integration/dns_blackhole.py), the control socket answers at
once, again and again, before the look-up gives up; a name that resolves
(localhost) connects."""
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from gwtest import Gateway, wait_for
from harness import Broker, free_port

BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]
HERE = os.path.dirname(os.path.abspath(__file__))


def netns_available():
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    return subprocess.run(["unshare", "-rmn", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not netns_available(), reason="no user and network namespaces here")
def test_control_socket_answers_while_the_broker_name_is_looked_up(tmp_path, db):
    broker = Broker()       # never started: only a port number for the config
    broker.port = free_port()
    gw = Gateway(tmp_path, broker, BOXES, db)
    gw.cfg["broker"]["host"] = "broker.decran.test"
    gw.prefix = ["unshare", "-rmn", sys.executable, os.path.join(HERE, "dns_blackhole.py")]
    try:
        gw.start()
        t0 = time.monotonic()
        answers = 0
        # The resolver waits 5 s per try, twice: the look-up is pending for
        # about 10 s, and the loop answers all along.
        while "cannot connect" not in gw.log():
            st = gw.api({"cmd": "status"}, timeout=2.0)
            assert st["mqtt"] is False
            answers += 1
            assert time.monotonic() - t0 < 60, "the look-up never ended"
            time.sleep(0.05)
        assert answers >= 20, "only %d answers while the name was looked up" % answers
        # The look-up failed and was reported; the gateway tries again later.
        assert "broker.decran.test" in gw.log()
        assert gw.api({"cmd": "status"}, timeout=2.0)["mqtt"] is False
        assert gw.proc.poll() is None
    finally:
        gw.stop()


def loopback_name():
    """A host name this machine resolves to 127.0.0.1 (a bare chroot may
    have no /etc/hosts, and then not even "localhost")."""
    for name in ("localhost", "localhost.localdomain", socket.gethostname()):
        try:
            if "127.0.0.1" in {a[4][0] for a in socket.getaddrinfo(name, None, socket.AF_INET)}:
                return name
        except OSError:
            pass
    return None


@pytest.mark.skipif(loopback_name() is None, reason="no host name resolves to 127.0.0.1 here")
def test_a_broker_name_that_resolves_connects(tmp_path, db):
    broker = Broker().start()
    gw = Gateway(tmp_path, broker, BOXES, db)
    name = loopback_name()
    gw.cfg["broker"]["host"] = name
    try:
        gw.start()
        wait_for(lambda: gw.api({"cmd": "status"}, timeout=2.0)["mqtt"], timeout=20,
                 what="connected to the broker named %s" % name)
    finally:
        gw.stop()
        broker.stop()
