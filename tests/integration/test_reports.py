"""`decran energy` and `decran report`, driven as a user would: real binary,
real SQLite file, inputs fed through `decran energy log-state/log-reading`,
figures worked out by hand in each test's docstring."""
import json
import os
import sqlite3

import pytest

NNBSP = "\u202f"
NOW = "2026-12-01T00:00:00Z"


def ok(r):
    assert r.returncode == 0, r.stderr
    return r


def add(decran, sid, cat="advertising", site="Centre", on="200", standby="4", *extra):
    ok(decran("screens", "add", sid, "--name", "Écran " + sid, "--category", cat,
              "--site", site, "--power-on-w", on, "--power-standby-w", standby, *extra))


def state(decran, sid, st, at):
    ok(decran("energy", "log-state", sid, st, "--at", at))


def night_off(decran, sid, first, ndays, month="11", year="2026"):
    """Off 22:00-07:00 local every night of ndays local days from `first`."""
    for d in range(first, first + ndays):
        day = f"{year}-{month}-{d:02d}"
        if d == first:
            state(decran, sid, "off", f"{day} 00:00")
        state(decran, sid, "on", f"{day} 07:00")
        state(decran, sid, "off", f"{day} 22:00")


def energy_json(decran, *args):
    return json.loads(ok(decran("report", "energy", "--format", "json", *args)).stdout)


def by_key(rows):
    return {r["key"]: r for r in rows}


def test_week_off_at_night(decran):
    """200 W, mains cut, off 22:00-07:00 the week of Mon 23 Nov 2026: each day
    15 h on = 3 kWh, baseline 4.8 kWh, saved 1.8 kWh; the week 12.6 kWh,
    i.e. 12.6 x 0.2516 = 3.17016 EUR and 12.6 x 0.052 = 0.6552 kg CO2e."""
    add(decran, "pub-1")
    night_off(decran, "pub-1", 23, 7)
    state(decran, "pub-1", "unknown", "2026-11-30 00:00")
    ok(decran("energy", "update", "--now", NOW))
    doc = energy_json(decran, "--from", "2026-11-23", "--to", "2026-11-29", "--by", "day")
    rows = by_key(doc["rows"])
    assert len(rows) == 7
    for r in rows.values():
        assert r["actual_kwh"] == 3.0 and r["baseline_kwh"] == 4.8
        assert r["saved_kwh"] == pytest.approx(1.8) and r["unknown_hours"] == 0
        assert r["hours"] == 24 and r["measured_hours"] == 0
    t = doc["total"]
    assert t["saved_kwh"] == pytest.approx(12.6)
    assert t["saved_eur"] == pytest.approx(12.6 * 0.2516)
    assert t["avoided_kgco2e"] == pytest.approx(12.6 * 0.052)
    assert doc["tariff_eur_per_kwh"] == 0.2516 and "ADEME" in doc["co2e_source"]

    # French table: French dates, decimal comma; English: ISO dates, point.
    fr = ok(decran("report", "energy", "--from", "2026-11-23", "--to", "2026-11-29")).stdout
    assert "23/11/2026" in fr and "12,6" in fr and "Économie" in fr
    en = ok(decran("report", "energy", "--from", "2026-11-23", "--to", "2026-11-29",
                   lang="en_US.UTF-8")).stdout
    assert "2026-11-23" in en and "12.6" in en and "Saved" in en

    # CSV: ';' and decimal comma in French, ',' and point in English.
    week = ("--from", "2026-11-23", "--to", "2026-11-29")
    csv_fr = ok(decran("report", "energy", "--by", "category", "--format", "csv",
                       *week)).stdout.splitlines()
    assert csv_fr[0].startswith("categorie;consommation_kwh;")
    # labels quoted only when they must be (lib/csv.h), like every CSV decran writes
    assert csv_fr[1].startswith('Publicité;21,000;33,600;12,600;3,17;0,66;0,00;0;168')
    csv_en = ok(decran("report", "energy", "--by", "category", "--format", "csv", *week,
                       lang="en_US.UTF-8")).stdout.splitlines()
    assert csv_en[1].startswith('Advertising,21.000,33.600,12.600,3.17,0.66,0.00,0,168')


