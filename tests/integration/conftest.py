"""pytest fixtures reused by every integration test."""
import logging
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Broker, bin_path  # noqa: E402

# pymodbus logs every framing error of its pty servers; a server whose peer
# went away could log without end, and pytest keeps captured logs in memory.
# Interop tests assert on behaviour, not on the peer's log lines.
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
logging.getLogger("pymodbus").propagate = False


@pytest.fixture(scope="session")
def broker():
    """One private mosquitto per test run, stopped even when tests fail."""
    b = Broker().start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def db(tmp_path):
    """Path of a fresh inventory database in the test's own directory."""
    return str(tmp_path / "decran.db")


@pytest.fixture
def decran(db):
    """Run the decran CLI against the test's database; returns CompletedProcess."""
    def run(*args, env=None, input=None, lang="fr_FR.UTF-8"):
        e = dict(os.environ, LANG=lang, LC_ALL="", DECRAN_DB=db)
        if env:
            e.update(env)
        return subprocess.run([bin_path("decran"), *args], env=e, input=input,
                              capture_output=True, text=True, timeout=60)
    return run


@pytest.fixture(scope="module")
def fleet_broker():
    """A private mosquitto sized for a 2,000-channel fleet: the default
    queue (1,000 messages per client) would drop the retained states a
    gateway reads back at start, as it would on a production broker
    configured the same way (docs/gateway.md)."""
    b = Broker(extra="max_queued_messages 100000\n").start()
    try:
        yield b
    finally:
        b.stop()
