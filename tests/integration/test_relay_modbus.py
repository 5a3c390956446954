"""decran-relay's Modbus side: the local Modbus TCP server driven by Debian's
mbpoll (an independent client) and by pymodbus, and the RS-485 meter read
over a real pseudo-terminal pair from a pymodbus Modbus RTU server."""
import calendar
import json
import os
import pty
import re
import subprocess
import time

import pytest

from harness import MqttProbe, PtyModbusServer, Relay, float32_regs, free_port, wait_port

T0 = calendar.timegm(time.strptime("2026-11-23T20:00:00Z", "%Y-%m-%dT%H:%M:%SZ"))


def box_with_schedule(tmp_path, broker, extra):
    """Channels 1-3; the persisted schedule allows 1 on, wants 2 off; 3 on."""
    relay = Relay(tmp_path, broker.port, channels=(1, 2, 3),
                  clock="2026-11-23T20:00:00Z,1", extra=extra)
    os.makedirs(relay.state_dir)
    with open(os.path.join(relay.state_dir, "fallback.json"), "w") as f:
        json.dump({"v": 1, "box": relay.box, "gen": T0 - 60, "from": T0 - 3600,
                   "until": T0 + 86400,
                   "ch": {"1": {"s": 0, "t": [5400]}, "2": {"s": 0, "t": []},
                          "3": {"s": 1, "t": []}}}, f)
    return relay.start()


