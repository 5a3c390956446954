"""The technician's journey against a real decran-gateway: the dashboard
(tests/helpers/web_host --gateway-socket, until the daemon hosts the web
module itself) asks the running gateway for its boxes and alarms, and runs
a relay test on a Tasmota relay emulated with paho-mqtt through mosquitto."""
import http.cookiejar
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from gwtest import PARIS_2200, Gateway, Tasmota, add_screen, wait_for
from harness import TOP, bin_path, stop

HOST = os.path.join(os.path.dirname(bin_path("decran")), "..", "tests", "helpers", "web_host")
PASSWORD = "un-mot-de-passe-long"
BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]


class Browser:
    """Cookies and redirects like a browser, without JavaScript."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        try:
            with self.opener.open(self.base + path, timeout=60) as r:
                return r.status, r.geturl(), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode()

    def post(self, path, form):
        data = urllib.parse.urlencode(form).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as r:
                return r.status, r.geturl(), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode()


def csrf(html, action):
    form = re.search(r'<form method="post" action="%s".*?</form>' % re.escape(action), html, re.S)
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', form.group(0)).group(1)


def relays_cell(html, box):
    m = re.search(r'<tr data-box="%s">.*?<td class="relays">(.*?)</td>' % box, html, re.S)
    return m.group(1) if m else None


@pytest.fixture
def desk(broker, tmp_path, db, decran):
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    add_screen(decran, "info-kiosque", "information", "kiosque", 2)
    assert decran("users", "add", "tech", "--role", "technician", input=PASSWORD + "\n").returncode == 0
    tas = Tasmota(broker, "kiosque", 2).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, clock=PARIS_2200 + ",1").start()
    web = subprocess.Popen([HOST, "--db", db, "--port", "0", "--gateway-socket", gw.sock,
                            "--assets", os.path.join(TOP, "dashboard")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = web.stdout.readline()
        assert line.startswith("listening on "), line + web.stderr.read()
        gw.wait_log(r"info mqtt: connected")
        yield Browser(line.split()[-1]), tas, gw
    finally:
        stop(web)
        gw.stop()
        tas.close()


def test_technician_tests_a_relay_through_the_gateway(desk):
    b, tas, gw = desk
    status, url, html = b.get("/tech")
    assert url.endswith("/login")				# log-in required
    status, url, html = b.post("/login", {"csrf": csrf(html, "/login"), "user": "tech",
                                          "password": PASSWORD})
    assert status == 200 and url.endswith("/tech"), html
    # the gateway's own view of the box
    wait_for(lambda: 'data-box="kiosque"><th scope="row">kiosque</th><td class="ok">en ligne'
             in b.get("/tech")[2], what="kiosque online on the desk")
    api = json.loads(b.get("/api/v1/boxes")[2])
    assert [(x["id"], x["online"], x["channels"]) for x in api["boxes"]] == [("kiosque", True, 2)]

    html = b.get("/tech")[2]
    before = len(tas.commands)
    status, url, html = b.post("/tech/relay", {"csrf": csrf(html, "/tech/relay"), "box": "kiosque",
                                               "channel": "2", "action": "on"})
    assert status == 200 and url.endswith("/tech?done=relay"), html
    assert "Commande de relais envoyée" in html
    # the relay really went through the gateway's test cycle, each step confirmed
    assert [v for ch, v in tas.commands[before:] if ch == 2] == ["OFF", "ON", "OFF"]
    # the schedule takes the channel back (an information screen: on), and the desk shows it
    wait_for(lambda: relays_cell(b.get("/tech")[2], "kiosque") is not None
             and "2" in relays_cell(b.get("/tech")[2], "kiosque"), what="channel 2 shown on")

    # the gateway's refusal reaches the technician
    status, url, html = b.post("/tech/relay", {"csrf": csrf(html, "/tech/relay"), "box": "nope",
                                               "channel": "1", "action": "on"})
    assert status == 409 and "la passerelle a refusé" in html
    # and a form without its token does nothing
    n = len(tas.commands)
    status, _, _ = b.post("/tech/relay", {"box": "kiosque", "channel": "1", "action": "on"})
    assert status == 403 and len(tas.commands) == n


def test_offline_box_raises_an_alarm_on_the_desk(desk):
    b, tas, gw = desk
    html = b.get("/login")[2]
    b.post("/login", {"csrf": csrf(html, "/login"), "user": "tech", "password": PASSWORD})
    wait_for(lambda: 'class="ok">en ligne' in b.get("/tech")[2], what="online")
    tas.crash()					# last will: Offline
    wait_for(lambda: 'class="bad">hors ligne' in b.get("/tech")[2], what="offline on the desk")
    wait_for(lambda: re.search(r'<th scope="row">kiosque</th><td>offline</td>', b.get("/tech")[2]),
             what="offline alarm listed")