def test_thousands_are_grouped_the_french_way(decran):
    """A 5 kW LED wall left on (baseline 24 h) for November 23-30: 8 days x
    120 kWh = 960 kWh; with a second one, 1 920 kWh: '1 920,0' in French."""
    add(decran, "mur-1", "advertising", "Centre", "5000", "10")
    add(decran, "mur-2", "advertising", "Centre", "5000", "10")
    for s in ("mur-1", "mur-2"):
        state(decran, s, "on", "2026-11-23 00:00")
    ok(decran("energy", "update", "--now", NOW))
    fr = ok(decran("report", "energy", "--by", "month")).stdout
    assert "11/2026" in fr and f"1{NNBSP}920,0" in fr
    en = ok(decran("report", "energy", "--by", "month", lang="en_US.UTF-8")).stdout
    assert "2026-11" in en and "1,920.0" in en


def test_both_dst_nights(decran):
    """Same pattern across the 2026 switches: Sunday 29 March has 23 hours
    (baseline 4.6 kWh, saved 1.6), Sunday 25 October 25 hours (baseline 5.0,
    saved 2.0); actual 3.0 kWh both days.  The legal window is 240 min on the
    spring night and 360 min on the autumn night."""
    add(decran, "pub-1")
    night_off(decran, "pub-1", 23, 7, month="03")
    state(decran, "pub-1", "unknown", "2026-03-30 00:00")
    night_off(decran, "pub-1", 19, 7, month="10")
    state(decran, "pub-1", "unknown", "2026-10-26 00:00")
    ok(decran("energy", "update", "--now", NOW))
    rows = by_key(energy_json(decran, "--by", "day")["rows"])
    spring, fall = rows["2026-03-29"], rows["2026-10-25"]
    assert spring["hours"] == 23 and spring["baseline_kwh"] == 4.6
    assert spring["actual_kwh"] == 3.0 and spring["saved_kwh"] == pytest.approx(1.6)
    assert fall["hours"] == 25 and fall["baseline_kwh"] == 5.0
    assert fall["actual_kwh"] == 3.0 and fall["saved_kwh"] == pytest.approx(2.0)
    for night, minutes in (("2026-03-28", "240"), ("2026-10-24", "360")):
        out = ok(decran("report", "compliance", "--night", night, "--now", NOW)).stdout
        assert f"{minutes} min" in out and "conforme" in out


def test_offline_box_is_unknown_not_saved(decran):
    """Offline 01:00-04:00 on 23 Nov (inside the off period): 3 unknown hours;
    known 21 h: actual 3.0, baseline 4.2, saved 1.2 kWh (not 1.8)."""
    add(decran, "pub-1")
    night_off(decran, "pub-1", 23, 1)
    state(decran, "pub-1", "unknown", "2026-11-23 01:00")
    state(decran, "pub-1", "off", "2026-11-23 04:00")
    state(decran, "pub-1", "unknown", "2026-11-24 00:00")
    ok(decran("energy", "update", "--now", NOW))
    r = by_key(energy_json(decran, "--by", "day")["rows"])["2026-11-23"]
    assert r["unknown_hours"] == 3 and r["actual_kwh"] == 3.0
    assert r["baseline_kwh"] == pytest.approx(4.2) and r["saved_kwh"] == pytest.approx(1.2)
    # A day with nothing known shows unknown, never zero.
    d = by_key(energy_json(decran, "--by", "day")["rows"])["2026-11-24"]
    assert d["actual_kwh"] is None and d["saved_kwh"] is None and d["unknown_hours"] == 24
    out = ok(decran("report", "energy", "--by", "day")).stdout
    line = [x for x in out.splitlines() if x.startswith("24/11/2026")][0]
    assert "inconnu" in line and "24,0" in line


