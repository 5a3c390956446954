"""hw/ documentation agrees with the code it describes.

- every SVG in hw/diagrams parses as XML, has an <svg> root, a <title> and a <desc>;
- hw/bom.csv has exactly the columns documented in hw/README.md, no empty
  value, and quantities that are positive integers;
- the pin-map table in hw/pinmap.md agrees with firmware/decran-relay.json.example
  (channel, BCM line, chip, active-low, wiring) and with the Raspberry Pi
  40-pin header (physical pin of each BCM line); the GPIO header drawing too;
- every `decran …` / `decran-relay …` / `decran-gateway …` line quoted in a fenced code block of
  hw/*.md names a command that exists: its sub-command path answers --help with
  exit 0, and every --option used on the line appears in that help.

Command path rule (also stated in hw/README.md): after `decran`, the leading
words made only of lowercase letters form the sub-command path ("relay test");
the first other token (a box or screen name, which in the documents always
contains a digit or a hyphen, a number, an --option, a <placeholder>) ends it.
"""
import csv
import json
import os
import re
import shlex
import subprocess
import xml.etree.ElementTree as ET

import pytest

from harness import TOP, bin_path

HW = os.path.join(TOP, "hw")
DIAGRAMS = os.path.join(HW, "diagrams")
FIRMWARE_EXAMPLE = os.path.join(TOP, "firmware", "decran-relay.json.example")
SVG_NS = "{http://www.w3.org/2000/svg}"

# Raspberry Pi 40-pin header: BCM GPIO number -> physical pin (same on Pi 2/3/4/5,
# Zero and CM4 carriers that expose the standard header).
BCM_TO_PIN = {
    2: 3, 3: 5, 4: 7, 14: 8, 15: 10, 17: 11, 18: 12, 27: 13, 22: 15, 23: 16,
    24: 18, 10: 19, 9: 21, 25: 22, 11: 23, 8: 24, 7: 26, 0: 27, 1: 28, 5: 29,
    6: 31, 12: 32, 13: 33, 19: 35, 16: 36, 26: 37, 20: 38, 21: 40,
}

