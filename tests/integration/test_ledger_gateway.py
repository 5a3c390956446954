"""The energy ledger derived from a real decran-gateway's records: the
gateway switches an emulated Tasmota off at 22:00 (test clock), then
`decran energy update` imports its commands and outcomes and the reports
follow from them."""
import calendar
import json
import os
import re
import sqlite3
import subprocess
import time
import urllib.request

from harness import TOP
from gwtest import PARIS_2200, DecranRelay, Gateway, Native, Tasmota, add_screen, wait_for
from harness import bin_path

BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]


def epoch(iso):
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


def test_ledger_from_a_gateway_night(broker, tmp_path, db, decran):
    """The gateway runs through the night (its clock 600 times fast: 22:00
    to past 06:00 in Paris in about 50 s), then stops; the next afternoon
    the ledger counts what was known and only that: the savings end when
    the gateway stopped (a Tasmota keeps no journal: what it did after is
    unknown, never the last state carried on)."""
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1, power_on_w=200)
    add_screen(decran, "info-kiosque", "information", "kiosque", 2, power_on_w=100)
    tas = Tasmota(broker, "kiosque", 2).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",600",
                 extra={"heartbeat_s": 600}).start()
    try:
        wait_for(lambda: gw.sql("SELECT count(*) FROM command_outcomes WHERE"
                                " outcome = 'confirmed' AND state = 'off'")[0][0] == 1,
                 what="the 22:00 switch confirmed")
        # 06:00 in Paris (05:00 UTC) has passed: the legal night is over.
        wait_for(lambda: gw.api({"cmd": "status"})["now_ms"] / 1000 >
                 epoch("2026-11-24T05:01:00Z"), timeout=90, what="the end of the night")
    finally:
        gw.stop()
        tas.close()
    (sent,), = gw.sql("SELECT at FROM commands")
    (confirmed,), = gw.sql("SELECT at FROM command_outcomes WHERE outcome = 'confirmed'")

    # Next day at 13:00 UTC (14:00 in Paris).
    r = decran("energy", "update", "--now", "2026-11-24T13:00:00Z")
    assert r.returncode == 0, r.stderr
    con = sqlite3.connect(db)
    try:
        states = con.execute("SELECT screen_id, at, state FROM ledger_states"
                             " ORDER BY screen_id, at, seq").fetchall()
    finally:
        con.close()
    # Off (1) from the confirmation; unknown (0) from the send when the two
    # are in different seconds.  Both channels' states read back at start-up
    # are known too (the gateway records every confirmed change, commanded
    # or not): info-kiosque had no command, yet its "on" is in the log,
    # after the "unknown" of the gateway's start; and unknown again from
    # its stop.
    assert ("pub-kiosque", epoch(confirmed), 1) in states
    if sent != confirmed:
        assert ("pub-kiosque", epoch(sent), 0) in states
    assert [s[2] for s in states if s[0] == "info-kiosque"] == [0, 2, 0]
    stopped, last_state = [(at, st) for sid, at, st in states if sid == "pub-kiosque"][-1]
    assert last_state == 0 and stopped > epoch("2026-11-24T05:00:00Z")

    # The report equals the hours of each state in the log, from the hour
    # of the first input to "now": on, off (saved at 200 W) and unknown
    # (before the first state, while the switch was unconfirmed, and from
    # the stop).  The fast clock makes those first minutes longer or shorter
    # with the machine's load: they are read from the log, not guessed.
    def hours_by_state(sid, end):
        rows = [(at, st) for x, at, st in states if x == sid]
        out = {0: (rows[0][0] - rows[0][0] // 3600 * 3600) / 3600, 1: 0.0, 2: 0.0}
        for (at, st), (nxt, _) in zip(rows, rows[1:] + [(end, None)]):
            out[st] += (nxt - at) / 3600
        return out
    now = epoch("2026-11-24T13:00:00Z")
    doc = json.loads(decran("report", "energy", "--by", "screen", "--json").stdout)
    rows = {x["key"]: x for x in doc["rows"]}
    pub, h = rows["pub-kiosque"], hours_by_state("pub-kiosque", now)
    assert h[1] > 7.9, h        # off from 22:00 to past 06:00 in Paris
    assert abs(pub["actual_kwh"] - 0.2 * h[2]) < 0.001, (pub, h)
    assert abs(pub["saved_kwh"] - 0.2 * h[1]) < 0.001, (pub, h)
    assert abs(pub["unknown_hours"] - h[0]) < 0.001, (pub, h)
    assert h[0] >= (now - stopped) / 3600
    info, h = rows["info-kiosque"], hours_by_state("info-kiosque", now)
    assert abs(info["actual_kwh"] - 0.1 * h[2]) < 0.001 and info["saved_kwh"] == 0, (info, h)
    assert abs(info["unknown_hours"] - h[0]) < 0.001, (info, h)

    # Night of the 23rd: off throughout the legal window.
    doc = json.loads(decran("report", "compliance", "--night", "2026-11-23", "--json",
                            "--now", "2026-11-24T13:00:00Z").stdout)
    assert [(s["screen"], s["verdict"]) for s in doc["screens"]] == [("pub-kiosque", "compliant")]

    # Rebuilding from the gateway's records gives the same figures.
    before = decran("report", "energy", "--by", "day", "--format", "csv").stdout
    r = decran("energy", "rebuild", "--now", "2026-11-24T13:00:00Z")
    assert r.returncode == 0, r.stderr
    assert decran("report", "energy", "--by", "day", "--format", "csv").stdout == before


def test_gateway_keeps_the_ledger_current_itself(broker, tmp_path, db, decran):
    """No `decran energy update`: the daemon imports and updates every
    energy.update_min of schedule time (here 60 min played 600 times faster),
    so the dashboard's savings follow the night."""
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1, power_on_w=200)
    tas = Tasmota(broker, "kiosque", 2).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",600",
                 extra={"heartbeat_s": 600, "energy": {"update_min": 60}}).start()
    try:
        # 22:05 UTC on the test clock (6.5 s away): the hour 21:00-22:00 UTC,
        # off since the 22:00 Paris edge, is in the ledger.
        wait_for(lambda: gw.sql("SELECT count(*) FROM energy_hour WHERE screen_id = 'pub-kiosque'"
                                " AND hour = ?", epoch("2026-11-23T21:00:00Z"))[0][0] == 1,
                 timeout=30, what="the daemon's ledger update")
        gw.wait_log(r"info energy: ledger updated inputs=\d+ ms=\d+")
    finally:
        gw.stop()
        tas.close()
    (actual, baseline, known, unknown, on), = gw.sql(
        "SELECT actual_mwh, baseline_mwh, known_s, unknown_s, on_s FROM energy_hour"
        " WHERE screen_id = 'pub-kiosque' AND hour = ?", epoch("2026-11-23T21:00:00Z"))
    # Read back on at start-up, then off from its confirmation: the seconds
    # before it (start-up grace at 600x, command in flight) are known on or
    # unknown, never counted as saved; 200 W saved per second known off.
    assert known + unknown == 3600 and 0 < on < 600
    assert abs(actual - 200 * on / 3.6) <= 1
    assert abs(baseline - 200 * known / 3.6) <= 1