def test_meter_reset_and_shared_circuit(decran):
    """Box b1 feeds a (300 W) and b (100 W), both on; its meter reads 0.44 kWh
    an hour, shared 3:1 by drawing power: a 330 W, b 110 W measured.  The
    counter resets between 12:00 and 13:00 on the 23rd: that hour is
    estimated (300 / 100 W).  Day: a 24 x 330 - 30 = 7.89 kWh, b 2.63 kWh;
    23 measured hours of 24."""
    add(decran, "a", "information", "Gare", "300", "3", "--box", "b1", "--channel", "1")
    add(decran, "b", "information", "Gare", "100", "1", "--box", "b1", "--channel", "2")
    for s in ("a", "b"):
        state(decran, s, "on", "2026-11-23 00:00")
        state(decran, s, "unknown", "2026-11-24 00:00")
    for h in range(25):
        at = f"2026-11-23T{h - 1:02d}:00:00Z" if h else "2026-11-22T23:00:00Z"
        kwh = 1000 + 0.44 * h if h <= 12 else 0.2 + 0.44 * (h - 13)
        ok(decran("energy", "log-reading", "b1", f"{kwh:.2f}", "--at", at))
    ok(decran("energy", "update", "--now", NOW))
    rows = by_key(energy_json(decran, "--from", "2026-11-23", "--to", "2026-11-23",
                              "--by", "screen")["rows"])
    assert rows["a"]["actual_kwh"] == pytest.approx(7.89)
    assert rows["b"]["actual_kwh"] == pytest.approx(2.63)
    assert rows["a"]["measured_hours"] == 23 and rows["b"]["measured_hours"] == 23
    out = ok(decran("report", "energy", "--by", "site", "--from", "2026-11-23",
                    "--to", "2026-11-23")).stdout
    assert "95 %" in out  # 46 of 48 screen-hours measured


def test_removed_screen_avoids_its_baseline(decran):
    """On all the time, removed on 25 Nov: actual 2 x 4.8 kWh, then 0 with
    the whole baseline avoided: 23-29 Nov baseline 33.6, saved 24.0 kWh."""
    add(decran, "pub-1")
    state(decran, "pub-1", "on", "2026-11-23 00:00")
    ok(decran("screens", "remove", "pub-1", "--date", "2026-11-25"))
    ok(decran("energy", "update", "--now", NOW))
    t = energy_json(decran, "--from", "2026-11-23", "--to", "2026-11-29")["total"]
    assert t["actual_kwh"] == 9.6 and t["baseline_kwh"] == 33.6
    assert t["saved_kwh"] == pytest.approx(24.0) and t["unknown_hours"] == 0


def test_rebuild_equals_incremental(decran, db):
    """Updates as time passes (with an inventory edit in between) give the
    very rows a rebuild from the log gives."""
    add(decran, "pub-1")
    add(decran, "pub-2", "school", "École", "150", "2")
    for d in range(23, 30):
        day = f"2026-11-{d:02d}"
        state(decran, "pub-1", "on", f"{day} 07:00")
        state(decran, "pub-1", "off", f"{day} 22:00")
        state(decran, "pub-2", "on", f"{day} 08:00")
        state(decran, "pub-2", "off", f"{day} 18:30")
        ok(decran("energy", "log-reading", "box9", f"{d * 1.5:.1f}", "--at", f"{day} 12:00"))
        ok(decran("energy", "update", "--now", f"{day} 20:17"))
        if d == 26:
            ok(decran("screens", "edit", "pub-2", "--power-on-w", "160"))
    ok(decran("energy", "update", "--now", NOW))

    def rows():
        con = sqlite3.connect(db)
        try:
            return (con.execute("SELECT * FROM energy_hour ORDER BY hour, screen_id").fetchall(),
                    con.execute("SELECT * FROM energy_day ORDER BY day, screen_id").fetchall())
        finally:
            con.close()
    before = rows()
    assert len(before[1]) > 10
    r = ok(decran("energy", "rebuild", "--now", NOW))
    assert "Registre recalculé" in r.stdout
    assert rows() == before


