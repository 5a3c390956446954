"""decran-relay over a real mosquitto: commands, retained state, idempotence,
last will, and rejection of malformed or oversized messages."""
import json
import os
import signal
import subprocess
import time

import pytest

from harness import MqttProbe, Relay, bin_path


@pytest.fixture
def relay(tmp_path, broker):
    r = Relay(tmp_path, broker.port).start()
    yield r
    r.stop()


@pytest.fixture
def probe(broker):
    p = MqttProbe(broker.port)
    yield p
    p.close()


def online(probe, relay):
    probe.wait(relay.topic("status"), lambda j: j["online"] is True)


def test_command_switches_relay_and_retains_state(relay, probe, broker):
    online(probe, relay)
    assert relay.relays() == {1: 0, 2: 0}
    probe.publish(relay.topic("cmd/1"), {"v": 1, "id": "c-1", "on": True})
    relay.wait_relay(1, 1)
    assert relay.relays()[2] == 0
    _, st = probe.wait(relay.topic("state/1"), lambda j: j["on"] is True)
    assert st["src"] == "gateway" and st["id"] == "c-1" and st["ch"] == 1 and st["v"] == 1
    _, res = probe.wait(relay.topic("result"), lambda j: j["id"] == "c-1")
    assert res["ok"] is True and res["dup"] is False and res["on"] is True
    # A late subscriber gets the retained state, as the gateway would after a restart.
    late = MqttProbe(broker.port, topics=[relay.topic("state/+")])
    try:
        _, st2 = late.wait(relay.topic("state/1"))
        assert st2["on"] is True and st2["id"] == "c-1"
        assert [m for m in late.msgs if m[0] == relay.topic("state/1")][0][2] == 1
    finally:
        late.close()
    # persisted (before the result is sent) for the next boot
    assert relay.state_file("state.json")["ch"]["1"]["id"] == "c-1"


def test_duplicate_command_id_is_applied_once(relay, probe):
    online(probe, relay)
    probe.publish(relay.topic("cmd/2"), {"v": 1, "id": "dup-a", "on": True})
    relay.wait_relay(2, 1)
    probe.publish(relay.topic("cmd/2"), {"v": 1, "id": "dup-b", "on": False})
    relay.wait_relay(2, 0)
    probe.wait(relay.topic("result"), lambda j: j["id"] == "dup-b")
    n_states = probe.count(relay.topic("state/2"))
    # The first command redelivered: answered again, not applied again.
    probe.publish(relay.topic("cmd/2"), {"v": 1, "id": "dup-a", "on": True})
    _, res = probe.wait(relay.topic("result"), lambda j: j["id"] == "dup-a" and j["dup"])
    assert res["on"] is True and res["ch"] == 2
    time.sleep(0.2)
    assert relay.relays()[2] == 0
    assert probe.count(relay.topic("state/2")) == n_states


def test_last_will_after_sigkill(relay, probe):
    online(probe, relay)
    since = len(probe.msgs)
    relay.proc.send_signal(signal.SIGKILL)
    relay.proc.wait()
    _, st = probe.wait(relay.topic("status"), lambda j: j["online"] is False, since=since,
                       timeout=15)
    assert st["v"] == 1 and "fw" in st


def test_clean_stop_publishes_offline(relay, probe):
    online(probe, relay)
    since = len(probe.msgs)
    relay.stop()
    probe.wait(relay.topic("status"), lambda j: j["online"] is False, since=since)


BAD = [
    ("cmd/1", b"", "JSON"),
    ("cmd/1", b"on", "JSON"),
    ("cmd/1", b'{"v":1,"id":"x1"}', "on:"),
    ("cmd/1", b'{"v":2,"id":"x2","on":true}', "v:"),
    ("cmd/1", b'{"v":1,"id":"has space","on":true}', "id:"),
    ("cmd/1", b'{"v":1,"id":"x3","on":true,"pad":"' + b"x" * 400 + b'"}', "too large"),
    ("cmd/9", b'{"v":1,"id":"x4","on":true}', "channel"),
    ("cmd/0", b'{"v":1,"id":"x5","on":true}', "channel"),
    ("fallback", b'{"v":1,"box":"box-1"}', "gen"),
    ("fallback", b"[" * 200000, "too large"),
    ("fallback", json.dumps({"v": 1, "box": "other", "gen": 1, "from": 1, "until": 99,
                             "ch": {}}).encode(), "another box"),
    ("journal/ack", b'{"v":1,"upto":"all"}', "upto"),
    # One JSON value per message: a valid command followed by anything is
    # refused whole (it would light channel 2).
    ("cmd/2", b'{"v":1,"id":"j1","on":true}x', "JSON"),
    ("cmd/2", b'{"v":1,"id":"j2","on":true}\x00{"v":1}', "JSON"),
    ("cmd/2", b'{"v":1,"id":"j3","on":true}{"v":1,"id":"j4","on":true}', "JSON"),
    ("fallback", json.dumps({"v": 1, "box": "box-1", "gen": 1, "from": 1, "until": 99,
                             "ch": {"2": {"s": 1, "t": []}}}).encode() + b"{}", "JSON"),
    # An offset no integer holds (undefined behaviour before it was checked).
    ("fallback", b'{"v":1,"box":"box-1","gen":1,"from":1,"until":99,'
                 b'"ch":{"2":{"s":1,"t":[1e300]}}}', "t[0]"),
    ("journal/ack", b'{"v":1,"upto":3} 4', "JSON"),
]


