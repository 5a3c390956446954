"""A Modbus TCP relay module and an Eastron SDM120 meter served by pymodbus
(an implementation independent of libmodbus), for the gateway's tests.

  python3 modbus_sim.py PORT STATEFILE [--bypass] [--relay-unit 1] [--meter-unit 2]

Unit `relay-unit`: 8 coils (channel n = coil n-1).  Unit `meter-unit`:
input registers 0x000C (active power, float32 big-endian words) and 0x0048
(import energy kWh): 40 W per coil that is on, or always 40 W with --bypass
(a screen wired around its relay).  Every coil change is written to STATEFILE
as JSON so the test can see the relay without a second Modbus client."""
import argparse
import json
import logging
import os
import struct
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartTcpServer

logging.basicConfig(level=logging.CRITICAL)


def float_regs(v):
    hi, lo = struct.unpack(">HH", struct.pack(">f", v))
    return [hi, lo]


class Coils(ModbusSequentialDataBlock):
    def __init__(self, path, meter):
        super().__init__(0, [0] * 16)
        self.path = path
        self.meter = meter

    def setValues(self, address, values):
        super().setValues(address, values)
        bits = [int(bool(b)) for b in super().getValues(0, 8)]
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(bits, f)
        os.replace(tmp, self.path)
        self.meter.update(sum(bits))


class Meter(ModbusSequentialDataBlock):
    def __init__(self, bypass):
        super().__init__(0, [0] * 128)
        self.bypass = bypass
        self.kwh = 12.5

    def update(self, n_on):
        w = 40.0 if self.bypass else 40.0 * n_on
        super().setValues(0x0C, float_regs(w))
        super().setValues(0x48, float_regs(self.kwh))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("statefile")
    ap.add_argument("--bypass", action="store_true")
    ap.add_argument("--relay-unit", type=int, default=1)
    ap.add_argument("--meter-unit", type=int, default=2)
    ap.add_argument("--initial", default="1")
    a = ap.parse_args()
    meter = Meter(a.bypass)
    coils = Coils(a.statefile, meter)
    coils.setValues(0, [int(a.initial)] * 8)
    relay = ModbusSlaveContext(co=coils, zero_mode=True)
    sdm = ModbusSlaveContext(ir=meter, zero_mode=True)
    ctx = ModbusServerContext(slaves={a.relay_unit: relay, a.meter_unit: sdm}, single=False)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    StartTcpServer(context=ctx, address=("127.0.0.1", a.port))


if __name__ == "__main__":
    main()
