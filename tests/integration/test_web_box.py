"""The technician's box page (/box/ID, dashboard/src/web_box.c) served by
decran-web beside a real decran-gateway and a Tasmota relay emulated with
paho-mqtt, as a browser without JavaScript uses it: each channel's state
(unknown when the box is offline), the server-side confirmation before a
test lights an advertising screen, channel numbers within the box, the
gateway's refusal in the legal night said in the page's words, alarms
translated from their codes, and the QR label read back by zbarimg."""
import json
import os
import pwd
import re
import shutil
import subprocess

import pytest

from gwtest import PARIS_2200, Gateway, Tasmota, add_screen, wait_for
from harness import TOP
from test_web_gateway import PASSWORD, Browser, csrf

BOXES = [{"id": "kiosque", "driver": "tasmota", "topic": "kiosque", "channels": 2}]
PUBLIC = "https://decran.ville.example:8443/tableau"


def start(broker, tmp_path, db, decran, clock):
    add_screen(decran, "pub-kiosque", "advertising", "kiosque", 1)
    add_screen(decran, "info-kiosque", "information", "kiosque", 2)
    assert decran("users", "add", "tech", "--role", "technician", input=PASSWORD + "\n").returncode == 0
    tas = Tasmota(broker, "kiosque", 2).connect()
    gw = Gateway(tmp_path, broker, BOXES, db, clock=clock,
                 extra={"http": {"listen": "127.0.0.1:0",
                                 "assets": os.path.join(TOP, "dashboard"),
                                 "web_json": {"public_url": PUBLIC,
                                              "service_phone": "03 20 00 00 00"}},
                        "control": {"web": [pwd.getpwuid(os.getuid()).pw_name]}}).start()
    return tas, gw


@pytest.fixture
def box(broker, tmp_path, db, decran):
    tas, gw = start(broker, tmp_path, db, decran, PARIS_2200 + ",1")
    try:
        gw.wait_log(r"info mqtt: connected")
        yield Browser(gw.web_url()), tas, gw
    finally:
        gw.stop()
        tas.close()


def login_to(b, path):
    """The QR code's way in: the page asks for a log-in, then comes back."""
    status, url, html = b.get(path)
    assert status == 200 and "/login?next=" + path in url, url
    status, url, html = b.post("/login", {"csrf": csrf(html, "/login"), "user": "tech",
                                          "password": PASSWORD, "next": path})
    assert status == 200 and url.endswith(path), url
    return html


def card(html, ch):
    m = re.search(r'<section class="chan card" id="ch-%d".*?</section>' % ch, html, re.S)
    assert m, html
    return m.group(0)


def state(html, ch):
    return re.search(r'<span class="st st-\w+">(.*?)</span>', card(html, ch)).group(1)


def test_channels_known_online_and_unknown_offline(box):
    b, tas, gw = box
    html = login_to(b, "/box/kiosque")
    # both channels, their screens, and what the relay last confirmed
    wait_for(lambda: state(b.get("/box/kiosque")[2], 2) == "allumée", what="channel 2 on")
    html = b.get("/box/kiosque")[2]
    assert '<a href="/screen/pub-kiosque">pub-kiosque</a>' in card(html, 1)
    assert '<a href="/screen/info-kiosque">info-kiosque</a>' in card(html, 2)
    assert re.search(r"<dt>Dernière confirmation</dt><dd>\d\d/\d\d/\d{4} \d\d:\d\d</dd>", card(html, 2))
    assert 'id="ch-3"' not in html
    tas.crash()                                 # last will: Offline
    wait_for(lambda: "hors ligne" in b.get("/box/kiosque")[2], what="offline")
    html = b.get("/box/kiosque")[2]
    assert state(html, 1) == state(html, 2) == "inconnu"
    # the desk: unknown, never "aucune" for a box that cannot say
    desk = b.get("/tech")[2]
    cell = re.search(r'<tr data-box="kiosque">.*?<td class="relays">(.*?)</td>', desk, re.S).group(1)
    assert cell == "inconnu"
    # the alarm: in French only, linked to its box
    wait_for(lambda: "boîtier hors ligne" in b.get("/box/kiosque")[2], what="offline alarm")
    html = b.get("/box/kiosque")[2]
    alarms = re.search(r'<ul class="alarms".*?</ul>', html, re.S).group(0)
    assert '<a href="/box/kiosque">boîtier kiosque</a>' in alarms
    assert "box offline" not in html and "box offline" not in b.get("/tech")[2]
    en = b.get("/box/kiosque?lang=en")[2]
    assert "box offline" in en and "boîtier hors ligne" not in en
    b.get("/box/kiosque?lang=fr")


