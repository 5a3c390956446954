"""Approximate layout of the hand-written SVG diagrams of hw/diagrams, enough to
check that no label sits on a wire and that the drawing prints legibly on A4.

Only the subset of SVG the diagrams use is understood; anything else (a
transform, a positioned <tspan>, an arc in a path, <use>, a nested <svg>) makes
`layout()` raise, so a drawing cannot escape the check by using it.

Text boxes are estimated, not measured: width = characters × font size × an
average advance per character (DejaVu Sans, the first font the diagrams ask
for, is among the widest sans fonts: 0.62 em on average for French text,
0.68 em in bold), height from 0.78 em above the baseline to 0.22 em below.
"""
import re
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
ADVANCE = 0.62
ADVANCE_BOLD = 0.68
ASCENT = 0.78
DESCENT = 0.22

ALLOWED = {"svg", "title", "desc", "defs", "style", "g", "rect", "circle", "ellipse",
           "line", "path", "polyline", "polygon", "text", "tspan"}
INHERITED = ("font-size", "font-weight", "text-anchor")
# attributes that would move or resize text in a way the estimate ignores
TEXT_FORBIDDEN = {"dx", "dy", "rotate", "textLength"}
TSPAN_FORBIDDEN = TEXT_FORBIDDEN | {"x", "y", "font-size", "style"}


class Unsupported(ValueError):
    pass


def _css_rules(root):
    """{class name: {property: value}} from the <style> blocks (one class per
    selector, which is all the diagrams use)."""
    rules = {}
    for st in root.iter(NS + "style"):
        for sel, body in re.findall(r"\.([\w-]+)\s*\{([^}]*)\}", st.text or ""):
            props = rules.setdefault(sel, {})
            for decl in body.split(";"):
                if ":" in decl:
                    k, v = decl.split(":", 1)
                    props[k.strip()] = v.strip()
    return rules


def _props(el, rules, parent):
    """Presentation properties of el: inherited from parent, then its classes,
    then its own attributes, then its style attribute (CSS cascade order for
    the properties we need)."""
    p = {k: v for k, v in parent.items() if k in INHERITED}
    for cls in (el.get("class") or "").split():
        p.update(rules.get(cls, {}))
    for k in ("font-size", "font-weight", "text-anchor", "stroke", "stroke-width", "fill"):
        if el.get(k) is not None:
            p[k] = el.get(k)
    for decl in (el.get("style") or "").split(";"):
        if ":" in decl:
            k, v = decl.split(":", 1)
            p[k.strip()] = v.strip()
    return p


def _num(v):
    m = re.fullmatch(r"\s*(-?[0-9.]+)\s*(px)?\s*", v or "")
    if not m:
        raise Unsupported("length %r: only plain numbers or px" % v)
    return float(m.group(1))


def _bezier(p0, p1, p2, p3, steps=16):
    out = []
    for i in range(1, steps + 1):
        t = i / steps
        u = 1 - t
        out.append((u ** 3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t ** 3 * p3[0],
                    u ** 3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t ** 3 * p3[1]))
    return out


def path_segments(d):
    """Straight segments of a path's d attribute (M L H V C Z, absolute or
    relative; cubic curves flattened)."""
    toks = re.findall(r"[A-Za-z]|-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e-?[0-9]+)?", d)
    segs, i = [], 0
    cur = start = (0.0, 0.0)
    cmd = None

    def nums(n):
        nonlocal i
        vals = toks[i:i + n]
        if len(vals) < n or any(re.fullmatch(r"[A-Za-z]", v) for v in vals):
            raise Unsupported("path %r: missing numbers after %s" % (d, cmd))
        i += n
        return [float(v) for v in vals]

    while i < len(toks):
        if re.fullmatch(r"[A-Za-z]", toks[i]):
            cmd = toks[i]
            i += 1
            if cmd in "Zz":
                if cur != start:
                    segs.append((cur, start))
                cur = start
                continue
        elif cmd is None:
            raise Unsupported("path %r: no command" % d)
        rel = cmd.islower()
        c = cmd.upper()
        ox, oy = cur if rel else (0.0, 0.0)
        if c == "M":
            x, y = nums(2)
            cur = start = (ox + x, oy + y)
            cmd = "l" if rel else "L"      # further pairs are line-tos
        elif c == "L":
            x, y = nums(2)
            nxt = (ox + x, oy + y)
            segs.append((cur, nxt))
            cur = nxt
        elif c == "H":
            (x,) = nums(1)
            nxt = ((cur[0] + x) if rel else x, cur[1])
            segs.append((cur, nxt))
            cur = nxt
        elif c == "V":
            (y,) = nums(1)
            nxt = (cur[0], (cur[1] + y) if rel else y)
            segs.append((cur, nxt))
            cur = nxt
        elif c == "C":
            v = nums(6)
            pts = [(ox + v[0], oy + v[1]), (ox + v[2], oy + v[3]), (ox + v[4], oy + v[5])]
            prev = cur
            for q in _bezier(cur, *pts):
                segs.append((prev, q))
                prev = q
            cur = pts[2]
        else:
            raise Unsupported("path %r: command %s is not handled by the layout check" % (d, cmd))
    return segs