def test_compliance_report(decran, db, tmp_path):
    """pub-1 switched off at 01:20 (20 min violation); abri (transport
    furniture with fixed images, service from 05:30) on from 05:30
    (exception); abri-video (the same, but animated images: R581-35 gives
    it no exception) on from 05:30 (violation); info (not under the rule)
    absent; with a derogation in the rules file for pub-1 01:00-01:30 it
    becomes a derogation."""
    add(decran, "pub-1")
    add(decran, "abri", "transport", "Gare", "80", "2", "--transport-furniture", "oui",
        "--service-hours", "05:30-00:30", "--display", "fixed")
    add(decran, "abri-video", "advertising", "Gare", "80", "2", "--transport-furniture", "oui",
        "--service-hours", "05:30-00:30", "--display", "animated")
    add(decran, "info", "information")
    state(decran, "pub-1", "on", "2026-11-23 07:00")
    state(decran, "pub-1", "off", "2026-11-24 01:20")
    for abri in ("abri", "abri-video"):
        state(decran, abri, "off", "2026-11-24 00:30")
        state(decran, abri, "on", "2026-11-24 05:30")
    state(decran, "info", "on", "2026-11-23 00:00")
    doc = json.loads(ok(decran("report", "compliance", "--night", "2026-11-23", "--json",
                               "--now", NOW)).stdout)
    s = {x["screen"]: x for x in doc["screens"]}
    assert set(s) == {"pub-1", "abri", "abri-video"}
    assert s["pub-1"]["verdict"] == "violation" and s["pub-1"]["violation_min"] == 20
    assert s["abri"]["verdict"] == "exception" and s["abri"]["exception_min"] == 30
    assert s["abri-video"]["verdict"] == "violation" and s["abri-video"]["violation_min"] == 30
    assert s["abri-video"]["exception_min"] == 0
    assert doc["summary"]["violation"] == 2 and doc["summary"]["exception"] == 1
    # Declared fixed afterwards (the city completes its data): an exception.
    ok(decran("screens", "edit", "abri-video", "--display", "fixed"))
    doc = json.loads(ok(decran("report", "compliance", "--night", "2026-11-23", "--json",
                               "--now", NOW)).stdout)
    s = {x["screen"]: x for x in doc["screens"]}
    assert s["abri-video"]["verdict"] == "exception" and s["abri-video"]["exception_min"] == 30
    ok(decran("screens", "edit", "abri-video", "--display", "animated"))
    fr = ok(decran("report", "compliance", "--night", "2026-11-23", "--now", NOW)).stdout
    assert "Nuit du 23/11/2026 au 24/11/2026" in fr and "infraction" in fr
    en = ok(decran("report", "compliance", "--night", "2026-11-23", "--now", NOW,
                   lang="en_US.UTF-8")).stdout
    assert "Night of 2026-11-23 to 2026-11-24" in en and "violation" in en
    # A night still in progress: what is after `now` is unknown.
    doc = json.loads(ok(decran("report", "compliance", "--night", "2026-11-23", "--json",
                               "--now", "2026-11-24 03:00")).stdout)
    s = {x["screen"]: x for x in doc["screens"]}
    assert s["abri"]["verdict"] == "unknown" and s["abri"]["unknown_min"] == 180

    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({
        "zone": "Europe/Paris",
        "derogations": [{"reference": "Arrêté 2026-117", "screens": ["pub-1"],
                         "from": "2026-11-24 01:00", "to": "2026-11-24 01:30",
                         "reason": {"fr": "Fête", "en": "Festival"}}],
        "policies": [],
    }))
    r = ok(decran("report", "compliance", "--night", "2026-11-23", "--json", "--now", NOW,
                  "--rules", str(rules)))
    s = {x["screen"]: x for x in json.loads(r.stdout)["screens"]}
    assert s["pub-1"]["verdict"] == "derogation" and s["pub-1"]["derogation_min"] == 20
    # Without --rules the report judges by the file `schedule explain` and
    # `preview` use when none is named: rules.json beside the database.
    assert os.path.dirname(str(rules)) == os.path.dirname(db)
    r = ok(decran("report", "compliance", "--night", "2026-11-23", "--json", "--now", NOW))
    s = {x["screen"]: x for x in json.loads(r.stdout)["screens"]}
    assert s["pub-1"]["verdict"] == "derogation" and s["pub-1"]["derogation_min"] == 20