def test_malformed_and_oversized_payloads_are_reported_and_ignored(relay, probe):
    online(probe, relay)
    probe.publish(relay.topic("cmd/1"), {"v": 1, "id": "good", "on": True})
    relay.wait_relay(1, 1)
    probe.wait(relay.topic("result"), lambda j: j["id"] == "good")
    state_before = relay.state_file("state.json")
    for rest, payload, why in BAD:
        since = len(probe.msgs)
        probe.publish(relay.topic(rest), payload)
        _, err = probe.wait(relay.topic("error"), lambda j, r=rest: j["topic"].endswith(r),
                            since=since)
        assert why in err["error"], (rest, err)
    # gateway status is checked too
    since = len(probe.msgs)
    probe.publish("decran/gateway/status", b'{"v":1,"online":"yes"}')
    probe.wait(relay.topic("error"), lambda j: j["topic"] == "decran/gateway/status", since=since)
    since = len(probe.msgs)
    probe.publish("decran/gateway/status", b'{"v":1,"online":false}{"v":1,"online":true}')
    _, err = probe.wait(relay.topic("error"), lambda j: j["topic"] == "decran/gateway/status",
                        since=since)
    assert "JSON" in err["error"]
    assert relay.relays() == {1: 1, 2: 0}
    assert relay.state_file("state.json") == state_before
    assert not os.path.exists(os.path.join(relay.state_dir, "fallback.json"))
    _, st = probe.wait(relay.topic("status"))
    # still alive and answering
    probe.publish(relay.topic("cmd/1"), {"v": 1, "id": "good2", "on": False})
    relay.wait_relay(1, 0)


def test_check_config(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"box": "b", "channels": [{"channel": 1, "line": 5}]}))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"box": "b", "channels": [
        {"channel": 1, "line": 5}, {"channel": 2, "line": 6}, {"channel": 3, "line": -4}]}))
    exe = bin_path("decran-relay")
    r = subprocess.run([exe, "--check-config", str(good)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "configuration OK"
    r = subprocess.run([exe, "--check-config", str(bad)], capture_output=True, text=True,
                       env=dict(os.environ, LANG="fr_FR.UTF-8", LC_ALL=""))
    assert r.returncode == 1
    assert "channels[2].line" in r.stderr and "entier" in r.stderr
    r = subprocess.run([exe, "--check-config", str(bad)], capture_output=True, text=True,
                       env=dict(os.environ, LANG="en_US.UTF-8", LC_ALL=""))
    assert "channels[2].line: must be an integer" in r.stderr
    example = os.path.join(os.path.dirname(bin_path("x")), "..", "..", "firmware",
                           "decran-relay.json.example")
    r = subprocess.run([exe, "--check-config", example], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_check_config_reads_the_secret_files(tmp_path):
    """--check-config checks what the service would read at start: the
    broker's password file and the command key (present, the owner's alone,
    well formed); relative names are systemd credentials, checked only where
    CREDENTIALS_DIRECTORY is set."""
    exe = bin_path("decran-relay")
    env = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}
    env.update(LANG="en_US.UTF-8", LC_ALL="")
    pw, key = tmp_path / "pw", tmp_path / "box.key"
    conf = tmp_path / "relay.json"

    def check(password_file, key_file, extra_env=None):
        conf.write_text(json.dumps({
            "box": "b", "channels": [{"channel": 1, "line": 5}],
            "mqtt": {"host": "127.0.0.1", "username": "b", "password_file": password_file},
            "command_key_file": key_file}))
        return subprocess.run([exe, "--check-config", str(conf)], capture_output=True, text=True,
                              env=dict(env, **(extra_env or {})))

    r = check(str(pw), str(key))
    assert r.returncode == 1 and "password_file" in r.stderr and "no such file" in r.stderr, r
    pw.write_text("s3cret\n")
    pw.chmod(0o644)
    r = check(str(pw), str(key))
    assert r.returncode == 1 and "readable by others" in r.stderr, r
    pw.chmod(0o600)
    r = check(str(pw), str(key))
    assert r.returncode == 1 and "command_key_file" in r.stderr, r
    key.write_text("not hex\n")
    key.chmod(0o600)
    r = check(str(pw), str(key))
    assert r.returncode == 1 and "command_key_file" in r.stderr, r
    key.write_text(os.urandom(32).hex() + "\n")
    r = check(str(pw), str(key))
    assert r.returncode == 0 and r.stdout.strip() == "configuration OK", r
    # Relative: systemd credentials.  By hand, named as not checked...
    r = check("mqtt-password", "box.key")
    assert r.returncode == 0, r
    assert "mqtt-password: a systemd credential" in r.stdout and "box.key:" in r.stdout, r
    # ...inside the service, read from its credentials directory.
    r = check("pw", "missing.key", {"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert r.returncode == 1 and "missing.key" in r.stderr, r
    r = check("pw", "box.key", {"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert r.returncode == 0 and "configuration OK" in r.stdout, r


def test_systemd_notify_ready_watchdog_stopping(tmp_path, broker):
    """Type=notify: READY=1 once running, WATCHDOG=1 every WatchdogSec/2,
    STOPPING=1 on SIGTERM (the sd_notify datagram protocol, read here from
    our own socket)."""
    import socket
    path = str(tmp_path / "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(5)
    relay = Relay(tmp_path, broker.port)
    try:
        relay.start({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
        got = []
        while got.count("WATCHDOG=1") < 3:
            got += s.recv(4096).decode().split("\n")
        assert got[0] == "READY=1"
        relay.stop()
        while "STOPPING=1" not in got:
            got += s.recv(4096).decode().split("\n")
    finally:
        relay.stop()
        s.close()