def _points(s):
    v = [float(x) for x in re.findall(r"-?[0-9.]+", s or "")]
    return list(zip(v[0::2], v[1::2]))


def layout(path):
    """(viewbox, texts, segments, strokes) of an SVG file:
    texts: [(string, font_size, (x0, y0, x1, y1))];
    segments: [((x, y), (x, y), tag)] of every line, polyline, polygon, path;
    strokes: [(tag, stroke width)] of every stroked element."""
    root = ET.parse(path).getroot()
    vb = [float(v) for v in root.get("viewBox").split()]
    rules = _css_rules(root)
    texts, segs, strokes = [], [], []

    def walk(el, parent_props):
        tag = el.tag.replace(NS, "")
        if tag not in ALLOWED:
            raise Unsupported("%s: element <%s> is not handled by the layout check" % (path, tag))
        if el.get("transform") is not None:
            raise Unsupported("%s: transform on <%s> (draw in final coordinates)" % (path, tag))
        if tag == "svg" and el is not root:
            raise Unsupported("%s: nested <svg>" % path)
        p = _props(el, rules, parent_props)
        if tag in ("title", "desc", "style", "defs"):
            return
        if tag == "text":
            for sub in el.iter(NS + "tspan"):
                moved = TSPAN_FORBIDDEN & set(sub.keys())
                if moved:
                    raise Unsupported("%s: <tspan> with %s: write one <text> per line or size"
                                      % (path, sorted(moved)))
            if TEXT_FORBIDDEN & set(el.keys()):
                raise Unsupported("%s: <text> with dx/dy/rotate/textLength" % path)
            s = "".join(el.itertext())
            size = _num(p.get("font-size", "16"))
            bold = p.get("font-weight") in ("bold", "700", "800", "900")
            # a bold tspan widens only its own characters
            bold_chars = sum(len(t.text or "") for t in el.iter(NS + "tspan")
                             if _props(t, rules, p).get("font-weight") in ("bold", "700"))
            width = size * (len(s) * (ADVANCE_BOLD if bold else ADVANCE)
                            + (0 if bold else bold_chars * (ADVANCE_BOLD - ADVANCE)))
            x, y = _num(el.get("x", "0")), _num(el.get("y", "0"))
            anchor = p.get("text-anchor", "start")
            x0 = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            texts.append((s, size, (x0, y - ASCENT * size, x0 + width, y + DESCENT * size)))
            return
        if tag in ("line", "path", "polyline", "polygon", "rect", "circle", "ellipse") \
                and p.get("stroke", "none") != "none":
            strokes.append((tag, _num(p.get("stroke-width", "1"))))
        if tag == "line":
            segs.append(((_num(el.get("x1", "0")), _num(el.get("y1", "0"))),
                         (_num(el.get("x2", "0")), _num(el.get("y2", "0"))), tag))
        elif tag in ("polyline", "polygon"):
            pts = _points(el.get("points"))
            if tag == "polygon" and pts:
                pts.append(pts[0])
            segs.extend((a, b, tag) for a, b in zip(pts, pts[1:]))
        elif tag == "path":
            segs.extend((a, b, tag) for a, b in path_segments(el.get("d", "")))
        for child in el:
            walk(child, p)

    walk(root, {})
    return vb, texts, segs, strokes


def segment_hits_box(a, b, box):
    """Whether the segment a-b crosses or touches the inside of box (x0, y0,
    x1, y1) — Liang-Barsky clipping."""
    x0, y0, x1, y1 = box
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return False
        else:
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
    return True


def boxes_overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
