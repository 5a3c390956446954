"""decran-relay goes dark when it fails (hw/watchdog.md): it feeds the
hardware watchdog from its loop and stops when the loop hangs; it drives its
outputs to their safe state on every way out; and `--safe-state` (the unit's
ExecStopPost) does it after a SIGKILL or a crash.  The watchdog device is a
regular file here: each feed is one byte written to it."""
import json
import os
import signal
import subprocess
import time

import pytest

from harness import MqttProbe, Relay, bin_path


def size(path):
    return os.path.getsize(path)


def wait_for(pred, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def box(tmp_path, broker, watchdog=None, **kw):
    """A box whose channel 2 is normally closed and lit when the box fails
    (an information screen the city chose to keep lit)."""
    extra = {"channels": [{"channel": 1, "line": 5},
                          {"channel": 2, "line": 6, "wiring": "NC", "safe_state": "on",
                           "advertising": False}]}
    if watchdog is not None:
        extra["watchdog"] = watchdog
    extra.update(kw)
    return Relay(tmp_path, broker.port, extra=extra)


def switch(relay, probe, ch, on, cid):
    probe.publish(relay.topic("cmd/%d" % ch), {"v": 1, "id": cid, "on": on})
    relay.wait_relay(ch, int(on))


def test_watchdog_fed_from_the_loop_and_starved_when_it_hangs(tmp_path, broker):
    dev = str(tmp_path / "watchdog")
    open(dev, "w").close()
    relay = box(tmp_path, broker, watchdog={"device": dev, "timeout_s": 3})
    relay.start(env_extra={"DECRAN_RELAY_TEST_HANG": "1"})
    probe = MqttProbe(broker.port)
    try:
        probe.wait(relay.topic("status"), lambda j: j["online"])
        # Fed at start, then every timeout/3 = 1 s.
        wait_for(lambda: size(dev) >= 3, "the watchdog was not fed: " + relay.logtext())
        with open(dev, "rb") as f:
            assert set(f.read()) == {ord("k")}
        switch(relay, probe, 1, True, "wd-1")
        relay.proc.send_signal(signal.SIGUSR2)     # the loop hangs
        wait_for(lambda: "loop hung" in relay.logtext(), "the hang hook did not fire")
        fed = size(dev)
        time.sleep(2.5)                            # more than two feeding periods
        assert size(dev) == fed, "a hung loop must not feed the watchdog"
        # The board would reboot now; the outputs stay as the hang left them
        # until then (hw/watchdog.md).  A killed process is cleaned up by
        # ExecStopPost.  (Channel 2 booted in its safe state, on: no
        # schedule yet.)
        assert relay.relays() == {1: 1, 2: 1}
        relay.proc.kill()
        relay.proc.wait()
        r = subprocess.run([bin_path("decran-relay"), "-c", relay.conf, "--safe-state"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert relay.relays() == {1: 0, 2: 1}
    finally:
        probe.close()
        relay.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_drives_safe_state_and_says_so(tmp_path, broker, sig):
    dev = str(tmp_path / "watchdog")
    open(dev, "w").close()
    relay = box(tmp_path, broker, watchdog={"device": dev, "timeout_s": 30})
    relay.start()
    probe = MqttProbe(broker.port)
    try:
        probe.wait(relay.topic("status"), lambda j: j["online"])
        switch(relay, probe, 1, True, "s-1")
        switch(relay, probe, 2, False, "s-2")
        assert relay.relays() == {1: 1, 2: 0}
        since = len(probe.msgs)
        relay.proc.send_signal(sig)
        assert relay.proc.wait(10) == 0
        assert relay.relays() == {1: 0, 2: 1}
        # The gateway hears the safe states before the box goes offline.
        _, s1 = probe.wait(relay.topic("state/1"), lambda j: j["on"] is False, since=since)
        _, s2 = probe.wait(relay.topic("state/2"), lambda j: j["on"] is True, since=since)
        probe.wait(relay.topic("status"), lambda j: not j["online"], since=since)
        # No magic close unless configured: the timer stays armed.
        with open(dev, "rb") as f:
            assert b"V" not in f.read()
    finally:
        probe.close()
        relay.stop()


def test_magic_close_only_when_configured(tmp_path, broker):
    dev = str(tmp_path / "watchdog")
    open(dev, "w").close()
    relay = box(tmp_path, broker, watchdog={"device": dev, "timeout_s": 30, "magic_close": True})
    relay.start()
    probe = MqttProbe(broker.port)
    try:
        probe.wait(relay.topic("status"), lambda j: j["online"])
        wait_for(lambda: size(dev) >= 1, "the watchdog was not fed")
    finally:
        probe.close()
        relay.stop()
    with open(dev, "rb") as f:
        assert f.read().endswith(b"V")


@pytest.mark.parametrize("fault", ["password", "watchdog"])
def test_startup_failing_after_the_lines_are_claimed_darkens(tmp_path, broker, fault):
    """Boot claims the lines at the schedule's state (channel 1 on); a later
    start-up error must not leave it on."""
    t0 = int(time.time())
    extra = {"password": {"mqtt": {"host": "127.0.0.1", "port": broker.port,
                                   "username": "box",
                                   "password_file": str(tmp_path / "missing")}},
             "watchdog": {"watchdog": {"device": str(tmp_path / "no-such-device")}}}[fault]
    relay = box(tmp_path, broker, **extra)
    os.makedirs(relay.state_dir)
    with open(os.path.join(relay.state_dir, "fallback.json"), "w") as f:
        json.dump({"v": 1, "box": relay.box, "gen": t0 - 60, "from": t0 - 3600,
                   "until": t0 + 86400, "ch": {"1": {"s": 1, "t": []}, "2": {"s": 1, "t": []}}},
                  f)
    env = dict(os.environ, DECRAN_CLOCK_SYNCED="1", LANG="en_US.UTF-8")
    r = subprocess.run([bin_path("decran-relay"), "-c", relay.conf], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "at boot" in r.stderr and ("channel 1: on" in r.stderr), r.stderr
    assert ("password_file" if fault == "password" else "watchdog.device") in r.stderr
    assert relay.relays() == {1: 0, 2: 1}, r.stderr


def test_safe_state_mode_needs_a_valid_configuration(tmp_path):
    conf = tmp_path / "bad.json"
    conf.write_text('{"box":"b","channels":[{"channel":1,"line":5,"wiring":"NC"}]}')
    r = subprocess.run([bin_path("decran-relay"), "-c", str(conf), "--safe-state"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "channels[0].wiring" in r.stderr
