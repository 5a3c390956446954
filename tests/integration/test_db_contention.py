"""Several writers on one database (issue 14, finding 1): the gateway's own
records, its dashboard, and the operator's CLI beside them.  No writer may
lose a write, no reader may keep a transaction open past its request, and a
busy database is answered politely (CLI: a message and a non-zero exit;
dashboard: 503 « base occupée »), never with a 500."""
import os
import sqlite3
import threading
import time
import urllib.request

from gwtest import Gateway, Tasmota, add_screen, wait_for
from harness import TOP
from test_web_gateway import PASSWORD, Browser, csrf

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
        # A public page (cached with the database's data_version), then an
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