def mb_read(port, table, ref, count):
    r = subprocess.run(["mbpoll", "-m", "tcp", "-a", "1", "-p", str(port), "-0", "-1",
                        "-o", "2", "-t", table, "-r", str(ref), "-c", str(count), "127.0.0.1"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stdout + r.stderr
    return [float(v) for v in re.findall(r"^\[\d+\]:\s+(\S+)", r.stdout, re.M)]


def mb_write_coil(port, ref, value):
    return subprocess.run(["mbpoll", "-m", "tcp", "-a", "1", "-p", str(port), "-0", "-1",
                           "-o", "2", "-t", "0", "-r", str(ref), "127.0.0.1", str(value)],
                          capture_output=True, text=True, timeout=20)


@pytest.fixture
def mbbox(tmp_path, broker):
    port = free_port()
    relay = box_with_schedule(tmp_path, broker,
                              {"modbus_tcp": {"listen": "127.0.0.1", "port": port}})
    wait_port(port, proc=relay.proc)
    relay.mbport = port
    yield relay
    relay.stop()


def wait_journal(relay, pred, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hits = [e for e in relay.state_file("journal.json")["entries"] if pred(e)]
        if hits:
            return hits
        time.sleep(0.01)
    raise TimeoutError(relay.state_file("journal.json"))


def test_mbpoll_reads_and_writes_coils_under_arbitration(mbbox):
    port = mbbox.mbport
    # Boot at 20:00 with a trusted clock: 1 off (until 20:30), 2 off, 3 on.
    assert mb_read(port, "0", 0, 3) == [0, 0, 1]
    # Switching off is always allowed.
    r = mb_write_coil(port, 2, 0)
    assert r.returncode == 0, r.stdout + r.stderr
    assert mbbox.relays() == {1: 0, 2: 0, 3: 0}
    assert mbbox.state_file("state.json")["ch"]["3"]["src"] == "local"
    wait_journal(mbbox, lambda e: e["src"] == "local" and e["ch"] == 3 and not e["on"])
    # Switching on where the schedule says off: Modbus exception, nothing moves.
    r = mb_write_coil(port, 1, 1)
    assert r.returncode != 0
    assert "Illegal data value" in r.stdout + r.stderr
    assert mbbox.relays()[2] == 0
    # Back on where the schedule allows it.
    r = mb_write_coil(port, 2, 1)
    assert r.returncode == 0, r.stdout + r.stderr
    mbbox.wait_relay(3, 1)
    # Channel 4 is not wired on this box.
    r = mb_write_coil(port, 3, 1)
    assert r.returncode != 0 and "Illegal data address" in r.stdout + r.stderr
    # Firmware version and mode in the input registers (9..13).
    assert mb_read(port, "3", 9, 5) == [0, 1, 0, 1, 1]


def test_pymodbus_multi_coil_write_is_all_or_nothing(mbbox):
    from pymodbus.client import ModbusTcpClient
    c = ModbusTcpClient("127.0.0.1", port=mbbox.mbport, timeout=3)
    assert c.connect()
    try:
        rr = c.read_coils(0, 3, slave=1)
        assert not rr.isError() and rr.bits[:3] == [False, False, True]
        # 2 off is fine but 1 on is forbidden: the whole write is refused.
        rr = c.write_coils(0, [True, False, False], slave=1)
        assert rr.isError() and rr.exception_code == 3
        assert mbbox.relays() == {1: 0, 2: 0, 3: 1}
        rr = c.write_coils(1, [False, False], slave=1)
        assert not rr.isError()
        assert mbbox.relays() == {1: 0, 2: 0, 3: 0}
        ir = c.read_input_registers(8, 6, slave=1)
        assert not ir.isError() and ir.registers == [0, 0, 1, 0, 1, 1]
    finally:
        c.close()


# --- meter on a pseudo-terminal pair -----------------------------------------

class PtyMeter(PtyModbusServer):
    """An SDM120-like meter (any unit): float32 input registers at the given
    addresses, served by pymodbus on a pseudo-terminal the relay box opens."""

    def __init__(self, values):
        from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                        ModbusSlaveContext)
        regs = [0] * 0x160
        for addr, v in values.items():
            regs[addr:addr + 2] = float32_regs(v)
        ctx = ModbusServerContext(slaves=ModbusSlaveContext(
            ir=ModbusSequentialDataBlock(0, regs), zero_mode=True), single=True)
        super().__init__(ctx, baudrate=9600)


def test_meter_over_rtu_pty_in_telemetry_and_input_registers(tmp_path, broker):
    meter = PtyMeter({0x0000: 231.5, 0x0006: 0.5, 0x000C: 115.75, 0x0156: 1234.5})
    port = free_port()
    relay = box_with_schedule(tmp_path, broker, {
        "telemetry_s": 1,
        "meter": {"device": meter.path, "baud": 9600, "profile": "sdm120", "period_s": 1,
                  "timeout_ms": 300},
        "modbus_tcp": {"listen": "127.0.0.1", "port": port}})
    probe = MqttProbe(broker.port)
    try:
        _, tele = probe.wait(relay.topic("tele"),
                             lambda j: j.get("meter", {}).get("ok") is True, timeout=20)
        m = tele["meter"]
        assert m["voltage_v"] == 231.5 and m["current_a"] == 0.5
        assert m["power_w"] == 115.75 and m["energy_kwh"] == 1234.5
        assert tele["ch"] == {"1": 0, "2": 0, "3": 1}
        # The same readings on the local Modbus TCP server (float32, high word first).
        wait_port(port, proc=relay.proc)
        r = subprocess.run(["mbpoll", "-m", "tcp", "-a", "1", "-p", str(port), "-0", "-1",
                            "-t", "3:float", "-B", "-r", "0", "-c", "4", "127.0.0.1"],
                           capture_output=True, text=True, timeout=20)
        vals = [float(v) for v in re.findall(r"^\[\d+\]:\s+(\S+)", r.stdout, re.M)]
        assert vals == [231.5, 0.5, 115.75, 1234.5], r.stdout
    finally:
        probe.close()
        relay.stop()
        meter.close()


def test_dead_meter_is_reported_not_fatal(tmp_path, broker):
    _m, s = pty.openpty()        # nobody answers on this line
    try:
        relay = box_with_schedule(tmp_path, broker, {
            "telemetry_s": 1,
            "meter": {"device": os.ttyname(s), "period_s": 1, "timeout_ms": 100}})
        probe = MqttProbe(broker.port)
        try:
            _, tele = probe.wait(relay.topic("tele"),
                                 lambda j: "error" in j.get("meter", {}), timeout=20)
            assert tele["meter"]["ok"] is False and "timed out" in tele["meter"]["error"]
            # The box still obeys commands while its meter times out (an "off":
            # the schedule keeps channels 1 and 2 off now, so an "on" there
            # would meet the box's legal floor).
            probe.publish(relay.topic("cmd/3"), {"v": 1, "id": "m-1", "on": False})
            relay.wait_relay(3, 0)
        finally:
            probe.close()
            relay.stop()
    finally:
        os.close(_m)
        os.close(s)


def test_feedback_registers(tmp_path, broker):
    """Input registers 14-16 (hw/feedback.md): contact says powered, stuck,
    known; bit n-1 for channel n.  Channel 3 is on, its contact agrees;
    channel 1 is off and gets welded shut; channel 2 has no feedback input."""
    port = free_port()
    relay = box_with_schedule(tmp_path, broker, {
        "modbus_tcp": {"listen": "127.0.0.1", "port": port},
        "feedback_debounce_ms": 50, "feedback_check_s": 1,
        "channels": [{"channel": 1, "line": 5, "feedback": {"line": 22}},
                     {"channel": 2, "line": 6},
                     {"channel": 3, "line": 7, "feedback": {"line": 23}}]})
    try:
        wait_port(port, proc=relay.proc)
        # Boot: 1 off, 2 off, 3 on; the contacts follow the coils.
        deadline = time.monotonic() + 10
        while mb_read(port, "3", 14, 3) != [4, 0, 5]:
            assert time.monotonic() < deadline, mb_read(port, "3", 14, 3)
            time.sleep(0.1)
        with open(relay.sim + ".feedback.tmp", "w") as f:
            json.dump({"1": 1}, f)      # channel 1's contactor welded shut
        os.replace(relay.sim + ".feedback.tmp", relay.sim + ".feedback")
        while mb_read(port, "3", 14, 3) != [5, 1, 5]:
            assert time.monotonic() < deadline + 10, mb_read(port, "3", 14, 3)
            time.sleep(0.1)
    finally:
        relay.stop()
