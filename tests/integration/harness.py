"""Shared pieces of the integration harness: free loopback ports, a private
mosquitto broker, and child processes that are always reaped."""
import os
import signal
import socket
import subprocess
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("DECRAN_BIN", os.path.join(TOP, "build", "bin"))


def bin_path(name):
    return os.path.join(BIN, name)


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=5.0, proc=None):
    """Block until 127.0.0.1:port accepts a connection; raise after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited with %s before listening" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError("nothing listens on 127.0.0.1:%d after %.1fs" % (port, timeout))


def stop(proc, timeout=5.0):
    """SIGTERM, then SIGKILL; never leaves a child behind."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Broker:
    """A private mosquitto on a free loopback port; never a system broker."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="decran-broker-")
        self.port = None
        self.proc = None

    def start(self, port=None):
        self.port = port or self.port or free_port()
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\n"
                    "persistence false\nlog_dest stderr\n" % self.port)
        # Logs through stderr: as root, mosquitto drops to its own user,
        # which may not write into our temporary directory.
        self.log = open(os.path.join(self.dir, "mosquitto.log"), "ab")
        self.proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        wait_port(self.port, proc=self.proc)
        return self

    def stop(self):
        stop(self.proc)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def restart(self):
        self.stop()
        return self.start(self.port)