REQUIRED_DIAGRAMS = ["power.svg", "relay-contactor.svg", "rs485.svg", "gpio-header.svg"]
BOM_COLUMNS = ["part", "function", "reference", "quantity", "rating"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def markdown_files():
    return sorted(os.path.join(HW, n) for n in os.listdir(HW) if n.endswith(".md"))


def svg_files():
    return sorted(os.path.join(DIAGRAMS, n) for n in os.listdir(DIAGRAMS) if n.endswith(".svg"))


# ---------------------------------------------------------------- SVG

def test_required_diagrams_exist():
    for name in REQUIRED_DIAGRAMS:
        assert os.path.isfile(os.path.join(DIAGRAMS, name)), "missing hw/diagrams/" + name


@pytest.mark.parametrize("path", svg_files(), ids=os.path.basename)
def test_svg_well_formed_and_accessible(path):
    root = ET.parse(path).getroot()     # raises on malformed XML
    assert root.tag == SVG_NS + "svg", "%s: root is %s, not svg" % (path, root.tag)
    assert root.get("viewBox"), "%s: no viewBox (the drawing would not scale)" % path
    children = list(root)
    assert children and children[0].tag == SVG_NS + "title", \
        "%s: the first child must be <title> (read first by screen readers)" % path
    assert children[0].text and children[0].text.strip(), "%s: empty <title>" % path
    desc = root.find(SVG_NS + "desc")
    assert desc is not None and desc.text and len(desc.text.strip()) > 40, \
        "%s: needs a <desc> describing the drawing in words" % path
    assert root.get("role") == "img" and root.get("aria-labelledby"), \
        "%s: role=img and aria-labelledby expected" % path
    for ref in root.get("aria-labelledby").split():
        assert root.find(".//*[@id='%s']" % ref) is not None, \
            "%s: aria-labelledby names missing id %s" % (path, ref)


def test_every_diagram_is_linked_from_the_index():
    index = read(os.path.join(HW, "README.md"))
    for path in svg_files():
        assert "diagrams/" + os.path.basename(path) in index, \
            "hw/README.md does not link " + os.path.basename(path)


def test_relative_links_resolve():
    link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    for md in markdown_files():
        for target in link.findall(read(md)):
            if re.match(r"[a-z]+:", target):
                continue    # http:, https:, mailto:
            full = os.path.normpath(os.path.join(os.path.dirname(md), target))
            assert os.path.exists(full), "%s links to missing %s" % (md, target)


# ---------------------------------------------------------------- BOM

def documented_bom_columns():
    """Column names from the table under the bom.csv heading of hw/README.md:
    the first cell of each row, written as `name`."""
    text = read(os.path.join(HW, "README.md"))
    m = re.search(r"^#+ [^\n]*bom\.csv[^\n]*\n(.*?)(?=^#+ )", text, re.M | re.S)
    assert m, "hw/README.md has no section about bom.csv"
    cols = re.findall(r"^\|\s*`([a-z_]+)`\s*\|", m.group(1), re.M)
    assert cols, "the bom.csv section of hw/README.md has no column table"
    return cols


def test_bom_columns_are_documented():
    assert documented_bom_columns() == BOM_COLUMNS


def test_bom_rows():
    with open(os.path.join(HW, "bom.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == documented_bom_columns(), "bom.csv header differs from hw/README.md"
    body = rows[1:]
    assert len(body) >= 15
    parts = set()
    for n, row in enumerate(body, start=2):
        assert len(row) == len(rows[0]), "bom.csv line %d: %d fields" % (n, len(row))
        rec = dict(zip(rows[0], row))
        for k, v in rec.items():
            assert v.strip(), "bom.csv line %d: empty %s" % (n, k)
            assert v == v.strip(), "bom.csv line %d: %s has stray spaces" % (n, k)
        assert re.fullmatch(r"[1-9][0-9]*", rec["quantity"]), \
            "bom.csv line %d: quantity %r is not a positive integer" % (n, rec["quantity"])
        assert rec["part"] not in parts, "bom.csv line %d: duplicate part %s" % (n, rec["part"])
        parts.add(rec["part"])
    # The reference box of issue 8 needs at least these functions.
    text = " ".join(" ".join(r) for r in body).lower()
    for needle in ["raspberry pi", "5 v", "disjoncteur", "30 ma", "contacteur", "rs-485",
                   "sdm120", "parafoudre", "fusible", "bornier", "ip6"]:
        assert needle in text, "bom.csv mentions no %r" % needle


def test_bom_channel_counts_match_firmware():
    """One contactor per channel of the default configuration."""
    nch = len(firmware_channels())
    with open(os.path.join(HW, "bom.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    contactors = [r for r in rows if r["part"].lower().startswith("contacteur")]
    assert contactors, "no contactor in bom.csv"
    assert sum(int(r["quantity"]) for r in contactors) == nch


# ---------------------------------------------------------------- pin map

def firmware_channels():
    with open(FIRMWARE_EXAMPLE, encoding="utf-8") as f:
        cfg = json.load(f)
    return {c["channel"]: c for c in cfg["channels"]}


def pinmap_rows():
    """The table of hw/pinmap.md whose header has a BCM column, as dicts keyed
    by channel, line, pin, chip, active_low, wiring."""
    lines = read(os.path.join(HW, "pinmap.md")).splitlines()
    keys = {"canal": "channel", "bcm": "line", "broche": "pin", "puce": "chip",
            "actif": "active_low", "câblage": "wiring"}
    for i, line in enumerate(lines):
        if not (line.startswith("|") and "BCM" in line):
            continue
        header = [h.strip() for h in line.strip().strip("|").split("|")]
        cols = []
        for h in header:
            k = [v for w, v in keys.items() if h.lower().startswith(w)]
            cols.append(k[0] if k else None)    # extra columns (contactor...) ignored
        missing = set(keys.values()) - set(cols)
        assert not missing, "pinmap.md table lacks columns %s" % sorted(missing)
        assert re.fullmatch(r"\|?[\s:|-]+\|?", lines[i + 1]), "pinmap.md: no separator row"
        rows = []
        for row in lines[i + 2:]:
            if not row.startswith("|"):
                break
            cells = [c.strip().strip("`") for c in row.strip().strip("|").split("|")]
            assert len(cells) == len(cols), "pinmap.md: bad row %r" % row
            rows.append(dict(zip(cols, cells)))
        return rows
    pytest.fail("hw/pinmap.md has no table with a BCM column")


def feedback_rows():
    """The table of hw/pinmap.md with a feedback ("Retour BCM") column."""
    lines = read(os.path.join(HW, "pinmap.md")).splitlines()
    for i, line in enumerate(lines):
        if not (line.startswith("|") and "Retour BCM" in line):
            continue
        header = [h.strip().lower() for h in line.strip().strip("|").split("|")]
        rows = []
        for row in lines[i + 2:]:
            if not row.startswith("|"):
                break
            rows.append(dict(zip(header, [c.strip().strip("`") for c in
                                          row.strip().strip("|").split("|")])))
        return header, rows
    pytest.fail("hw/pinmap.md has no feedback table (\"Retour BCM\" column)")


def test_pinmap_feedback_inputs_match_firmware_default():
    fw = firmware_channels()
    header, rows = feedback_rows()
    col = lambda word: [h for h in header if h.startswith(word)][0]  # noqa: E731
    seen = set()
    outputs = {c["line"] for c in fw.values()}
    for r in rows:
        ch = int(r[col("canal")])
        want = fw[ch].get("feedback")
        assert want, "pinmap.md: channel %d has a feedback input the firmware default lacks" % ch
        line = int(r[col("retour")])
        assert line == want["line"], "channel %d: feedback BCM line" % ch
        assert r[col("puce")] == want["chip"], "channel %d: feedback chip" % ch
        assert yes_no(r[col("actif")]) == want["active_low"], "channel %d: feedback active-low" % ch
        assert int(r[col("broche")]) == BCM_TO_PIN[line], "channel %d: feedback pin" % ch
        assert line not in outputs, "channel %d: feedback on a relay line" % ch
        seen.add(ch)
    assert seen == {c for c, v in fw.items() if "feedback" in v}


def yes_no(cell):
    word = cell.split()[0].lower()
    assert word in ("oui", "non"), "active-low cell %r: expected oui/non" % cell
    return word == "oui"


def test_pinmap_matches_firmware_default():
    fw = firmware_channels()
    rows = pinmap_rows()
    seen = {}
    for r in rows:
        ch = int(r["channel"])
        assert ch not in seen, "pinmap.md: channel %d twice" % ch
        seen[ch] = r
        assert ch in fw, "pinmap.md: channel %d is not in the firmware default" % ch
        want = fw[ch]
        assert int(r["line"]) == want["line"], "channel %d: BCM line" % ch
        assert r["chip"] == want["chip"], "channel %d: chip" % ch
        assert yes_no(r["active_low"]) == want["active_low"], "channel %d: active-low" % ch
        assert r["wiring"].split()[0] == want["wiring"], "channel %d: wiring" % ch
        assert int(r["pin"]) == BCM_TO_PIN[want["line"]], \
            "channel %d: BCM %d is physical pin %d, not %s" % (
                ch, want["line"], BCM_TO_PIN[want["line"]], r["pin"])
    assert set(seen) == set(fw), "pinmap.md channels %s, firmware %s" % (sorted(seen), sorted(fw))


def test_gpio_header_drawing_matches_firmware_default():
    """Each used header pin is drawn with id pin-<n> and labelled GPIO<line> CH<channel>."""
    root = ET.parse(os.path.join(DIAGRAMS, "gpio-header.svg")).getroot()
    for ch, c in firmware_channels().items():
        pin = BCM_TO_PIN[c["line"]]
        el = root.find(".//*[@id='pin-%d']" % pin)
        assert el is not None, "gpio-header.svg: no element id=pin-%d" % pin
        text = " ".join(t for t in el.itertext())
        assert "GPIO%d" % c["line"] in text and "CH%d" % ch in text, \
            "gpio-header.svg pin %d: expected GPIO%d and CH%d in %r" % (pin, c["line"], ch, text)


def test_firmware_example_is_valid():
    p = subprocess.run([bin_path("decran-relay"), "--check-config", FIRMWARE_EXAMPLE],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr


# ---------------------------------------------------------------- commands

def quoted_commands():
    """(file, line) for each decran / decran-relay / decran-gateway line in a
    fenced code block."""
    out = []
    for md in markdown_files():
        fenced = False
        for line in read(md).splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            s = line.strip()
            if fenced and re.match(r"decran(-relay|-gateway)? ", s + " "):
                out.append((os.path.basename(md), s))
    return out


COMMANDS = quoted_commands()


def command_path(tokens):
    path = []
    for t in tokens:
        if not re.fullmatch(r"[a-z]+", t):
            break
        path.append(t)
    return path


def run_help(argv, tmp_path):
    env = dict(os.environ, LANG="fr_FR.UTF-8", LC_ALL="", DECRAN_DB=str(tmp_path / "help.db"))
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)


def test_checklist_quotes_the_commissioning_commands():
    text = "\n".join(l for f, l in COMMANDS if f == "commissioning.md")
    for needle in ["decran-relay --check-config", "decran boxes list", "decran relay test",
                   "decran bind", "decran alarms"]:
        assert needle in text, "commissioning.md quotes no %r" % needle


@pytest.mark.parametrize("where,line", COMMANDS, ids=["%s: %s" % c for c in COMMANDS])
def test_quoted_command_exists(where, line, tmp_path):
    tokens = shlex.split(line, comments=True)
    prog, args = tokens[0], tokens[1:]
    if prog == "decran":
        path = command_path(args)
        assert path, "%s: %r names no sub-command" % (where, line)
        rest = args[len(path):]
    else:
        path, rest = [], args
    p = run_help([bin_path(prog), *path, "--help"], tmp_path)
    assert p.returncode == 0, "%s: `%s %s --help` exited %d: %s" % (
        where, prog, " ".join(path), p.returncode, p.stderr.strip())
    helptext = p.stdout + p.stderr
    assert helptext.strip(), "%s: empty help for %r" % (where, line)
    for t in rest:
        if t.startswith("--"):
            opt = t.split("=", 1)[0]
            assert re.search(re.escape(opt) + r"(?![\w-])", helptext), \
                "%s: %r: %s is not in `%s %s --help`" % (
                where, line, opt, prog, " ".join(path))


# ---------------------------------------------------------------- config snippets

def json_blocks():
    """(file, text) of every ```json fenced block in hw/*.md."""
    out = []
    for md in markdown_files():
        for m in re.finditer(r"^[ \t]*```json\n(.*?)^[ \t]*```", read(md), re.M | re.S):
            out.append((os.path.basename(md), m.group(1)))
    return out


def test_json_snippets_parse():
    blocks = json_blocks()
    assert len(blocks) >= 5
    for where, text in blocks:
        try:
            json.loads(text)
        except ValueError as e:
            pytest.fail("%s: JSON snippet does not parse: %s\n%s" % (where, e, text))


def test_box_topics_quoted_exist_in_firmware():
    """Every decran/<box>/<topic> the documents tell the electrician to watch is
    one the firmware uses (relay_mqtt.c lists its topics in its header)."""
    src = read(os.path.join(TOP, "firmware", "relay_mqtt.c"))
    known = set(re.findall(r"decran/<box>/([a-z]+)", src))
    assert {"status", "tele", "fallback", "error"} <= known
    quoted = []
    for md in markdown_files():
        for box, leaf in re.findall(r"decran/([a-z0-9<>][a-z0-9_<>\-]*)/([a-z]+)", read(md)):
            if box == "gateway":
                continue
            quoted.append((os.path.basename(md), leaf))
            assert leaf in known, "%s quotes topic decran/%s/%s, unknown to the firmware" % (
                os.path.basename(md), box, leaf)
    assert any(leaf == "fallback" for _, leaf in quoted), "no fallback topic quoted"


def gateway_snippets():
    """Gateway configuration fragments quoted in hw/*.md: objects with "boxes",
    or a single box object (with "driver")."""
    out = []
    for where, text in json_blocks():
        obj = json.loads(text)
        if "boxes" in obj:
            out.append((where, obj))
        elif "driver" in obj:
            out.append((where, {"boxes": [obj]}))
    return out


@pytest.mark.parametrize("where,fragment", gateway_snippets(),
                         ids=["%s: %s" % (w, f["boxes"][0]["id"]) for w, f in gateway_snippets()])
def test_gateway_snippet_is_accepted(where, fragment, tmp_path):
    """The fragment, merged into a minimal configuration, passes
    `decran-gateway --check` (the daemon's own validator)."""
    # --check does not open profiles; a misspelt profile name must still fail here.
    for box in fragment["boxes"]:
        for name in (box.get("profile"), box.get("meter", {}).get("profile")):
            if name:
                prof = os.path.join(TOP, "gateway", "profiles", name + ".json")
                assert os.path.isfile(prof), "%s: box %s names profile %s, but %s is missing" % (
                    where, box["id"], name, prof)
    exe = bin_path("decran-gateway")
    assert os.path.exists(exe), "decran-gateway is not built (gateway branch not merged yet)"
    cfg = {
        "broker": {"host": "127.0.0.1", "port": 1883},
        "db": str(tmp_path / "gw.db"),
        "rules": os.path.join(TOP, "tests", "fixtures", "rules.json"),
        "control_socket": str(tmp_path / "gw.sock"),
        "profiles_dir": os.path.join(TOP, "gateway", "profiles"),
    }
    cfg.update(fragment)
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps(cfg))
    p = subprocess.run([exe, "--check", "--config", str(path)], capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, LANG="C.UTF-8"))
    assert p.returncode == 0, "%s: snippet rejected by decran-gateway --check:\n%s%s" % (
        where, p.stdout, p.stderr)


def test_relay_contactor_drawing_names_channel_1_pin():
    """Schéma 2 draws channel 1: its GPIO and header pin must be the firmware's."""
    root = ET.parse(os.path.join(DIAGRAMS, "relay-contactor.svg")).getroot()
    text = " ".join(root.itertext())
    c = firmware_channels()[1]
    assert "GPIO%d (broche %d)" % (c["line"], BCM_TO_PIN[c["line"]]) in text
