#!/usr/bin/env python3
"""Fill the computed tables of hw/bom.md from hw/bom.csv.

hw/bom.csv is the only list of parts; hw/bom.md holds the prose, the labour
table, the hourly rate and the enclosure sizes, written by hand. This script
rewrites only the regions between `<!-- bom:NAME -->` and `<!-- /bom:NAME -->`
(parts, totals, thermal), so that the totals always follow the CSV.
tests/integration/test_hw_docs.py checks that hw/bom.md is up to date and
recomputes the totals on its own.

Usage: python3 tools/bom_render.py [--check]
  --check: exit 1 (and write nothing) if hw/bom.md is not up to date.
"""
import csv
import os
import re
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CSV = os.path.join(TOP, "hw", "bom.csv")
MD = os.path.join(TOP, "hw", "bom.md")
BOXES = (("qty_abri", "Boîte d'abri (1–2 écrans)"), ("qty_armoire", "Armoire 8 canaux"))
NBSP = "\u00a0"


def fr_number(x, decimals=2):
    """1234.5 -> '1 234,50' (no-break space between thousands)."""
    s = "%.*f" % (decimals, x)
    whole, _, frac = s.partition(".")
    neg = whole.startswith("-")
    whole = whole.lstrip("-")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    out = ("-" if neg else "") + NBSP.join(groups)
    return out + ("," + frac if frac else "")


def parse_fr(s):
    """'1 234,50 €' -> 1234.5"""
    s = s.replace(NBSP, "").replace(" ", "").replace("€", "").replace(",", ".")
    return float(s)


