"""Reload is all-or-nothing, and `decran-gateway -n` checks with the same
code (issue 16, deliverable 2): a reload while a Modbus device is slow to
answer neither crashes nor stops polling (run under `make SAN=1` it catches
a worker reading a freed configuration), and a reload of a bad file of any
kind is refused with the file and field named while the running rules,
bindings and Modbus polling go on."""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from gwtest import PARIS_2200, Gateway, Tasmota, add_screen, wait_for
from harness import bin_path, free_port, stop, wait_port

SIM = os.path.join(os.path.dirname(__file__), "modbus_sim.py")

# Advertising off from 22:00: at the test clock's 22:00 the kiosque's
# channel 1 (advertising) goes off and channel 2 (information) stays on.
RULES = {"zone": "Europe/Paris",
         "policies": [{"id": "advertising-night", "scope": {"categories": ["advertising"]},
                       "windows": [{"start": "22:00", "end": "07:00"}], "effect": "off",
                       "reason": "Publicité éteinte la nuit"}]}
# What the refused reloads would install if they were half applied: the
# information screen off too.
INFO_OFF = {"id": "information-off", "scope": {"categories": ["information"]},
            "effect": "off", "reason": "Information éteinte"}


@pytest.fixture
def sim(tmp_path):
    port = free_port()
    p = subprocess.Popen(["/usr/bin/python3", SIM, str(port), str(tmp_path / "coils.json")],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    wait_port(port, proc=p)
    yield port
    stop(p)


def modbus_boxes(port):
    # Unit 9 is not served: every transaction of "lent" waits for the
    # response timeout (1 s), so its worker is almost always mid-transaction.
    return [{"id": "lent", "driver": "modbus-tcp", "host": "127.0.0.1", "port": port,
             "unit": 9, "profile": "generic-coil-relay", "channels": 1, "poll_ms": 200},
            {"id": "lycee", "driver": "modbus-tcp", "host": "127.0.0.1", "port": port,
             "unit": 1, "profile": "generic-coil-relay", "channels": 2, "poll_ms": 200,
             "meter": {"profile": "eastron-sdm120", "unit": 2}}]


def polls_after(gw, mark, pattern):
    """Lines matching pattern logged after the last line matching mark."""
    log = gw.log()
    last = None
    for m in re.finditer(mark, log):
        last = m
    return re.findall(pattern, log[last.end():] if last else log)


def test_reload_while_a_modbus_device_is_slow(broker, tmp_path, db, sim):
    gw = Gateway(tmp_path, broker, modbus_boxes(sim), db, clock=PARIS_2200 + ",1").start()
    try:
        gw.wait_log(r"online box=lycee driver=modbus-tcp")
        gw.wait_log(r"transaction failed box=lent op=read-back", timeout=10)
        for i in range(6):
            # Alternate the two ways in: the signal and the control socket.
            if i % 2:
                assert gw.api({"cmd": "reload"})["ok"]
            else:
                gw.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: len(re.findall(r"info main: reloaded", gw.log())) == i + 1
                     or gw.proc.poll() is not None, what="reload %d" % (i + 1))
            assert gw.proc.poll() is None, gw.log()[-3000:]
            time.sleep(0.3)
        # Both workers poll again after the last reload.
        wait_for(lambda: polls_after(gw, r"info main: reloaded", r"transaction failed box=lent"),
                 what="the slow device polled after the reloads")
        wait_for(lambda: len(polls_after(gw, r"info main: reloaded",
                                         r"debug modbus: poll cycle bus=tcp-1")) >= 3,
                 what="poll cycles of the healthy device after the reloads")
    finally:
        gw.stop()


def check(cfg_path):
    return subprocess.run([bin_path("decran-gateway"), "-n", "-c", cfg_path],
                          capture_output=True, text=True, timeout=30)