def test_progress_report(decran):
    """Two advertising screens, one removed on 24 Nov; a target of 1 removed
    by 31 Dec is met; energy to date and last night's violation shown."""
    add(decran, "pub-1")
    add(decran, "pub-2")
    ok(decran("plan", "set", "advertising", "2026-12-31", "1"))
    state(decran, "pub-1", "on", "2026-11-23 00:00")
    state(decran, "pub-2", "on", "2026-11-23 00:00")
    ok(decran("screens", "remove", "pub-2", "--date", "2026-11-24"))
    now = "2026-11-25 10:00"
    ok(decran("energy", "update", "--now", now))
    doc = json.loads(ok(decran("report", "progress", "--json", "--now", now)).stdout)
    assert doc["screens"]["advertising"] == {"active": 1, "reduced": 0,
                                             "slated_for_removal": 0, "removed": 1}
    assert doc["targets"][0]["met"] is True and doc["targets"][0]["removed"] == 1
    e = doc["energy_to_date"]
    # 23 Nov 00:00 - 25 Nov 10:00 = 58 h: pub-1 on 58 h (11.6 kWh, saves 0),
    # pub-2 on 24 h then removed (4.8 kWh, baseline 11.6, saves 6.8).
    assert e["actual_kwh"] == pytest.approx(16.4) and e["saved_kwh"] == pytest.approx(6.8)
    assert e["saved_eur"] == pytest.approx(6.8 * 0.2516)
    ln = doc["last_night"]
    assert ln["night"] == "2026-11-24" and ln["summary"]["violation"] == 1
    assert ln["not_compliant"][0]["screen"] == "pub-1"
    fr = ok(decran("report", "progress", "--now", now)).stdout
    assert "Avancement du plan au 25/11/2026" in fr and "atteint" in fr
    assert "6,8 kWh" in fr and "infraction" in fr