def test_gateway_refuses_bad_energy_settings(broker, tmp_path, db):
    """energy.config is read once, at start and on reload, and validated like
    the rest of the configuration: a bad field stops the start, named."""
    bad = tmp_path / "energy.json"
    bad.write_text('{"tariff_eur_per_kwh": "cher"}')
    gw = Gateway(tmp_path, broker, BOXES, db, extra={"energy": {"config": str(bad)}})
    gw.write_config()
    r = subprocess.run([bin_path("decran-gateway"), "-n", "-c", gw.cfg_path],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "invalid energy settings" in r.stderr and "tariff_eur_per_kwh" in r.stderr, r.stderr
    bad.write_text('{"tariff_eur_per_kwh": 0.21}')
    r = subprocess.run([bin_path("decran-gateway"), "-n", "-c", gw.cfg_path],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "configuration OK" in r.stdout, r.stderr


def test_box_boots_off_and_confirms_on_in_the_same_second(broker, tmp_path, db, decran):
    """Finding 2 (issue 14): a real decran-relay boots "off" and, in the same
    second, confirms the "on" the gateway commands.  The test clock runs 100
    times slower than real time, so the whole exchange shares one second.
    The ledger keeps the order: the screen is on, nothing is saved, and its
    history and its dashboard page say "on"."""
    add_screen(decran, "info-mairie", "information", "mairie", 1, power_on_w=100)
    clock = "2026-11-23T12:00:00Z,0.01"     # 13:00 in Paris: information is on
    gw = Gateway(tmp_path, broker, [{"id": "mairie", "driver": "native", "channels": 1}], db,
                 clock=clock, extra={"http": {"listen": "127.0.0.1:0",
                                 "assets": os.path.join(TOP, "dashboard")}}).start()
    box = DecranRelay(tmp_path, broker, "mairie", 1, clock)
    try:
        gw.wait_log(r"info mqtt: connected")
        box.start()
        wait_for(lambda: gw.sql("SELECT count(*) FROM command_outcomes WHERE"
                                " outcome = 'confirmed' AND state = 'on'")[0][0] == 1,
                 what="the 'on' confirmed")
        assert box.relays() == {1: 1}
        (boot,), = gw.sql("SELECT at FROM box_journal WHERE src = 'boot'")
        (confirmed,), = gw.sql("SELECT at FROM command_outcomes WHERE outcome = 'confirmed'")
        assert boot == confirmed == "2026-11-23T12:00:00Z"
        # In that second, in order: unknown from the gateway's start, the
        # boot "off", the confirmed "on".
        states = [s for s, in gw.sql("SELECT state FROM ledger_states WHERE screen_id ="
                                     " 'info-mairie' AND at = ? ORDER BY seq", epoch(confirmed))]
        assert states == [0, 1, 2], states
        # The dashboard's screen page: the newest state is "on".
        page = urllib.request.urlopen(gw.web_url() + "/screen/info-mairie", timeout=30).read().decode()
        rows = re.findall(r'<tr data-state="(\w+)">', page)
        assert rows[:3] == ["on", "off", "unknown"], rows
    finally:
        gw.stop()       # first: the box's going offline would be recorded
        box.stop()

    # Two hours later (the import adds nothing: the gateway recorded it all).
    r = decran("energy", "update", "--now", "2026-11-23T14:00:00Z")
    assert r.returncode == 0, r.stderr
    assert gw.sql("SELECT count(*) FROM ledger_states WHERE screen_id = 'info-mairie'")[0][0] == 3
    doc = json.loads(decran("report", "energy", "--by", "screen", "--json").stdout)
    (row,) = doc["rows"]
    assert abs(row["actual_kwh"] - 0.2) < 1e-6 and row["saved_kwh"] == 0, row
    hist = json.loads(decran("screens", "show", "info-mairie", "--history", "--json").stdout)
    assert [(s["state"], s["cause"]) for s in hist["relay_states"]] == [
        ("on", None), ("off", None), ("unknown", "unconfirmed")]
    text = decran("screens", "show", "info-mairie", "--history").stdout
    assert "2026-11-23 12:00:00 UTC  allumé" in text.split("États du relais")[1], text


def test_unknown_by_cause_through_the_gateways_api(broker, tmp_path, db, decran):
    """Deliver 4 of issue 14 through the gateway: a bound box that goes
    offline during the night and a screen with no box.  The gateway's
    /api/v1/progress splits the unknown time by cause, with exactly the
    figures `decran report progress --json` gives for the same database,
    and its home page shows the same breakdown."""
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1, power_on_w=200)
    r = decran("screens", "add", "pub-sans-boitier", "--name", "pub-sans-boitier",
               "--category", "advertising", "--set", "power_on_w=100")
    assert r.returncode == 0, r.stderr
    tas = Tasmota(broker, "kiosque", 2).connect()
    # 00:55 in Paris, 600 times faster: the legal window (01:00-06:00) of
    # the night of the 23rd passes in 30 s.  The ledger is updated by the
    # CLI below, not by the daemon, so both read the same derived tables.
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-23T23:55:00Z,600",
                 extra={"heartbeat_s": 600, "energy": {"update_min": 0},
                        "http": {"listen": "127.0.0.1:0",
                                 "assets": os.path.join(TOP, "dashboard")}}).start()
    try:
        base = gw.web_url()
        wait_for(lambda: gw.sql("SELECT count(*) FROM ledger_states WHERE screen_id ="
                                " 'pub-kiosque' AND state = 1")[0][0] >= 1, timeout=20,
                 what="pub-kiosque known off")
        tas.crash()     # the broker publishes its last will: offline
        wait_for(lambda: gw.sql("SELECT count(*) FROM ledger_states WHERE screen_id ="
                                " 'pub-kiosque' AND state = 0 AND cause = 1")[0][0] == 1,
                 timeout=20, what="pub-kiosque unknown, box offline")
        (offline_at,), = gw.sql("SELECT at FROM ledger_states WHERE cause = 1")
        # Offline inside the window, early enough for offline to be the cause
        # of most of it (01:00-06:00 Paris = 00:00-05:00 UTC).
        assert offline_at < epoch("2026-11-24T02:00:00Z"), offline_at

        def progress():
            with urllib.request.urlopen(base + "/api/v1/progress", timeout=30) as resp:
                return json.loads(resp.read())
        # Once the gateway's clock is past 06:00, "last night" is the 23rd's.
        wait_for(lambda: progress()["measured"]["last_night_compliance"]["night"]
                 == "2026-11-23", timeout=90, what="the night of the 23rd over")
        now = "2026-11-24T05:30:00Z"        # 06:30 in Paris, the same day as the gateway's
        r = decran("energy", "update", "--now", now)
        assert r.returncode == 0, r.stderr
        api = progress()
        r = decran("report", "progress", "--json", "--now", now,
                   "--rules", gw.cfg["rules"])
        assert r.returncode == 0, r.stderr
        cli = json.loads(r.stdout)
        page = urllib.request.urlopen(base + "/", timeout=30).read().decode()
        assert gw.api({"cmd": "status"})["now"] < epoch("2026-11-24T23:00:00Z")  # same day
    finally:
        gw.stop()
        tas.close()

    # Energy to date: unknown hours by cause, the same in both.
    a, c = api["measured"]["to_date"], cli["energy_to_date"]
    assert a["unknown_hours_by_cause"] == c["unknown_hours_by_cause"], (a, c)
    assert a["unknown_hours"] == c["unknown_hours"]
    by = a["unknown_hours_by_cause"]
    assert by["offline"] > 0 and by["no_box"] > 0, by
    assert abs(sum(by.values()) - a["unknown_hours"]) < 1e-9, a
    # Known time (pub-kiosque read back on, then off until its box went
    # offline) gives the same kWh in both.
    for k in ("actual_kwh", "baseline_kwh", "saved_kwh", "hours"):
        assert a[k] == c[k], (k, a, c)

    # Last night's compliance: one screen unknown because its box is
    # offline, one because it has none; the API, the CLI and the page agree.
    an, cn = api["measured"]["last_night_compliance"], cli["last_night"]
    assert an["night"] == cn["night"] == "2026-11-23"
    assert an["unknown_by_cause"] == cn["unknown_by_cause"] == {
        "unconfirmed": 0, "offline": 1, "no_box": 1}, (an, cn)
    assert an["summary"] == cn["summary"], (an, cn)
    assert an["summary"]["unknown"] == 2
    assert {(s["screen"], s["unknown_cause"]) for s in cn["not_compliant"]} == {
        ("pub-kiosque", "offline"), ("pub-sans-boitier", "no_box")}, cn
    for cause, rid in (("unconfirmed", "night-unknown-unconfirmed"),
                       ("offline", "night-unknown-offline"), ("no_box", "night-unknown-no-box")):
        cell = re.search(r'id="%s">([^<]*)<' % rid, page)
        assert cell and int(cell.group(1)) == an["unknown_by_cause"][cause], (rid, page[-3000:])
    assert int(re.search(r'id="night-unknown">([^<]*)<', page).group(1)) == 2


