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

import svg_layout
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

REQUIRED_DIAGRAMS = ["power.svg", "relay-contactor.svg", "rs485.svg", "gpio-header.svg",
                     "feedback-nc.svg"]
BOM_COLUMNS = ["part", "function", "reference", "source_1", "source_2", "qty_abri", "qty_armoire",
               "unit_price_eur", "price_date", "temp_min_c", "temp_max_c", "dissipation_w", "rating"]
BOM_BOXES = ["qty_abri", "qty_armoire"]     # shelter box (1-2 screens), 8-channel cabinet


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
    cols = re.findall(r"^\|\s*`([a-z_0-9]+)`\s*\|", m.group(1), re.M)
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
        for box in BOM_BOXES:
            assert re.fullmatch(r"0|[1-9][0-9]*", rec[box]), \
                "bom.csv line %d: %s %r is not a whole number" % (n, box, rec[box])
        assert any(int(rec[box]) for box in BOM_BOXES), "bom.csv line %d: used in no box" % n
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
    assert sum(int(r["qty_armoire"]) for r in contactors) == nch
    assert 1 <= sum(int(r["qty_abri"]) for r in contactors) <= 2


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


def test_gpio_header_drawing_shows_the_feedback_inputs():
    """Each feedback input of the firmware default is drawn on its header pin,
    labelled GPIO<line> RET<channel>, and no other pin claims a RET label."""
    root = ET.parse(os.path.join(DIAGRAMS, "gpio-header.svg")).getroot()
    want = {BCM_TO_PIN[c["feedback"]["line"]]: (c["feedback"]["line"], ch)
            for ch, c in firmware_channels().items() if "feedback" in c}
    assert want, "the firmware default has no feedback input"
    for el in root.iter(SVG_NS + "g"):
        m = re.fullmatch(r"pin-(\d+)", el.get("id", ""))
        if not m:
            continue
        text = " ".join(el.itertext())
        pin = int(m.group(1))
        if pin in want:
            line, ch = want[pin]
            assert re.search(r"\bGPIO%d\b" % line, text) and re.search(r"\bRET%d\b" % ch, text), \
                "gpio-header.svg pin %d: expected GPIO%d and RET%d in %r" % (pin, line, ch, text)
        else:
            assert "RET" not in text, "gpio-header.svg pin %d: a feedback label on a pin the " \
                "firmware does not read: %r" % (pin, text)


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


# ---------------------------------------------------------------- diagram layout (A4, no label on a wire)

# A4 landscape with 10 mm margins: the drawing is scaled to fit 277 x 190 mm.
A4_MM = (277.0, 190.0)
MIN_TEXT_MM = 2.5       # smallest lettering of a technical drawing printed in A4 (ISO 3098)
MIN_STROKE_MM = 0.18    # thinnest line of ISO 128 that survives an office printer
MIN_WIRE_MM = 0.25      # a wire must stay visibly thicker than hairlines


def a4_scale(viewbox):
    """Millimetres of paper per SVG unit when the viewBox is fitted to A4."""
    return min(A4_MM[0] / viewbox[2], A4_MM[1] / viewbox[3])


@pytest.mark.parametrize("path", svg_files(), ids=os.path.basename)
def test_svg_uses_only_what_the_layout_check_understands(path):
    svg_layout.layout(path)     # raises Unsupported on a transform, a positioned tspan...


def test_layout_check_sees_a_label_on_a_wire(tmp_path):
    """The checker itself: a label across a wire, a curve and a polyline is
    found; the same label moved clear of them is not."""
    def draw(y):
        bad = tmp_path / "t.svg"
        bad.write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 200" font-size="12">'
            '<path d="M 10 100 H 390"/><path d="M 10 150 C 60 120 100 180 150 150"/>'
            '<polyline points="300 10 300 190"/>'
            '<text x="200" y="%d" text-anchor="middle">Étiquette assez longue</text>'
            '<text x="120" y="%d">courbe</text><text x="290" y="%d">poly</text></svg>'
            % (y, y + 50, y + 40))
        return svg_layout.layout(str(bad))
    _, texts, segs, _ = draw(104)
    hits = [t[0] for t in texts if any(svg_layout.segment_hits_box(a, b, t[2]) for a, b, _ in segs)]
    assert hits == ["Étiquette assez longue", "courbe", "poly"]
    _, texts, segs, _ = draw(60)
    hits = [t[0] for t in texts if any(svg_layout.segment_hits_box(a, b, t[2]) for a, b, _ in segs)]
    assert hits == ["poly"]    # the vertical polyline still runs through it


