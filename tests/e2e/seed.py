#!/usr/bin/python3
"""Fill a migrated decran database with a deterministic fake commune, and
report what the dashboard should show, computed with SQL straight from the
database (independently of the C code under test).

  seed.py fill DB N      N screens (status mix, dates around today), plan
                         targets, and two screens whose names are XSS payloads
  seed.py expect DB      JSON: counts by status and category, slated ids...
"""
import datetime
import json
import random
import sqlite3
import sys

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
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(sys.argv[2], int(sys.argv[3]))
    else:
        expect(sys.argv[2])