def test_ledger_update_waits_for_the_database_off_the_loop(broker, tmp_path, db, decran):
    """The hourly ledger update runs on a worker with its own connection: a
    database held by another writer at that moment (a CLI import) makes the
    update wait, never the loop — the control socket answers meanwhile, and
    the update lands once the lock is gone."""
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1, power_on_w=200)
    tas = Tasmota(broker, "kiosque", 2).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",600",
                 extra={"heartbeat_s": 600, "energy": {"update_min": 60}}).start()
    lock = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        gw.wait_log(r"info mqtt: connected")
        lock.execute("BEGIN IMMEDIATE")     # before 22:05 on the test clock (6.5 s)
        deadline = time.monotonic() + 12    # past 22:05, while the update waits
        n = 0
        while time.monotonic() < deadline:
            assert gw.api({"cmd": "status"}, timeout=2.0)["mqtt"] is True
            n += 1
            time.sleep(0.1)
        assert n >= 40, "only %d answers while the database was held" % n
        assert "ledger updated" not in gw.log()
        lock.execute("COMMIT")
        gw.wait_log(r"info energy: ledger updated inputs=\d+ ms=\d+", timeout=40)
    finally:
        lock.close()
        gw.stop()
        tas.close()


def test_journal_entries_from_a_wrong_clock_are_left_out(broker, tmp_path, db, decran):
    """A box that lost its clock stamps its boot "off" at 2000-01-01; in the
    ledger that entry would stand for 26 years off, all of it "saved".  The
    gateway logs such entries (and one from the future) and leaves them out;
    the entry of the same batch with a true time is recorded, and the box
    is told to forget all three."""
    add_screen(decran, "pub-mairie", "advertising", "mairie", 1, power_on_w=311)
    gw = Gateway(tmp_path, broker, [{"id": "mairie", "driver": "native", "channels": 1}], db,
                 clock="2026-11-23T12:00:00Z,1").start()
    box = Native(broker, "mairie", 1).connect()
    acks = []
    box.client.message_callback_add("decran/mairie/journal/ack",
                                    lambda c, u, m: acks.append(json.loads(m.payload)))
    box.client.subscribe("decran/mairie/journal/ack", qos=1)
    try:
        gw.wait_log(r"info mqtt: connected")
        good = epoch("2026-11-23T11:58:00Z")
        entries = [
            {"seq": 1, "ch": 1, "on": False, "src": "boot", "t": epoch("2000-01-01T00:00:00Z")},
            {"seq": 2, "ch": 1, "on": True, "src": "fallback", "t": good},
            {"seq": 3, "ch": 1, "on": False, "src": "fallback", "t": epoch("2026-11-24T12:00:00Z")},
        ]
        box.client.publish("decran/mairie/journal", json.dumps({"v": 1, "entries": entries}), qos=1)
        wait_for(lambda: any(a.get("upto") == 3 for a in acks), what="journal acknowledged")
        rows = gw.sql("SELECT at, state, src FROM box_journal WHERE box = 'mairie'")
        assert rows == [("2026-11-23T11:58:00Z", "on", "fallback")], rows
        log = gw.log()
        assert log.count("journal entry ignored: the box's clock is wrong") == 2, log[-2000:]
        assert "t=946684800" in log
    finally:
        box.close()
        gw.stop()
    r = decran("energy", "update", "--now", "2026-11-23T13:00:00Z")
    assert r.returncode == 0, r.stderr
    first = gw.sql("SELECT min(at) FROM ledger_states WHERE screen_id = 'pub-mairie'")[0][0]
    assert first is None or first >= epoch("2026-11-23T00:00:00Z"), first


