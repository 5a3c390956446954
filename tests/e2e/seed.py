#!/usr/bin/python3
"""Fill a migrated decran database with a deterministic fake commune, and
report what the dashboard should show, computed with SQL straight from the
database (independently of the C code under test).

  seed.py fill DB N      N screens (status mix, dates around today), plan
                         targets, and two screens whose names are XSS payloads
  seed.py ledger DB      relay states of the last 45 days in the energy
                         ledger's input log (then `decran energy rebuild`)
  seed.py expect DB      JSON: counts by status and category, slated ids...,
                         energy saved per month from the ledger's tables and
                         last night's verdicts worked out from the log
"""
import datetime
import json
import random
import sqlite3
import sys
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")	# the ledger's default zone
OFF, ON, UNKNOWN = 1, 2, 0

CATEGORIES = ["advertising", "information", "school", "library", "early_childhood",
              "transport", "other"]
XSS = ['<img src=x onerror="window.__xss=1">', '"><script>window.__xss=1</script>']


def fill(db, n):
    rnd = random.Random(42)
    today = datetime.date.today()
    con = sqlite3.connect(db)
    rows = []
    for i in range(n):
        cat = CATEGORIES[rnd.randrange(len(CATEGORIES))]
        status = rnd.choices(["active", "reduced", "slated_for_removal", "removed"],
                             [45, 20, 20, 15])[0]
        target = removed = None
        if status == "slated_for_removal" and rnd.random() < 0.9:
            target = (today + datetime.timedelta(days=rnd.randrange(-120, 400))).isoformat()
        if status == "removed" and rnd.random() < 0.95:
            removed = (today - datetime.timedelta(days=rnd.randrange(0, 500))).isoformat()
        name = f"Écran {i:05d}"
        if i < len(XSS):
            name, status, target = XSS[i], "slated_for_removal", today.isoformat()
        lat = 48.80 + rnd.random() * 0.1 if rnd.random() < 0.8 else None
        lon = 2.30 + rnd.random() * 0.1 if lat is not None else None
        rows.append((f"scr-{i:05d}", name, cat, f"Site {rnd.randrange(60):02d}",
                     f"Rue {i} de la Paix", lat, lon, rnd.choice(["Ville", "JCDecaux", "Clear Channel"]),
                     rnd.choice(["LCD", "LED"]), round(rnd.uniform(0.5, 8), 1),
                     round(rnd.uniform(40, 900)), round(rnd.uniform(1, 8), 1),
                     rnd.choice([24, 18, 12.5, 10]), status, target, removed))
    con.executemany(
        "INSERT INTO screens(id, name, category, site, address, lat, lon, owner, tech, surface_m2,"
        " power_on_w, power_standby_w, baseline_hours, status, removal_target, removal_date)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    removed_now = sum(1 for r in rows if r[13] == "removed")
    for k, days in enumerate([-60, 30, 180, 365]):
        con.execute("INSERT INTO plan_targets(category, target_date, removed) VALUES('all', ?, ?)",
                    ((today + datetime.timedelta(days=days)).isoformat(),
                     removed_now // 2 + k * max(1, n // 10)))
    con.execute("INSERT INTO plan_targets(category, target_date, removed) VALUES('advertising', ?, ?)",
                ((today + datetime.timedelta(days=200)).isoformat(), n // 20))
    con.commit()
    con.close()


def local_ts(day, hour):
    return int(datetime.datetime.combine(day, datetime.time(hour), PARIS).timestamp())


def ledger(db):
    """Confirmed relay states since 45 days ago, written straight into the
    input log (a log loaded by other means: `decran energy rebuild` then
    computes the ledger).  Advertising screens in place take turns: off
    22:00-07:00 every night, on all the time, off all the time, never
    logged; school screens are off all the time."""
    now = datetime.datetime.now(PARIS)
    first = now.date() - datetime.timedelta(days=45)
    con = sqlite3.connect(db)
    rows = []
    adv = [r[0] for r in con.execute("SELECT id FROM screens WHERE category = 'advertising'"
                                     " AND status != 'removed' ORDER BY id")]
    school = [r[0] for r in con.execute("SELECT id FROM screens WHERE category = 'school'"
                                        " AND status != 'removed' ORDER BY id")]
    for k, sid in enumerate(adv):
        if k % 4 == 0:
            rows.append((sid, local_ts(first, 0), OFF))
            day = first
            while day <= now.date():
                rows += [(sid, local_ts(day, 7), ON), (sid, local_ts(day, 22), OFF)]
                day += datetime.timedelta(days=1)
        elif k % 4 in (1, 2):
            rows.append((sid, local_ts(first, 0), ON if k % 4 == 1 else OFF))
    rows += [(sid, local_ts(first, 0), OFF) for sid in school]
    con.executemany("INSERT INTO ledger_states(screen_id, at, state) VALUES(?,?,?)",
                    [r for r in rows if r[1] < now.timestamp()])
    con.commit()
    con.close()


def verdict(states, removed_at, ws, we):
    """R581-35 for one screen over [ws, we): on anywhere is a violation,
    else any unconfirmed second makes it unknown (docs/energy.md)."""
    cuts = {ws, we} | {a for a, _ in states if ws < a < we}
    if ws < removed_at < we:
        cuts.add(removed_at)
    cuts = sorted(cuts)
    on = unknown = False
    for a in cuts[:-1]:
        if a >= removed_at:
            continue				# removed: off
        st = UNKNOWN
        for at, s in states:
            if at <= a:
                st = s
        on |= st == ON
        unknown |= st == UNKNOWN
    return "violation" if on else "unknown" if unknown else "compliant"


def last_night(con, now):
    """Verdicts of the last night whose 01:00-06:00 window has ended."""
    morning = (now - datetime.timedelta(hours=6)).date()
    ws, we = local_ts(morning, 1), local_ts(morning, 6)
    out = {"night": (morning - datetime.timedelta(days=1)).isoformat(), "screens": 0,
           "compliant": 0, "violation": 0, "unknown": 0}
    for sid, status, removal in con.execute("SELECT id, status, removal_date FROM screens"
                                            " WHERE category = 'advertising'"):
        removed_at = float("inf")
        if status == "removed" and removal:
            removed_at = local_ts(datetime.date.fromisoformat(removal), 0)
        states = con.execute("SELECT at, state FROM ledger_states WHERE screen_id = ? ORDER BY at",
                             (sid,)).fetchall()
        out[verdict(states, removed_at, ws, we)] += 1
        out["screens"] += 1
    return out


def energy(con, today):
    """Saved kWh and unknown hours per local month (the last twelve the
    ledger covers, to this one) and since the ledger began, summed from
    energy_group_day; None where no second is known."""
    def fig(r):
        actual, baseline, known, unknown = r
        return {"saved_kwh": (baseline - actual) / 1e6 if known else None,
                "unknown_hours": unknown / 3600}
    sums = "sum(actual_mwh), sum(baseline_mwh), sum(known_s), sum(unknown_s)"
    rows = {r[0]: fig(r[1:]) for r in con.execute(
        f"SELECT substr(day, 1, 7) AS m, {sums} FROM energy_group_day WHERE day <= ? GROUP BY m",
        (today.isoformat(),))}
    cur = today.year * 12 + today.month - 1
    key = lambda i: f"{i // 12:04d}-{i % 12 + 1:02d}"
    covered = [i for i in range(cur - 11, cur + 1) if key(i) in rows]
    months = [dict(month=key(i), **rows.get(key(i), {"saved_kwh": None, "unknown_hours": 0}))
              for i in range(covered[0], cur + 1)] if covered else []
    total = con.execute(f"SELECT {sums} FROM energy_group_day WHERE day <= ?",
                        (today.isoformat(),)).fetchone()
    return {"months": months, "to_date": fig(total) if total[0] is not None else None}


def expect(db):
    con = sqlite3.connect(db)
    q = lambda sql, *a: con.execute(sql, a).fetchall()
    by_status = dict(q("SELECT status, count(*) FROM screens GROUP BY status"))
    by_cat = {c: dict(q("SELECT status, count(*) FROM screens WHERE category = ? GROUP BY status", c))
              for c in CATEGORIES}
    slated = [r[0] for r in q("SELECT id FROM screens WHERE status = 'slated_for_removal' ORDER BY id")]
    kwh = q("SELECT coalesce(sum(power_on_w * baseline_hours * 365 / 1000.0), 0) FROM screens"
            " WHERE status = 'slated_for_removal'")[0][0]
    out = {"total": q("SELECT count(*) FROM screens")[0][0], "by_status": by_status,
           "by_category": by_cat, "slated_ids": slated, "slated_kwh": kwh,
           "xss_ids": [r[0] for r in q("SELECT id FROM screens WHERE name LIKE '%<%'")],
           "removed_ids": [r[0] for r in q("SELECT id FROM screens WHERE status = 'removed' ORDER BY id")],
           "active_adv_ids": [r[0] for r in q("SELECT id FROM screens WHERE status = 'active'"
                                              " AND category = 'advertising' ORDER BY id")]}
    now = datetime.datetime.now(PARIS)
    out["energy"] = energy(con, now.date())
    out["night"] = last_night(con, now)
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "ledger":
        ledger(sys.argv[2])
    else:
        expect(sys.argv[2])