@pytest.mark.parametrize("path", svg_files(), ids=os.path.basename)
def test_no_label_on_a_wire(path):
    _, texts, segs, _ = svg_layout.layout(path)
    assert texts, "%s: no text found" % path
    bad = []
    for s, _, box in texts:
        for a, b, tag in segs:
            if svg_layout.segment_hits_box(a, b, box):
                bad.append("%r (box %s) crosses %s %s-%s" % (
                    s, tuple(round(v) for v in box), tag,
                    tuple(round(v) for v in a), tuple(round(v) for v in b)))
                break
    assert not bad, "%s: labels on wires:\n  %s" % (os.path.basename(path), "\n  ".join(bad))


@pytest.mark.parametrize("path", svg_files(), ids=os.path.basename)
def test_no_label_on_another_label(path):
    _, texts, _, _ = svg_layout.layout(path)
    bad = ["%r / %r" % (a[0], b[0]) for i, a in enumerate(texts) for b in texts[i + 1:]
           if svg_layout.boxes_overlap(a[2], b[2])]
    assert not bad, "%s: overlapping labels:\n  %s" % (os.path.basename(path), "\n  ".join(bad))


@pytest.mark.parametrize("path", svg_files(), ids=os.path.basename)
def test_diagram_prints_legibly_on_a4(path):
    vb, texts, _, strokes = svg_layout.layout(path)
    mm = a4_scale(vb)
    x0, y0, w, h = vb
    small = ["%r: %.2f mm" % (s, size * mm) for s, size, _ in texts if size * mm < MIN_TEXT_MM]
    assert not small, "%s: text under %.1f mm high in A4:\n  %s" % (
        os.path.basename(path), MIN_TEXT_MM, "\n  ".join(small))
    outside = [s for s, _, b in texts
               if b[0] < x0 or b[1] < y0 or b[2] > x0 + w or b[3] > y0 + h]
    assert not outside, "%s: text cut by the viewBox: %s" % (os.path.basename(path), outside)
    thin = ["%s %.2f mm" % (tag, sw * mm) for tag, sw in strokes
            if sw * mm < (MIN_WIRE_MM if tag in ("path", "line", "polyline") else MIN_STROKE_MM)]
    assert not thin, "%s: lines too thin once printed in A4: %s" % (os.path.basename(path), thin)


# ---------------------------------------------------------------- costed BOM (hw/bom.md)

BOM_MD = os.path.join(HW, "bom.md")