def test_a_gateway_killed_counts_nothing_after_its_last_sign_of_life(broker, tmp_path, db,
                                                                      decran):
    """SIGKILL (a power cut) after the 22:00 switch: no stop is recorded.
    Restarted at 05:00 UTC, the gateway marks the screens of a box without
    a journal unknown from its last sign of life (the heartbeat's mark, or
    the screen's last event when later), not off all night."""
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1, power_on_w=200)
    tas = Tasmota(broker, "kiosque", 2).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",600",
                 extra={"heartbeat_s": 600})
    try:
        gw.start()
        wait_for(lambda: gw.sql("SELECT count(*) FROM command_outcomes WHERE"
                                " outcome = 'confirmed' AND state = 'off'")[0][0] == 1,
                 what="the 22:00 switch confirmed")
        (confirmed,), = gw.sql("SELECT at FROM command_outcomes WHERE outcome = 'confirmed'")

        def alive():
            rows = gw.sql("SELECT value FROM ledger_meta WHERE key = 'gateway_alive'")
            return rows[0][0] if rows else 0
        wait_for(lambda: alive() > epoch(confirmed) + 60, timeout=20, what="a later mark")
        gw.kill()
        mark = alive()
        assert mark > epoch(confirmed)
        gw.start(clock="2026-11-24T05:00:00Z,1")
        gw.wait_log(r"info mqtt: connected")
    finally:
        gw.stop()
        tas.close()
    rows = gw.sql("SELECT at, state FROM ledger_states WHERE screen_id = 'pub-kiosque'"
                  " ORDER BY at, seq")
    # off from the confirmation, unknown from the mark (before the restart)
    assert (epoch(confirmed), 1) in rows, rows
    after = [r for r in rows if r[0] > epoch(confirmed)]
    assert after[0][1] == 0 and mark <= after[0][0] < epoch("2026-11-24T05:00:00Z"), rows
    r = decran("energy", "update", "--now", "2026-11-24T06:00:00Z")
    assert r.returncode == 0, r.stderr
    doc = json.loads(decran("report", "energy", "--by", "screen", "--json").stdout)
    (pub,) = doc["rows"]
    off_h = (after[0][0] - epoch(confirmed)) / 3600
    assert abs(pub["saved_kwh"] - 0.2 * off_h) < 0.001, (pub, off_h)
