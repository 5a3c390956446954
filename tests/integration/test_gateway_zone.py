"""The gateway's zone is fixed before its threads start (lib/tz.h
dc_tz_fix): rules in another zone are refused at reload with the field
named, the running ones kept; an energy file in another zone than the rules
is refused by -n."""
import json
import subprocess

from gwtest import PARIS_2200, Gateway, Tasmota, add_screen, wait_for
from harness import Broker, bin_path

BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]


def test_reload_into_another_zone_is_refused_and_paris_time_goes_on(tmp_path, db, decran):
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"zone": "Europe/Paris", "policies": [
        {"id": "night", "scope": {"categories": ["advertising"]},
         "windows": [{"start": "22:00", "end": "07:00"}], "effect": "off", "reason": "nuit"}]}))
    broker = Broker().start()
    gw = Gateway(tmp_path, broker, BOXES, db, rules=str(rules), clock=PARIS_2200 + ",1")
    tas = None
    try:
        gw.start()
        tas = Tasmota(broker, "kiosque", 2).connect()
        rules.write_text(json.dumps({"zone": "Pacific/Noumea", "policies": []}))
        res = gw.api({"cmd": "reload"})
        assert "error" in res, res
        assert "zone" in res["error"] and "Pacific/Noumea" in res["error"], res
        gw.wait_log(r"reload refused, running configuration kept: invalid rules")
        # 22:00 in Paris (not in Nouméa) still switches the kiosque off.
        wait_for(lambda: not tas.state[1], timeout=15, what="advertising off at Paris 22:00")
    finally:
        if tas:
            tas.close()
        gw.stop()
        broker.stop()


def test_energy_zone_must_be_the_rules_zone(tmp_path, db):
    energy = tmp_path / "energy.json"
    energy.write_text(json.dumps({"zone": "America/Cayenne"}))
    broker = Broker()
    broker.port = 1883
    gw = Gateway(tmp_path, broker, BOXES, db)
    gw.cfg["energy"] = {"config": str(energy)}
    gw.write_config()
    p = subprocess.run([bin_path("decran-gateway"), "-n", "-c", gw.cfg_path],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert "zone" in p.stderr and "America/Cayenne" in p.stderr, p.stderr
