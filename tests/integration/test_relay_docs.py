"""The default pin map lives in firmware/decran-relay.json.example; every
document that repeats it must agree with it."""
import glob
import json
import os
import re

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def example_channels():
    with open(os.path.join(TOP, "firmware", "decran-relay.json.example")) as f:
        cfg = json.load(f)
    return {c["channel"]: (c.get("chip", "gpiochip0"), c["line"], c.get("active_low", True),
                           c.get("wiring", "NO")) for c in cfg["channels"]}


def table_rows(path):
    """Rows `| channel | chip | line | ... |` of pin-map tables in a markdown file."""
    rows = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\|\s*(\d+)\s*\|\s*(gpiochip\d+)\s*\|\s*(\d+)\s*\|(.*)", line)
            if m:
                rest = [x.strip().lower() for x in m.group(4).split("|")]
                rows[int(m.group(1))] = (m.group(2), int(m.group(3)), rest)
    return rows


def test_example_is_the_raspberry_pi_hat_layout():
    ch = example_channels()
    assert [ch[i][1] for i in range(1, 9)] == [5, 6, 13, 16, 19, 20, 21, 26]
    assert all(v[0] == "gpiochip0" and v[2] is True for v in ch.values())


def test_docs_pin_tables_agree_with_example():
    ch = example_channels()
    docs = [os.path.join(TOP, "firmware", "README.md")]
    docs += glob.glob(os.path.join(TOP, "hw", "**", "*.md"), recursive=True)
    checked = 0
    for path in docs:
        rows = table_rows(path)
        if not rows:
            continue
        for n, (chip, line, rest) in rows.items():
            assert n in ch, "%s: channel %d is not in the example config" % (path, n)
            assert (chip, line) == ch[n][:2], "%s: channel %d is %s:%d, config says %s:%d" % (
                path, n, chip, line, ch[n][0], ch[n][1])
            if path.endswith(os.path.join("firmware", "README.md")):
                # our own table also states polarity and wiring
                assert rest[1] == ("yes" if ch[n][2] else "no"), (path, n)
                assert rest[2] == ch[n][3].lower(), (path, n)
        assert set(rows) == set(ch), "%s lists channels %s, config %s" % (
            path, sorted(rows), sorted(ch))
        checked += 1
    assert checked >= 1