def read_rows(path=CSV):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def md_table(text, first_header):
    """Rows (lists of cells) of the markdown table whose header starts with
    `| first_header |`, separator row excluded."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\|\s*%s\s*\|" % re.escape(first_header), line):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split("|")])
            return rows
    raise ValueError("hw/bom.md: no table headed %r" % first_header)


def labour(text):
    """(tasks [(name, hours per box)], hourly rate) from hw/bom.md."""
    tasks = [(r[0], [parse_fr(r[1]), parse_fr(r[2])]) for r in md_table(text, "Tâche")]
    m = re.search(r"Taux horaire\s*:\s*\*\*([0-9 ,\u00a0]+)\s*€", text)
    if not m:
        raise ValueError("hw/bom.md: no 'Taux horaire : **N €**' line")
    return tasks, parse_fr(m.group(1))


def enclosures(text):
    """{'qty_abri': (w, h, d) in metres, ...} and the exchange coefficient k
    (W/(m².K)) from the parameter table of hw/bom.md."""
    params = {r[0]: r[1:] for r in md_table(text, "Paramètre")}
    dims = {}
    for (key, _), cell in zip(BOXES, params["Dimensions L × H × P (mm)"]):
        dims[key] = tuple(parse_fr(v) / 1000 for v in cell.split("×"))
    k = [parse_fr(v) for v in params["Coefficient d'échange k (W/(m²·K))"]]
    return dims, dict(zip([b[0] for b in BOXES], k))


def surface(w, h, d):
    """Exchange surface of a box whose back is against its support: front,
    two sides, top and bottom (m²)."""
    return w * h + 2 * h * d + 2 * w * d


def totals(rows, text):
    """Per box: material, labour hours, labour cost, total, dissipation,
    surface, delta T, coldest maximum temperature among its parts."""
    tasks, rate = labour(text)
    dims, k = enclosures(text)
    out = {}
    for i, (key, _) in enumerate(BOXES):
        used = [r for r in rows if int(r[key]) > 0]
        material = sum(int(r[key]) * float(r["unit_price_eur"]) for r in used)
        hours = sum(h[i] for _, h in tasks)
        power = sum(int(r[key]) * float(r["dissipation_w"]) for r in used)
        area = surface(*dims[key])
        out[key] = {
            "material": round(material, 2),
            "hours": hours,
            "labour": round(hours * rate, 2),
            "total": round(material, 2) + round(hours * rate, 2),
            "power": power,
            "area": area,
            "k": k[key],
            "delta_t": power / (k[key] * area),
            "t_max": min(float(r["temp_max_c"]) for r in used),
            "t_min": max(float(r["temp_min_c"]) for r in used),
        }
    return out, rate


def parts_table(rows):
    out = ["| Pièce | Référence | Sources | Qté abri | Qté armoire | Prix unit. HT | "
           "Total abri | Total armoire | Temp. (°C) | W/u |",
           "|---|---|---|--:|--:|--:|--:|--:|---|--:|"]
    for r in rows:
        price = float(r["unit_price_eur"])
        qa, qb = int(r["qty_abri"]), int(r["qty_armoire"])
        out.append("| %s | %s | %s ; %s | %d | %d | %s € | %s € | %s € | %s…%s | %s |" % (
            r["part"], r["reference"], r["source_1"], r["source_2"], qa, qb,
            fr_number(price), fr_number(qa * price), fr_number(qb * price),
            r["temp_min_c"], r["temp_max_c"], fr_number(float(r["dissipation_w"]), 1)))
    return "\n".join(out)


def totals_table(t, rate):
    a, b = t["qty_abri"], t["qty_armoire"]
    rows = ["| | %s | %s |" % (BOXES[0][1], BOXES[1][1]), "|---|--:|--:|",
            "| Matériel HT | %s € | %s € |" % (fr_number(a["material"]), fr_number(b["material"])),
            "| Main-d'œuvre HT | %s h × %s € = %s € | %s h × %s € = %s € |" % (
                fr_number(a["hours"], 1), fr_number(rate), fr_number(a["labour"]),
                fr_number(b["hours"], 1), fr_number(rate), fr_number(b["labour"])),
            "| **Total HT** | **%s €** | **%s €** |" % (fr_number(a["total"]), fr_number(b["total"]))]
    return "\n".join(rows)


def thermal_table(t):
    a, b = t["qty_abri"], t["qty_armoire"]

    def line(label, fmt):
        return "| %s | %s | %s |" % (label, fmt(a), fmt(b))
    rows = ["| | %s | %s |" % (BOXES[0][1], BOXES[1][1]), "|---|--:|--:|",
            line("Puissance dissipée P (W, cas chaud)", lambda x: fr_number(x["power"], 1)),
            line("Surface d'échange A (m²)", lambda x: fr_number(x["area"], 3)),
            line("Échauffement ΔT = P / (k × A) (K)", lambda x: fr_number(x["delta_t"], 1)),
            line("Température max. de la pièce la moins tolérante (°C)",
                 lambda x: fr_number(x["t_max"], 0)),
            line("Température ambiante max. à l'ombre (°C)",
                 lambda x: fr_number(x["t_max"] - x["delta_t"], 1)),
            line("Température min. de la pièce la moins tolérante (°C)",
                 lambda x: fr_number(x["t_min"], 0))]
    return "\n".join(rows)


def replace_region(text, name, body):
    pat = re.compile(r"(<!-- bom:%s -->\n).*?(<!-- /bom:%s -->)" % (name, name), re.S)
    if not pat.search(text):
        raise ValueError("hw/bom.md: no region <!-- bom:%s --> … <!-- /bom:%s -->" % (name, name))
    return pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text, count=1)


def render(text, rows):
    t, rate = totals(rows, text)
    text = replace_region(text, "parts", parts_table(rows))
    text = replace_region(text, "totals", totals_table(t, rate))
    return replace_region(text, "thermal", thermal_table(t))


def main(argv):
    with open(MD, encoding="utf-8") as f:
        old = f.read()
    new = render(old, read_rows())
    if "--check" in argv:
        if new != old:
            print("hw/bom.md is not up to date: run python3 tools/bom_render.py", file=sys.stderr)
            return 1
        return 0
    if new != old:
        with open(MD, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