def bom_rows():
    with open(os.path.join(HW, "bom.csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def fr(s):
    """A French number as written in hw/bom.md ('1 234,50 €') as a float."""
    s = s.replace("\u00a0", "").replace(" ", "").replace("€", "").replace("*", "")
    assert re.fullmatch(r"-?[0-9]+(,[0-9]+)?", s), "not a French number: %r" % s
    return float(s.replace(",", "."))


def region(name):
    m = re.search(r"<!-- bom:%s -->\n(.*?)<!-- /bom:%s -->" % (name, name), read(BOM_MD), re.S)
    assert m, "hw/bom.md has no generated region %s" % name
    return m.group(1)


def table_after(text, first_cell):
    """{first cell: other cells} of the markdown table whose header starts
    with `| first_cell |`."""
    lines = text.splitlines()
    i = next(i for i, l in enumerate(lines) if re.match(r"\|\s*%s\s*\|" % re.escape(first_cell), l))
    out = {}
    for row in lines[i + 2:]:
        if not row.startswith("|"):
            break
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        out[cells[0]] = cells[1:]
    return out


def test_bom_every_part_has_two_sources_a_dated_price_and_a_temperature_range():
    for n, r in enumerate(bom_rows(), start=2):
        where = "bom.csv line %d (%s)" % (n, r["part"])
        assert r["source_1"].lower() != r["source_2"].lower(), where + ": the two sources are the same"
        assert float(r["unit_price_eur"]) > 0, where + ": no price"
        assert re.fullmatch(r"\d+\.\d{2}", r["unit_price_eur"]), \
            where + ": price %r: euros with two decimals" % r["unit_price_eur"]
        assert re.fullmatch(r"20\d\d-[01]\d-[0-3]\d", r["price_date"]), where + ": price_date"
        tmin, tmax = int(r["temp_min_c"]), int(r["temp_max_c"])
        assert -60 <= tmin < tmax <= 200, where + ": temperature range %d..%d" % (tmin, tmax)
        assert float(r["dissipation_w"]) >= 0, where + ": dissipation"
    text = read(BOM_MD)
    for date in {r["price_date"] for r in bom_rows()}:
        assert date in text, "hw/bom.md does not state the price date %s" % date
    assert "sans accès en ligne" in text and "indicatif" in text, \
        "hw/bom.md must say the prices are indicative and were not read from live catalogues"


def test_bom_md_is_generated_from_the_csv():
    p = subprocess.run(["python3", os.path.join(TOP, "tools", "bom_render.py"), "--check"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr


def test_bom_parts_table_lists_every_csv_line():
    rows = bom_rows()
    lines = [l for l in region("parts").splitlines() if l.startswith("| ") and not l.startswith("| Pièce")]
    assert len(lines) == len(rows)
    for r, line in zip(rows, lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert cells[0] == r["part"]
        price = float(r["unit_price_eur"])
        assert fr(cells[5]) == price
        assert fr(cells[6]) == round(int(r["qty_abri"]) * price, 2), r["part"]
        assert fr(cells[7]) == round(int(r["qty_armoire"]) * price, 2), r["part"]


def test_bom_totals_add_up():
    """Material = sum of quantity x unit price over the CSV lines; labour =
    hours of the task table x hourly rate; total = material + labour."""
    text = read(BOM_MD)
    rows = bom_rows()
    tasks = table_after(text, "Tâche")
    assert tasks, "hw/bom.md: no labour table"
    rate = fr(re.search(r"Taux horaire\s*:\s*\*\*([0-9 ,\u00a0]+€)", text).group(1))
    tot = table_after(region("totals"), "")
    for col, box in enumerate(BOM_BOXES):
        material = sum(int(r[box]) * float(r["unit_price_eur"]) for r in rows)
        assert fr(tot["Matériel HT"][col]) == pytest.approx(material, abs=0.005), box
        hours = sum(fr(h[col]) for h in tasks.values())
        m = re.fullmatch(r"(.+) h × (.+) € = (.+) €", tot["Main-d'œuvre HT"][col])
        assert m, "labour cell %r: expected 'H h × R € = T €'" % tot["Main-d'œuvre HT"][col]
        assert fr(m.group(1)) == hours and fr(m.group(2)) == rate
        assert fr(m.group(3)) == pytest.approx(hours * rate, abs=0.005)
        assert fr(tot["**Total HT**"][col]) == pytest.approx(material + hours * rate, abs=0.01), box
        assert material > 0 and hours > 0


def test_bom_thermal_budget_adds_up():
    """P = sum of quantity x dissipation; A = front + sides + top + bottom;
    delta T = P / (k A); the ambient limit uses the least tolerant part."""
    text = read(BOM_MD)
    rows = bom_rows()
    params = table_after(text, "Paramètre")
    th = table_after(region("thermal"), "")
    for col, box in enumerate(BOM_BOXES):
        w, h, d = (fr(v) / 1000 for v in params["Dimensions L × H × P (mm)"][col].split("×"))
        k = fr(params["Coefficient d'échange k (W/(m²·K))"][col])
        used = [r for r in rows if int(r[box])]
        power = sum(int(r[box]) * float(r["dissipation_w"]) for r in used)
        area = w * h + 2 * h * d + 2 * w * d
        dt = power / (k * area)
        assert fr(th["Puissance dissipée P (W, cas chaud)"][col]) == pytest.approx(power, abs=0.05)
        assert fr(th["Surface d'échange A (m²)"][col]) == pytest.approx(area, abs=0.0005)
        assert fr(th["Échauffement ΔT = P / (k × A) (K)"][col]) == pytest.approx(dt, abs=0.05)
        tmax = min(int(r["temp_max_c"]) for r in used)
        assert fr(th["Température max. de la pièce la moins tolérante (°C)"][col]) == tmax
        assert fr(th["Température ambiante max. à l'ombre (°C)"][col]) == pytest.approx(tmax - dt, abs=0.05)
        assert dt < 15, "%s: %.1f K of self-heating leaves no margin for summer" % (box, dt)
