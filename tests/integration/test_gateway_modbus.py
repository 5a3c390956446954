"""decran-gateway driving Modbus TCP devices served by pymodbus: a relay
module with read-back, an SDM120 meter, and devices that time out or answer
with exceptions (which must never stall the loop)."""
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time

import pytest

from gwtest import PARIS_2200, Gateway, Tasmota, add_screen, wait_for
from harness import TOP, free_port, stop, wait_port

SIM = os.path.join(os.path.dirname(__file__), "modbus_sim.py")


@pytest.fixture
def modbus_sim(tmp_path):
    procs = []

    def start(*extra):
        port = free_port()
        state = str(tmp_path / ("coils-%d.json" % port))
        p = subprocess.Popen(["/usr/bin/python3", SIM, str(port), state, *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        procs.append(p)
        wait_port(port, proc=p)

        def coils():
            with open(state) as f:
                return json.load(f)
        return port, coils
    yield start
    for p in procs:
        stop(p)


def test_relay_module_and_meter(broker, tmp_path, db, decran, modbus_sim):
    port, coils = modbus_sim()
    add_screen(decran, "pub-lycee", "advertising", "lycee", 1)
    add_screen(decran, "info-lycee", "information", "lycee", 2)
    boxes = [{"id": "lycee", "driver": "modbus-tcp", "host": "127.0.0.1", "port": port,
              "unit": 1, "profile": "generic-coil-relay", "channels": 4, "poll_ms": 200,
              "meter": {"profile": "eastron-sdm120", "unit": 2}}]
    gw = Gateway(tmp_path, broker, boxes, db, clock=PARIS_2200 + ",2").start()
    try:
        gw.wait_log(r"online box=lycee driver=modbus-tcp")
        # Read back before 22:00: on, as the module says; nothing written.
        wait_for(lambda: gw.channel("lycee", 1)["confirmed"] == "on")
        assert coils()[:4] == [1, 1, 1, 1]
        wait_for(lambda: coils()[0] == 0, timeout=10, what="coil 0 cleared at 22:00")
        wait_for(lambda: gw.channel("lycee", 1)["confirmed"] == "off")
        assert coils()[1] == 1
        box = [b for b in gw.api({"cmd": "boxes"})["boxes"] if b["id"] == "lycee"][0]
        wait_for(lambda: [b for b in gw.api({"cmd": "boxes"})["boxes"]][0].get("power_w") == 280.0,
                 what="meter power after the switch (7 coils x 40 W)")
        box = gw.api({"cmd": "boxes"})["boxes"][0]
        assert box["energy_wh"] == 12500.0 and box["online"] is True
        rows = gw.sql("SELECT box, channel, to_state, reason FROM commands")
        assert rows == [("lycee", 1, "off", "policy:advertising-night")]
        wait_for(lambda: gw.sql("SELECT outcome FROM command_outcomes") == [("confirmed",)])
        assert gw.sql("SELECT count(*) FROM meter_readings WHERE box = 'lycee'")[0][0] >= 1
        # Commissioning test through the API: off, on, off on channel 2.
        res = gw.api({"cmd": "relay-test", "box": "lycee", "channel": 2})
        assert res["ok"] and [s["to"] for s in res["steps"]] == ["off", "on", "off"], res
        assert "power_w" in res["steps"][1]
        # The information screen goes back on under the schedule.
        wait_for(lambda: coils()[1] == 1, what="channel 2 back on under the schedule")
    finally:
        gw.stop()


def test_meter_sees_power_while_relay_is_off(broker, tmp_path, db, decran, modbus_sim):
    port, coils = modbus_sim("--bypass")
    add_screen(decran, "pub-bypass", "advertising", "bypass", 1)
    boxes = [{"id": "bypass", "driver": "modbus-tcp", "host": "127.0.0.1", "port": port,
              "unit": 1, "profile": "generic-coil-relay", "channels": 1, "poll_ms": 200,
              "meter": {"profile": "eastron-sdm120", "unit": 2}}]
    gw = Gateway(tmp_path, broker, boxes, db, clock="2026-11-24T02:00:00Z,1").start()
    try:
        wait_for(lambda: coils()[0] == 0, what="relay off")
        gw.wait_log(r"alarm: raised kind=meter box=bypass channel=1 "
                    r"message=\"relay off but 40.0 W measured", timeout=10)
        assert any(a["kind"] == "meter" for a in gw.api({"cmd": "alarms"})["alarms"])
        assert gw.sql("SELECT kind, active FROM alarm_events WHERE kind = 'meter'") == [("meter", 1)]
    finally:
        gw.stop()


def test_timeouts_and_exceptions_do_not_stall_the_loop(broker, tmp_path, db, decran,
                                                        modbus_sim):
    port, coils = modbus_sim()
    # A profile whose read-back address the module does not have: exception 02.
    prof = tmp_path / "profiles"
    shutil.copytree(os.path.join(TOP, "gateway", "profiles"), prof)
    (prof / "far-relay.json").write_text(json.dumps(
        {"v": 1, "kind": "relay", "coil_base": 0, "readback": "coils", "readback_base": 900}))
    add_screen(decran, "pub-dead", "advertising", "dead", 1)
    add_screen(decran, "pub-far", "advertising", "far", 1)
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    boxes = [
        # unit 9 is not served: every request times out
        {"id": "dead", "driver": "modbus-tcp", "host": "127.0.0.1", "port": port, "unit": 9,
         "profile": "generic-coil-relay", "poll_ms": 200},
        {"id": "far", "driver": "modbus-tcp", "host": "127.0.0.1", "port": port, "unit": 1,
         "profile": "far-relay", "poll_ms": 200},
        {"id": "kiosque", "driver": "tasmota", "topic": "kiosque"},
    ]
    tas = Tasmota(broker, "kiosque", 1).connect()
    gw = Gateway(tmp_path, broker, boxes, db, clock=PARIS_2200 + ",2",
                 extra={"profiles_dir": str(prof)}).start()
    try:
        # The MQTT relay switches on time while the Modbus ones fail.
        wait_for(lambda: not tas.state[1], timeout=10, what="tasmota off at 22:00")
        gw.wait_log(r"warn modbus: transaction failed box=dead op=read-back "
                    r"error=\"Connection timed out\"", timeout=10)
        gw.wait_log(r"warn modbus: transaction failed box=far op=read-back "
                    r"error=\"Illegal data address\"", timeout=10)
        gw.wait_log(r"alarm: raised kind=offline box=dead", timeout=10)
        # The write itself is accepted by "far" (coil 0 exists): the switch
        # happens, but with no read-back it is never confirmed.
        wait_for(lambda: coils()[0] == 0, timeout=10, what="far coil written")
        gw.wait_log(r"alarm: raised kind=unconfirmed box=far channel=1", timeout=10)
        assert gw.proc.poll() is None
        st = gw.api({"cmd": "status"}, timeout=2)
        assert st["ok"]
    finally:
        gw.stop()
        tas.close()


class LyingModule:
    """A Modbus TCP peer on a real socket that answers every request with
    "all coils off" under a header that does not match the request: another
    unit id, or another transaction id (a stale or misrouted reply)."""

    def __init__(self, lie):
        self.lie = lie
        self.requests = 0
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(4)
        self.srv.settimeout(0.2)
        self.port = self.srv.getsockname()[1]
        self.done = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.done:
            try:
                c, _ = self.srv.accept()
            except OSError:
                continue
            c.settimeout(0.2)
            buf = b""
            while not self.done:
                try:
                    d = c.recv(260)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not d:
                    break
                buf += d
                while len(buf) >= 8 and len(buf) >= 6 + struct.unpack(">H", buf[4:6])[0]:
                    n = 6 + struct.unpack(">H", buf[4:6])[0]
                    req, buf = buf[:n], buf[n:]
                    self.requests += 1
                    tid, unit, fc = struct.unpack(">H", req[:2])[0], req[6], req[7]
                    if self.lie == "unit":
                        unit = (unit + 1) % 256
                    else:
                        tid = (tid + 1) % 65536
                    if fc in (1, 2):
                        pdu = bytes([fc, 1, 0])          # every bit off
                    else:
                        pdu = req[7:12]                  # writes echoed
                    c.sendall(struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu)
            c.close()

    def close(self):
        self.done = True
        self.thread.join(2)
        self.srv.close()


@pytest.mark.parametrize("lie", ["unit", "tid"])
def test_replies_with_another_unit_or_transaction_are_refused(broker, tmp_path, db, decran,
                                                              lie):
    """A reply that is not the answer to our request (unit id or transaction
    id differ) is a failed transaction: the device does not count as online
    and its "off" is not taken as the relay's state."""
    mod = LyingModule(lie)
    add_screen(decran, "pub-menteur", "advertising", "menteur", 1)
    boxes = [{"id": "menteur", "driver": "modbus-tcp", "host": "127.0.0.1", "port": mod.port,
              "unit": 1, "profile": "generic-coil-relay", "channels": 1, "poll_ms": 200}]
    gw = Gateway(tmp_path, broker, boxes, db, clock="2026-11-23T12:00:00Z,1").start()
    try:
        gw.wait_log(r"warn modbus: transaction failed box=menteur op=read-back", timeout=10)
        wait_for(lambda: mod.requests >= 3, what="a few polls")
        box = gw.api({"cmd": "boxes"})["boxes"][0]
        assert box["online"] is not True, box
        assert gw.channel("menteur", 1)["confirmed"] is None
        assert "online box=menteur" not in gw.log()
        if lie == "unit":
            gw.wait_log(r"reply refused box=menteur unit=1 error=\"unit id 2, expected 1\"")
    finally:
        gw.stop()
        mod.close()


def test_rtu_bus_over_a_pty(broker, tmp_path, db, decran):
    from gwtest import RtuModule
    mod = RtuModule()
    add_screen(decran, "pub-ecole", "advertising", "ecole", 1)
    add_screen(decran, "info-ecole", "information", "ecole", 2)
    boxes = [{"id": "ecole", "driver": "modbus-rtu", "bus": "rs485-1", "unit": 1,
              "profile": "generic-coil-relay", "channels": 2, "poll_ms": 300,
              "meter": {"profile": "eastron-sdm120", "unit": 2}}]
    gw = Gateway(tmp_path, broker, boxes, db, clock=PARIS_2200 + ",2",
                 extra={"buses": [{"id": "rs485-1", "device": mod.path, "baud": 19200,
                                   "parity": "N", "timeout_ms": 300}]})
    gw.start()
    try:
        gw.wait_log(r"online box=ecole driver=modbus-rtu", timeout=10)
        gw.wait_log(r"debug modbus: poll cycle bus=rs485-1 devices=1 ms=\d+\.\d\n")
        wait_for(lambda: mod.coil(1) == 0, timeout=10, what="coil 0 cleared over RS-485")
        wait_for(lambda: gw.channel("ecole", 1)["confirmed"] == "off", timeout=10)
        assert mod.coil(2) == 1
        box = gw.api({"cmd": "boxes"})["boxes"][0]
        wait_for(lambda: gw.api({"cmd": "boxes"})["boxes"][0].get("energy_wh") == 3250.0,
                 what="SDM120 energy over RTU")
    finally:
        gw.stop()
        mod.close()


def test_libmodbus_server_of_a_relay_box(broker, tmp_path, db, decran):
    """decran-relay's Modbus TCP server (libmodbus) driven as a relay module."""
    from gwtest import DecranRelay
    port = free_port()
    box = DecranRelay(tmp_path, broker, "plc-box", 2, PARIS_2200 + ",1")
    cfg = json.load(open(box.conf))
    cfg["modbus_tcp"] = {"listen": "127.0.0.1", "port": port}
    cfg["mqtt"]["port"] = 1      # not on MQTT: only driven over Modbus here
    json.dump(cfg, open(box.conf, "w"))
    box.start()
    wait_port(port, proc=box.proc)
    add_screen(decran, "pub-plc", "advertising", "plc", 1)
    boxes = [{"id": "plc", "driver": "modbus-tcp", "host": "127.0.0.1", "port": port,
              "unit": 1, "profile": "generic-coil-relay", "channels": 2, "poll_ms": 200}]
    gw = Gateway(tmp_path, broker, boxes, db, clock=PARIS_2200 + ",2").start()
    try:
        gw.wait_log(r"online box=plc driver=modbus-tcp", timeout=10)
        # The box booted to its safe state (off) with no schedule of its own:
        # its arbitration refuses "on" with a Modbus exception, which the
        # gateway logs and retries; at 22:00 the schedule wants off, which the
        # box already is: the pending command is superseded, nothing is sent.
        gw.wait_log(r"warn modbus: transaction failed box=plc op=write "
                    r"error=\"Illegal data value\"", timeout=10)
        wait_for(lambda: gw.sql("SELECT outcome FROM command_outcomes") == [("superseded",)],
                 timeout=10, what="on-command superseded at 22:00")
        assert gw.channel("plc", 1)["confirmed"] == "off"
        assert box.relays()[1] == 0
    finally:
        gw.stop()
        box.stop()


def test_sdm120_served_by_libmodbus(broker, tmp_path, db):
    """The SDM120 as libmodbus serves it (tests/helpers/sdm120_tcp), not
    pymodbus: readings reach the API and the database; exception replies,
    replies of the wrong length and non-numbers are logged and ignored."""
    from gwtest import Sdm120Tcp
    meter = Sdm120Tcp(power=115.5, energy_kwh=1234.5)
    boxes = [{"id": "gare", "driver": "modbus-tcp", "host": "127.0.0.1", "port": meter.port,
              "unit": 1, "profile": "generic-coil-relay", "channels": 2, "poll_ms": 200,
              "meter": {"profile": "eastron-sdm120", "unit": 2}}]
    gw = Gateway(tmp_path, broker, boxes, db, clock="2026-11-23T11:00:00Z,1").start()

    def box():
        return gw.api({"cmd": "boxes"})["boxes"][0]
    try:
        gw.wait_log(r"online box=gare driver=modbus-tcp")
        gw.wait_log(r"debug modbus: poll cycle bus=tcp-0 devices=1 ms=\d+\.\d\n")
        wait_for(lambda: box().get("energy_wh") == 1234500.0, what="SDM120 energy")
        assert box()["power_w"] == 115.5
        wait_for(lambda: len(gw.sql("SELECT * FROM meter_readings")) == 2)
        assert sorted(gw.sql("SELECT box, channel, quantity, value FROM meter_readings")) == [
            ("gare", 0, "energy_wh", 1234500.0), ("gare", 0, "power_w", 115.5)]
        meter.send("power 7.25")
        wait_for(lambda: box().get("power_w") == 7.25, what="new power reading")

        meter.send("fault exception")
        gw.wait_log(r"warn modbus: transaction failed box=gare op=meter "
                    r"error=\"Slave device or server failure\"")
        meter.send("fault count")
        gw.wait_log(r"warn modbus: transaction failed box=gare op=meter "
                    r"error=\"Invalid data\"")
        meter.send("fault none")
        meter.send("power nan")
        gw.wait_log(r"warn modbus: meter value rejected box=gare address=12 raw=0x7fc00000")
        # Nothing of it reached the readings, the relay side or the loop.
        assert box()["power_w"] == 7.25 and box()["energy_wh"] == 1234500.0
        meter.send("power 42")
        wait_for(lambda: box().get("power_w") == 42.0, what="readings again")
        b = box()
        assert b["online"] is True
        assert [c["confirmed"] for c in b["channel_states"]] == ["on", "on"]
        # A meter's failures are the meter's: the relay module answered all
        # along, so the box never went offline, and a dropped link was not
        # used again before the next poll reconnected it.
        assert "offline box=gare" not in gw.log()
        assert "Bad file descriptor" not in gw.log()
        assert gw.api({"cmd": "status"}, timeout=2)["ok"]
    finally:
        gw.stop()
        meter.close()


def test_modbus_workers_sleep_between_polls(broker, tmp_path, db):
    """Between two polls a worker waits on its condition variable; it must
    sleep there, not spin (a deadline on the wrong clock returns at once)."""
    from gwtest import Sdm120Tcp
    meter = Sdm120Tcp(power=10.0, energy_kwh=1.0)
    boxes = [{"id": "calme", "driver": "modbus-tcp", "host": "127.0.0.1", "port": meter.port,
              "unit": 1, "profile": "generic-coil-relay", "channels": 2, "poll_ms": 1000,
              "meter": {"profile": "eastron-sdm120", "unit": 2}}]
    gw = Gateway(tmp_path, broker, boxes, db, clock="2026-11-23T11:00:00Z,1").start()

    def cpu_s():
        with open("/proc/%d/stat" % gw.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    try:
        gw.wait_log(r"online box=calme driver=modbus-tcp")
        before, t0 = cpu_s(), time.monotonic()
        time.sleep(2)
        used, wall = cpu_s() - before, time.monotonic() - t0
        assert used < 0.25 * wall, "%.2f s of CPU in %.2f s with one box polled each second" % (
            used, wall)
    finally:
        gw.stop()
        meter.close()