def test_test_asks_first_for_an_advertising_screen_then_runs(box):
    b, tas, gw = box
    html = login_to(b, "/box/kiosque")
    token = csrf(html, "/box/kiosque/test#ch-1")
    # a channel the box does not have: said, nothing asked of the gateway
    status, url, html = b.post("/box/kiosque/test", {"csrf": token, "channel": "3"})
    assert status == 400 and "Voie « 3 » invalide : le boîtier kiosque a 2 voies, de 1 à 2." in html
    # channel 1 carries an advertising screen: a confirmation page first
    status, url, html = b.post("/box/kiosque/test", {"csrf": token, "channel": "1"})
    assert status == 200 and 'id="confirm-form"' in html and "publicitaire" in html, html
    assert gw.api({"cmd": "tests"})["tests"] == []
    assert '<input type="hidden" name="confirm" value="1">' in html
    status, url, html = b.post("/box/kiosque/test", {"csrf": token, "channel": "1", "confirm": "1"})
    assert status == 200 and url.endswith("/box/kiosque?done=test&ch=1#ch-1"), url
    assert "Essai lancé" in card(html, 1)
    wait_for(lambda: gw.api({"cmd": "tests"})["tests"], what="the test started")
    # the steps, without JavaScript: the page refreshes itself while it runs
    # and shows each step; tests.json says the same for app.js
    j = wait_for(lambda: (lambda t: t if t["tests"] and not t["running"] else None)(
        json.loads(b.get("/box/kiosque/tests.json")[2])), what="test over")
    assert j["tests"][0]["channel"] == 1 and j["tests"][0]["result"] in ("passed", "failed")
    assert re.match(r"éteint \d+ ms", j["tests"][0]["steps"])
    html = b.get("/box/kiosque")[2]
    assert re.search(r'<p class="steps">éteint \d+ ms.*, allumé \d+ ms.*, éteint \d+ ms', card(html, 1))
    # channel 2 (information) runs without asking
    status, url, html = b.post("/box/kiosque/test", {"csrf": token, "channel": "2"})
    assert status == 200 and url.endswith("?done=test&ch=2#ch-2"), url
    assert "Essai lancé" in card(html, 2) and "Confirmer" not in html


def test_override_confirmed_and_values_kept_on_error(box):
    b, tas, gw = box
    html = login_to(b, "/box/kiosque")
    token = csrf(html, "/box/kiosque/override#ch-1")
    form = {"csrf": token, "channel": "1", "screen": "pub-kiosque", "state": "off",
            "until": "2020-01-01T10:00", "reason": "Vitre <b>cassée</b>"}
    status, url, html = b.post("/box/kiosque/override", form)
    assert status == 400 and "Échéance invalide" in card(html, 1)
    c = card(html, 1)
    assert 'value="2020-01-01T10:00"' in c and 'value="Vitre &lt;b&gt;cassée&lt;/b&gt;"' in c
    assert '<option value="pub-kiosque" selected>' in c
    form["until"] = "2026-11-24T12:00"
    status, url, html = b.post("/box/kiosque/override", form)
    assert status == 200 and 'id="confirm-form"' in html and "met le plan de côté" in html
    assert "Forçage :" not in card(b.get("/box/kiosque")[2], 1)     # nothing recorded yet
    status, url, html = b.post("/box/kiosque/override", dict(form, confirm="1"))
    assert url.endswith("?done=override&ch=1#ch-1"), url
    c = card(html, 1)
    assert "Forçage enregistré" in c and "Vitre &lt;b&gt;cassée&lt;/b&gt;" in c