def test_reload_of_each_bad_file_keeps_the_running_state(broker, tmp_path, db, decran, sim):
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    add_screen(decran, "info-kiosque", "information", "kiosque", 2)
    add_screen(decran, "pub-lycee", "advertising", "lycee", 1)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES))
    boxes = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]
    boxes += modbus_boxes(sim)[1:]
    tas = Tasmota(broker, "kiosque", 2).connect()
    gw = Gateway(tmp_path, broker, boxes, db, rules=str(rules), clock=PARIS_2200 + ",1").start()
    good = json.loads(json.dumps(gw.cfg))
    try:
        wait_for(lambda: gw.channel("kiosque", 1)["desired"] == "off", what="advertising off")
        assert gw.channel("kiosque", 2)["desired"] == "on"
        gw.wait_log(r"debug modbus: poll cycle bus=tcp-0")

        new_rules = tmp_path / "rules-new.json"
        new_rules.write_text(json.dumps(dict(RULES, policies=RULES["policies"] + [INFO_OFF])))
        bad_energy = tmp_path / "energy.json"
        bad_energy.write_text('{"tariff_eur_per_kwh": "cher"}')
        (tmp_path / "v.ics").write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\n"
                                        "DTSTART;TZID=Mars/Olympus:20261123T080000\n"
                                        "END:VEVENT\nEND:VCALENDAR\n")
        bad_cal = tmp_path / "rules-cal.json"
        bad_cal.write_text(json.dumps(dict(RULES, calendars={"vac": "v.ics"},
                                           policies=RULES["policies"] + [INFO_OFF])))
        bad_rules = tmp_path / "rules-bad.json"
        bad_rules.write_text(json.dumps(dict(RULES, policies=[dict(INFO_OFF, effect="peut-être")])))

        def with_(**kw):
            cfg = json.loads(json.dumps(good))
            cfg["rules"] = str(new_rules)   # would switch the information screen off
            for k, v in kw.items():
                cfg[k] = v
            return cfg
        missing_profile = with_()
        missing_profile["boxes"][1]["profile"] = "sans-profil"
        cases = [
            ("gateway config", with_(heartbeat_s="souvent"), ["gateway.json", "heartbeat_s"]),
            ("missing Modbus profile", missing_profile,
             ["gateway.json", "boxes[1].profile", "sans-profil"]),
            ("rules file", with_(rules=str(bad_rules)), ["rules-bad.json", "policies[0].effect"]),
            ("calendar", with_(rules=str(bad_cal)), ["calendars.vac: v.ics:4: DTSTART"]),
            ("energy config", with_(energy={"config": str(bad_energy)}),
             ["energy.json", "tariff_eur_per_kwh"]),
        ]
        for n, (kind, cfg, names) in enumerate(cases):
            gw.cfg = cfg
            gw.write_config()
            r = gw.api({"cmd": "reload"})
            assert not r["ok"], (kind, r)
            for name in names:
                assert name in r["error"], (kind, name, r["error"])
            gw.wait_log(r"err main: reload refused.*" + re.escape(r["error"]))
            # -n refuses the same file with the same message.
            c = check(gw.cfg_path)
            assert c.returncode == 1 and r["error"] in c.stderr, (kind, c.stderr)
            # The signal takes the same path.
            gw.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: len(re.findall(r"err main: reload refused", gw.log())) == 2 * n + 2,
                     what="%s refused on SIGHUP" % kind)
            # Old state kept: rules in force, bindings, Modbus polling.
            assert gw.channel("kiosque", 1)["desired"] == "off", kind
            assert gw.channel("kiosque", 2)["desired"] == "on", kind
            assert [b["id"] for b in gw.api({"cmd": "boxes"})["boxes"]] == ["kiosque", "lycee"]
            wait_for(lambda: len(polls_after(gw, r"err main: reload refused",
                                             r"debug modbus: poll cycle bus=tcp-0")) >= 2,
                     what="Modbus poll cycles after the refused %s" % kind)
        assert tas.state[2], "the information screen stayed on"

        # The same files fixed: -n agrees and the reload goes through.
        gw.cfg = with_()
        gw.write_config()
        c = check(gw.cfg_path)
        assert c.returncode == 0 and c.stdout.strip() == "configuration OK", c.stderr
        assert gw.api({"cmd": "reload"})["ok"]
        wait_for(lambda: gw.channel("kiosque", 2)["desired"] == "off", what="new rules in force")
        wait_for(lambda: len(polls_after(gw, r"info main: reloaded",
                                         r"debug modbus: poll cycle bus=tcp-0")) >= 2,
                 what="Modbus poll cycles after the good reload")
    finally:
        gw.stop()
        tas.close()
