"""Several writers on one database (issue 14, finding 1): the gateway's own
records, the dashboard (decran-web: it reads, and asks the gateway to write),
and the operator's CLI beside them.  No writer may lose a write, no reader
may keep a transaction open past its request, and a busy database is
answered politely (CLI: a message and a non-zero exit; dashboard: 503
« base occupée »), never with a 500."""
import html as html_mod
import json
import os
import re
import sqlite3
import threading
import time
import urllib.request

from gwtest import Gateway, Tasmota, add_screen, wait_for
from harness import TOP
from test_web_gateway import PASSWORD, Browser, csrf, login

# 21:59:54 in Paris: advertising goes off at 22:00, six seconds after start,
# after the page view and the CLI write below.
CLOCK = "2026-11-23T20:59:54Z,1"
BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]
WEB = {"http": {"listen": "127.0.0.1:0", "assets": os.path.join(TOP, "dashboard")}}


def try_login(b, user, password=PASSWORD):
    html = b.get("/login")[2]
    status, url, html = b.post("/login", {"csrf": csrf(html, "/login"), "user": user,
                                          "password": password})
    return status, url, html


def test_page_view_then_cli_write_blocks_no_writer(broker, tmp_path, db, decran):
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    add_screen(decran, "info-kiosque", "information", "kiosque", 2)
    assert decran("users", "add", "tech", "--role", "technician",
                  input=PASSWORD + "\n").returncode == 0
    tas = Tasmota(broker, "kiosque", 2).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, clock=CLOCK, extra=WEB).start()
    try:
        base = gw.web_url()
        b = Browser(base)
        # A public page (cached until the inventory's audit moves), then an
        # ordinary CLI write by another process.
        for path in ("/", "/slated", "/api/v1/progress", "/slated.csv", "/slated.geojson"):
            assert b.get(path)[0] == 200, path
        r = decran("users", "add", "nouveau", "--role", "technician", input=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        r = decran("screens", "add", "pub-gare", "--name", "Gare", "--category", "advertising")
        assert r.returncode == 0, r.stderr
        # The new account and the old one both log in.
        for user in ("nouveau", "tech"):
            status, url, html = try_login(Browser(base), user)
            assert status == 200 and url.endswith("/tech"), (user, status, html[-400:])
        # The gateway's own records at the 22:00 edge are all written.
        wait_for(lambda: tas.state[1] is False, timeout=20, what="pub-kiosque off at 22:00")
        wait_for(lambda: gw.sql("SELECT count(*) FROM command_outcomes WHERE"
                                " outcome = 'confirmed'")[0][0] >= 1, timeout=10,
                 what="the confirmation recorded")
        assert gw.sql("SELECT count(*) FROM ledger_states WHERE screen_id = 'pub-kiosque'"
                      " AND state = 1")[0][0] >= 1  # DC_EN_OFF
        log = gw.log()
        assert "database is locked" not in log, log[-3000:]
        assert "write failed" not in log, log[-3000:]
    finally:
        gw.stop()
        tas.close()


def test_writers_readers_and_a_burst_together(fleet_broker, tmp_path, db, decran):
    """CLI writers in a loop, every dashboard page polled with a log-in each
    time, and a 2,000-screen burst, all at once.  Afterwards: every command
    has exactly one outcome, every confirmation is in the ledger's input,
    no writer met "database is locked", every log-in succeeded."""
    from gwtest import NativeFleet, import_screens
    fleet = NativeFleet(fleet_broker, "stress", 250, 8)
    rows = [("pub-%s-%d" % (n, ch), "advertising", n, ch)
            for n in fleet.names for ch in range(1, 9)]
    import_screens(decran, tmp_path, rows)
    assert decran("users", "add", "tech", "--role", "technician",
                  input=PASSWORD + "\n").returncode == 0
    fleet.connect()
    # 21:59:55 in Paris: the burst comes once the retained states are read.
    gw = Gateway(tmp_path, fleet_broker, fleet.boxes(), db, clock="2026-11-23T20:59:55Z,1",
                 extra=WEB)
    gw.cfg["reconcile"].update(startup_grace_ms=2000, retry_first_ms=5000, retry_max_ms=10000,
                               confirm_timeout_ms=60000)
    failures, logins, pages, busy = [], [0], [0], [0]
    stop = threading.Event()
    try:
        gw.start()
        base = gw.web_url()

        def cli_writer():
            for i in range(6):
                for args, inp in (
                        (("screens", "add", "extra-%d" % i, "--name", "Extra %d" % i,
                          "--category", "information"), None),
                        (("screens", "edit", "extra-%d" % i, "--set", "notes=pass %d" % i), None),
                        (("users", "add", "user-%d" % i, "--role", "viewer"), PASSWORD + "\n"),
                        (("energy", "update"), None)):
                    r = decran(*args, input=inp)
                    if r.returncode != 0:
                        failures.append(("cli", args, r.returncode, r.stderr))

        def politely(fn):
            # A 503 « base occupée » (a CLI write held the lock longer than
            # the dashboard waits) is answered as a browser's user would:
            # try again a moment later.  Anything else is final.
            for _ in range(20):
                res = fn()
                if res[0] != 503:
                    return res
                busy[0] += 1
                time.sleep(0.5)
            return res

        def dashboard():
            paths = ("/", "/slated", "/slated.csv", "/slated.geojson", "/api/v1/progress",
                     "/api/v1/slated", "/metrics", "/screen/pub-stress-000-1")
            while not stop.is_set():
                for p in paths:
                    status = politely(lambda: Browser(base).get(p))[0]
                    pages[0] += 1
                    if status != 200:
                        failures.append(("page", p, status))
                status, url, html = politely(lambda: try_login(Browser(base), "tech"))
                logins[0] += 1
                if status != 200 or not url.endswith("/tech"):
                    failures.append(("login", status, html[-300:]))

        threads = [threading.Thread(target=cli_writer), threading.Thread(target=dashboard)]
        for t in threads:
            t.start()
        wait_for(lambda: not any(fleet.state.values()), timeout=90, what="the burst done")
        threads[0].join(120)
        stop.set()
        threads[1].join(60)
        assert not threads[0].is_alive() and not threads[1].is_alive()
        wait_for(lambda: gw.sql("SELECT count(*) FROM commands c WHERE NOT EXISTS"
                                " (SELECT 1 FROM command_outcomes o WHERE o.command_id = c.id)")
                 [0][0] == 0, timeout=30, what="every command has an outcome")
        assert not failures, failures[:5]
        assert logins[0] > 0 and pages[0] > 0
        print("pages=%d logins=%d busy (503, retried)=%d" % (pages[0], logins[0], busy[0]))
        # Every account the CLI added logs in (no stale snapshot hides it).
        for i in range(6):
            status, url, html = try_login(Browser(base), "user-%d" % i)
            assert status == 200 and not url.endswith("/login"), (i, status, html[-300:])
        ncmd = gw.sql("SELECT count(*) FROM commands")[0][0]
        assert ncmd >= 2000
        assert gw.sql("SELECT count(*) FROM commands c WHERE (SELECT count(*) FROM"
                      " command_outcomes o WHERE o.command_id = c.id) <> 1")[0][0] == 0
        # Every confirmation is in the ledger's input, for each of its screens.
        missing = gw.sql("SELECT c.screens FROM command_outcomes o JOIN commands c"
                         " ON c.id = o.command_id WHERE o.outcome = 'confirmed' AND NOT EXISTS"
                         " (SELECT 1 FROM ledger_states l WHERE l.screen_id = c.screens AND"
                         "  l.state = CASE o.state WHEN 'on' THEN 2 ELSE 1 END)")
        assert not missing, missing[:5]
        assert gw.sql("SELECT count(*) FROM screens WHERE id GLOB 'extra-*'")[0][0] == 6
        log = gw.log()
        for bad in ("database is locked", "write refused", "left active", "ledger update failed"):
            assert bad not in log, (bad, [l for l in log.splitlines() if bad in l][:3])
        gw.stop()
    finally:
        stop.set()
        if gw.proc:
            gw.stop()
        fleet.close()


def test_dashboard_answers_503_while_another_process_holds_the_database(broker, tmp_path, db,
                                                                          decran):
    """A log-in writes only decran-web's own sessions file: it succeeds while
    another process holds the main database.  An override from the desk is
    written by the gateway, which cannot now: 503 « base occupée », nothing
    stored; the same form succeeds once the lock is gone."""
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    assert decran("users", "add", "tech", "--role", "technician",
                  input=PASSWORD + "\n").returncode == 0
    gw = Gateway(tmp_path, broker, BOXES, db, clock=CLOCK, extra=WEB).start()
    form = {"screen": "pub-kiosque", "state": "on", "until": "2026-11-23T23:30",
            "reason": "Marché de Noël"}
    try:
        base = gw.web_url()
        b = Browser(base)
        html = b.get("/login")[2]
        holder = sqlite3.connect(db, timeout=10, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")   # another process writing for a long time
        try:
            status, url, html = b.post("/login", {"csrf": csrf(html, "/login"), "user": "tech",
                                                  "password": PASSWORD})
            assert status == 200 and url.endswith("/tech"), (status, html[-400:])
            status, url, page = b.post("/tech/override",
                                       dict(form, csrf=csrf(html, "/tech/override")))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert status == 503, (status, page[-400:])
        assert "Base occupée, réessayez" in page
        assert gw.sql("SELECT count(*) FROM overrides")[0][0] == 0
        status, url, html = b.post("/tech/override", dict(form, csrf=csrf(page, "/tech/override")))
        assert status == 200 and url.endswith("/tech?done=override"), \
            (status, re.findall(r'<p class="error".*?</p>', html))
        assert gw.sql("SELECT count(*) FROM overrides")[0][0] == 1
        assert "database is locked" not in gw.log()
    finally:
        gw.stop()


def metric(text, name):
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    assert m, (name, text[-2000:])
    return float(m.group(1))


def test_database_alarm_while_another_process_holds_the_lock(broker, tmp_path, db, decran):
    """Deliver 1 of issue 14, end to end: while another process holds the
    write lock, the gateway keeps its records in memory, in order; after
    10 s it says so (`decran alarms`, the technician's desk, /metrics)
    and puts relays before records.  Once the lock is released, every
    held-back record is written exactly once, in order, and the alarm
    clears."""
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    add_screen(decran, "info-kiosque", "information", "kiosque", 2)
    assert decran("users", "add", "tech", "--role", "technician",
                  input=PASSWORD + "\n").returncode == 0
    tas = Tasmota(broker, "kiosque", 2).connect()
    # 13:00 in Paris: both screens are on.
    gw = Gateway(tmp_path, broker, BOXES, db, clock="2026-11-23T12:00:00Z,1", extra=WEB).start()
    holder = None

    def alarms():
        r = decran("alarms", "--json", "--socket", gw.sock)
        assert r.returncode == 0, r.stderr
        return [(a["kind"], a["box"]) for a in json.loads(r.stdout)]

    def metrics():
        status, _, text = Browser(base).get("/metrics")
        assert status == 200, text[-400:]
        return text

    def counts():
        return {t: gw.sql("SELECT count(*) FROM " + t)[0][0]
                for t in ("commands", "command_outcomes", "ledger_states")}

    try:
        base = gw.web_url()
        desk = Browser(base)
        login(desk)     # before the lock: a log-in writes its session
        # Settled: both channels read back "on" and recorded.
        wait_for(lambda: gw.sql("SELECT count(DISTINCT screen_id) FROM ledger_states"
                                " WHERE state = 2")[0][0] == 2, timeout=20,
                 what="both channels' state recorded")
        wait_for(lambda: metric(metrics(), "decran_db_writes_pending") == 0, timeout=20,
                 what="no write pending")
        assert ("database", "gateway") not in alarms()
        before = counts()
        (last_seq,), = gw.sql("SELECT coalesce(max(rowid), 0) FROM commands")
        busy_before = metric(metrics(), "decran_db_busy_total")

        holder = sqlite3.connect(db, timeout=10, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")   # another process writing for a long time
        # A switch made on site: recorded (ledger), then put back on by the
        # gateway (a command, its confirmation, the ledger again).
        tas.set_local(1, False)
        wait_for(lambda: ("database", "gateway") in alarms(), timeout=30,
                 what="the database alarm in `decran alarms`")
        text = metrics()
        assert metric(text, 'decran_alarms_active{kind="database"}') == 1
        assert metric(text, "decran_db_writes_pending") > 0
        assert metric(text, "decran_db_busy_total") > busy_before
        status, _, html = desk.get("/tech")
        assert status == 200, html[-400:]
        table = html_mod.unescape(re.search(r'<table class="data" id="alarm-table">.*?</table>',
                                            html, re.S).group(0))
        assert "base occupée : enregistrements en attente d'écriture" in table, table
        # Relays before records: the stalled queue no longer holds the command.
        wait_for(lambda: tas.state[1] is True, timeout=20, what="pub-kiosque back on")
        assert counts() == before       # nothing written under the lock

        holder.execute("ROLLBACK")
        holder.close()
        holder = None
        wait_for(lambda: ("database", "gateway") not in alarms(), timeout=30,
                 what="the database alarm cleared")
        text = metrics()
        assert metric(text, 'decran_alarms_active{kind="database"}') == 0
        assert metric(text, "decran_db_writes_pending") == 0
        assert "base occupée" not in desk.get("/tech")[2]

        # Each held-back record once, in the order it happened.
        after = counts()
        cmds = gw.sql("SELECT id, box, channel, screens, to_state FROM commands WHERE id > ?"
                      " ORDER BY id", last_seq)
        assert [c[1:] for c in cmds] == [("kiosque", 1, "pub-kiosque", "on")], cmds
        # Held back 10 s, longer than confirm_timeout_ms: the wait is not the
        # device's silence (dc_recon_sent), so no "unconfirmed" comes first.
        outs = gw.sql("SELECT outcome, state FROM command_outcomes WHERE command_id = ?"
                      " ORDER BY rowid", cmds[0][0])
        assert outs == [("confirmed", "on")], outs
        assert gw.sql("SELECT kind, active FROM alarm_events WHERE box = 'kiosque'") == []
        states = [s for s, in gw.sql("SELECT state FROM ledger_states WHERE screen_id ="
                                     " 'pub-kiosque' ORDER BY at, seq")]
        assert states[-2:] == [1, 2], states        # off (on site), then on (confirmed)
        assert after == {"commands": before["commands"] + 1,
                         "command_outcomes": before["command_outcomes"] + len(outs),
                         "ledger_states": before["ledger_states"] + 2}, (before, after)
        log = gw.log()
        assert re.search(r"alarm: raised kind=database box=gateway", log), log[-3000:]
        assert re.search(r"alarm: cleared kind=database box=gateway", log), log[-3000:]
        for bad in ("database is locked", "write refused", "write lost", "records lost",
                    "not recorded", "left active"):
            assert bad not in log, (bad, [l for l in log.splitlines() if bad in l][:3])
    finally:
        if holder:
            holder.execute("ROLLBACK")
            holder.close()
        gw.stop()
        tas.close()


def test_cli_waits_then_says_the_database_is_busy(db, decran):
    """A CLI write that meets another process's long write lock waits
    (DC_STORE_BUSY_WAIT_MS, 15 s), then fails with a clear message and
    changes nothing; once the lock is gone the same command succeeds."""
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    holder = sqlite3.connect(db, timeout=10, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.monotonic()
        r = decran("screens", "add", "pub-halle", "--name", "Halle", "--category", "advertising")
        waited = time.monotonic() - t0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.returncode != 0 and "base occupée" in r.stderr and "réessayez" in r.stderr, r.stderr
    assert waited >= 14, waited      # it waited for the lock before giving up
    assert decran("screens", "show", "pub-halle").returncode != 0
    r = decran("screens", "add", "pub-halle", "--name", "Halle", "--category", "advertising")
    assert r.returncode == 0, r.stderr