def test_relay_test_refused_in_the_legal_night(broker, tmp_path, db, decran):
    # 02:30 in Paris: the advertising screen on channel 1 must stay dark
    tas, gw = start(broker, tmp_path, db, decran, "2026-11-24T01:30:00Z,1")
    try:
        gw.wait_log(r"info mqtt: connected")
        b = Browser(gw.web_url())
        html = login_to(b, "/box/kiosque")
        status, url, html = b.post("/box/kiosque/test", {
            "csrf": csrf(html, "/box/kiosque/test#ch-1"), "channel": "1", "confirm": "1"})
        assert status == 409
        msg = re.search(r'<p class="error" role="alert" id="msg">(.*?)</p>', card(html, 1)).group(1)
        assert msg == ("la passerelle a refusé : un écran publicitaire de cette voie doit rester "
                       "éteint maintenant ou avant la fin de l&#39;essai (R581-35, de 1 h à 6 h) : "
                       "faites l&#39;essai en dehors de ces heures"), msg
        assert gw.api({"cmd": "tests"})["tests"] == []
    finally:
        gw.stop()
        tas.close()


def qr_matrix(svg):
    """The modules the SVG's path draws (lib/qrsvg.h), quiet zone included."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    d = re.search(r'<path fill="#000" d="([^"]*)"', svg).group(1)
    m = [[0] * side for _ in range(side)]
    for x, y, n, n2 in re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", d):
        assert n == n2
        for k in range(int(n)):
            m[int(y)][int(x) + k] = 1
    assert re.sub(r"M\d+ \d+h\d+v1h-\d+z", "", d) == ""
    return m


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (zbar-tools) not installed")
def test_label_qr_code_opens_the_box_page(box, tmp_path):
    b, tas, gw = box
    login_to(b, "/box/kiosque")
    status, url, html = b.get("/box/kiosque/label")
    assert status == 200
    assert '<p class="url">%s/box/kiosque</p>' % PUBLIC in html
    assert "Service technique : <strong>03 20 00 00 00</strong>" in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    m = qr_matrix(svg)
    scale = 6
    pbm = tmp_path / "qr.pbm"
    with open(pbm, "w") as f:
        f.write("P1\n%d %d\n" % (len(m) * scale, len(m) * scale))
        for row in m:
            line = " ".join(str(v) for v in row for _ in range(scale))
            f.write((line + "\n") * scale)
    out = subprocess.run(["zbarimg", "-q", "--raw", str(pbm)], capture_output=True, text=True)
    assert out.stdout.strip() == PUBLIC + "/box/kiosque", out
    # the same code alone, as an image
    status, url, body = b.get("/box/kiosque/qr.svg")
    assert status == 200 and qr_matrix(body) == m


def test_unbind_an_advertising_screen_asks_first(box, decran):
    b, tas, gw = box
    html = login_to(b, "/box/kiosque")
    token = csrf(html, "/box/kiosque/unbind#ch-1")
    form = {"csrf": token, "channel": "1", "screen": "pub-kiosque"}
    # not on that channel: refused, nothing asked
    status, url, html = b.post("/box/kiosque/unbind", dict(form, channel="2"))
    assert status == 400 and "pas raccordé à cette voie" in card(html, 2)
    status, url, html = b.post("/box/kiosque/unbind", form)
    assert status == 200 and 'id="confirm-form"' in html and "publicitaire" in html
    assert gw.sql("SELECT box, channel FROM screens WHERE id = 'pub-kiosque'") == [("kiosque", 1)]
    status, url, html = b.post("/box/kiosque/unbind", dict(form, confirm="1"))
    assert url.endswith("?done=unbind&ch=1#ch-1") and "Écran détaché" in card(html, 1), url
    assert "Aucun écran raccordé." in card(html, 1)
    wait_for(lambda: gw.channel("kiosque", 1)["screens"] == [], what="channel 1 unbound")
    assert gw.sql("SELECT box, channel FROM screens WHERE id = 'pub-kiosque'") == [(None, None)]
    # an information screen leaves without a question
    status, url, html = b.post("/box/kiosque/unbind", {"csrf": token, "channel": "2",
                                                        "screen": "info-kiosque"})
    assert url.endswith("?done=unbind&ch=2#ch-2"), url