def test_config_and_usage_errors(decran, tmp_path):
    cfg = tmp_path / "energy.json"
    cfg.write_text('{"tariff_eur_per_kwh": "cher"}')
    r = decran("report", "energy", "--config", str(cfg))
    assert r.returncode == 1 and "tariff_eur_per_kwh" in r.stderr
    cfg.write_text('{"tariff_eur_per_kwh": 0.3, "tariff_source": "Contrat 2026"}')
    doc = json.loads(ok(decran("report", "energy", "--json", "--config", str(cfg))).stdout)
    assert doc["tariff_eur_per_kwh"] == 0.3 and doc["tariff_source"] == "Contrat 2026"
    assert decran("report", "energy", "--by", "week").returncode == 2
    assert decran("report", "energy", "--from", "2026-13-01").returncode == 2
    assert decran("report", "energy", "--from", "2026-11-30", "--to", "2026-11-01").returncode == 2
    assert decran("report", "compliance", "--night", "hier").returncode == 2
    assert decran("report", "bogus").returncode == 2
    assert decran("energy", "log-state", "nope", "on", "--at", NOW).returncode == 1
    add(decran, "pub-1")
    assert decran("energy", "log-state", "pub-1", "allumé", "--at", NOW).returncode == 2
    assert decran("energy", "log-state", "pub-1", "on", "--at", "demain").returncode == 2
    assert decran("energy", "log-state", "pub-1", "on", "--at", "2026-02-30 10:00").returncode == 2
    # A meter generation is 0..4294967295 in digits: "-1" and 2^32 used to
    # become the largest value (strtoul; on a 32-bit Pi, wrapped).
    for gen in ("-1", "4294967296", "+5", "5x", ""):
        assert decran("energy", "log-reading", "b1", "5", "--at", NOW,
                      "--meter-gen", gen).returncode == 2, gen
    # Epoch seconds are accepted too (1795388400 = 2026-11-23 00:00 in Paris).
    ok(decran("energy", "log-state", "pub-1", "on", "--at", "@1795388400"))
    ok(decran("energy", "update", "--now", "@1795474800"))
    t = energy_json(decran)["total"]
    assert t["hours"] == 24 and t["actual_kwh"] == 4.8
    assert ok(decran("report", "--help")).stdout.startswith("usage")
    assert ok(decran("energy", "--help")).stdout.startswith("usage")


def test_example_config_loads(decran):
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    example = os.path.join(top, "gateway", "energy.example.json")
    doc = json.loads(ok(decran("report", "energy", "--json", "--config", example)).stdout)
    assert doc["tariff_eur_per_kwh"] == 0.2516 and doc["co2e_kg_per_kwh"] == 0.052


def test_unknown_by_cause_in_reports(decran):
    """Unknown is told apart by cause (issue 14, finding 4), and none of it
    counts as consumption or saving.  From 23 Nov 00:00 local to 24 Nov
    12:00 (36 h): pub-a (box b1) on, its box offline 00:30-06:30 on the
    24th (6 h offline, the whole legal window); pub-c (box b1) never
    confirmed (36 h unconfirmed); pub-b has no box (36 h no box)."""
    add(decran, "pub-a", "advertising", "Centre", "200", "4", "--box", "b1", "--channel", "1")
    add(decran, "pub-b")
    add(decran, "pub-c", "advertising", "Centre", "200", "4", "--box", "b1", "--channel", "2")
    state(decran, "pub-a", "on", "2026-11-23 00:00")
    state(decran, "pub-a", "offline", "2026-11-24 00:30")
    state(decran, "pub-a", "on", "2026-11-24 06:30")
    state(decran, "pub-c", "unknown", "2026-11-23 00:00")
    ok(decran("energy", "update", "--now", "2026-11-24T11:00:00Z"))
    doc = energy_json(decran, "--by", "screen")
    rows = by_key(doc["rows"])
    assert rows["pub-a"]["unknown_hours_by_cause"] == {"unconfirmed": 0, "offline": 6, "no_box": 0}
    assert rows["pub-a"]["actual_kwh"] == pytest.approx(30 * 0.2)
    assert rows["pub-a"]["saved_kwh"] == pytest.approx(0)
    assert rows["pub-b"]["unknown_hours_by_cause"] == {"unconfirmed": 0, "offline": 0, "no_box": 36}
    assert rows["pub-c"]["unknown_hours_by_cause"] == {"unconfirmed": 36, "offline": 0, "no_box": 0}
    for k in ("pub-b", "pub-c"):
        assert rows[k]["actual_kwh"] is None and rows[k]["saved_kwh"] is None
    assert doc["total"]["unknown_hours"] == 78
    csv = ok(decran("report", "energy", "--by", "screen", "--format", "csv")).stdout.splitlines()
    assert csv[0].endswith(";inconnu_non_confirme_h;inconnu_hors_ligne_h;inconnu_sans_boitier_h")
    assert csv[1].startswith("pub-a;") and csv[1].endswith(";0,00;6,00;0,00")
    table = ok(decran("report", "energy", "--by", "screen")).stdout
    assert ("Heures inconnues par cause : 36,0 h état non confirmé, 6,0 h boîtier hors ligne, "
            "36,0 h aucun boîtier.") in table

    night = json.loads(ok(decran("report", "compliance", "--night", "2026-11-23", "--json",
                                 "--now", "2026-11-24T11:00:00Z")).stdout)
    assert night["summary"]["unknown"] == 3
    assert night["unknown_by_cause"] == {"unconfirmed": 1, "offline": 1, "no_box": 1}
    causes = {s["screen"]: (s["verdict"], s.get("unknown_cause")) for s in night["screens"]}
    assert causes == {"pub-a": ("unknown", "offline"), "pub-b": ("unknown", "no_box"),
                      "pub-c": ("unknown", "unconfirmed")}
    assert night["screens"][0]["unknown_min_by_cause"]["offline"] == 300
    text = ok(decran("report", "compliance", "--night", "2026-11-23",
                     "--now", "2026-11-24T11:00:00Z")).stdout
    assert "Inconnus : 1 état non confirmé, 1 boîtier hors ligne, 1 sans boîtier." in text
    assert "inconnu (boîtier hors ligne)" in text
    progress = ok(decran("report", "progress", "--now", "2026-11-24T11:00:00Z")).stdout
    assert "36,0 h état non confirmé, 6,0 h boîtier hors ligne, 36,0 h aucun boîtier" in progress


def test_compliance_fall_back_night_matches_the_engine(decran, tmp_path):
    """Issue 13, finding 2.  A night line (transport furniture, service
    05:40-02:10) on the fall-back night of 30-31 Oct 2027, its relay doing
    exactly what `schedule preview` says: on until 02:10 CEST, on again when
    02:00 comes back (CET) until 02:10, on from 05:40.  The report counts
    70 + 10 + 20 = 100 min of exception and no violation in a 6 h window
    (it used to count 90 and blame the second 02:00-02:10 as a violation)."""
    rules = tmp_path / "rules.json"
    rules.write_text('{"zone": "Europe/Paris", "policies": []}')
    add(decran, "noctilien", "transport", "Gare", "80", "2", "--transport-furniture", "oui",
        "--display", "fixed",
        "--service-hours", "05:40-02:10")
    prev = json.loads(ok(decran("schedule", "preview", "--screen", "noctilien", "--rules",
                                str(rules), "--from", "2027-10-30 12:00", "--to",
                                "2027-10-31 12:00", "--json")).stdout)
    (p,) = prev["screens"]
    steps = [(x["at"], x["state"]) for x in p["transitions"]]
    assert steps == [("2027-10-31T00:10:00Z", "off"), ("2027-10-31T01:00:00Z", "on"),
                     ("2027-10-31T01:10:00Z", "off"), ("2027-10-31T04:40:00Z", "on")]
    state(decran, "noctilien", p["initial"], "2027-10-30T10:00:00Z")
    for at, st in steps:
        state(decran, "noctilien", st, at)
    doc = json.loads(ok(decran("report", "compliance", "--night", "2027-10-30", "--json",
                               "--rules", str(rules), "--now", "2027-11-01T00:00:00Z")).stdout)
    (s,) = doc["screens"]
    assert s["screen"] == "noctilien" and s["window_min"] == 360
    assert s["exception_min"] == 100 and s["violation_min"] == 0 and s["unknown_min"] == 0
    assert s["verdict"] == "exception" and doc["summary"]["violation"] == 0
    # Without a rules file the report uses the law alone: the same figures.
    doc = json.loads(ok(decran("report", "compliance", "--night", "2027-10-30", "--json",
                               "--now", "2027-11-01T00:00:00Z")).stdout)
    assert doc["screens"][0]["exception_min"] == 100 and doc["screens"][0]["violation_min"] == 0
