"""A strict parser of the Prometheus text exposition format 0.0.4, for
the metrics tests: every line must be a comment, HELP, TYPE or a sample
of a declared family; names, label syntax and escapes, values are
checked; histograms must have cumulative buckets ending in +Inf equal to
_count.  Raises ValueError with the line number on anything else."""
import math
import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def _labels(text, ln):
    out, i = {}, 0
    while i < len(text):
        m = re.match(LABEL + "=", text[i:])
        if not m:
            raise ValueError("line %d: bad label at %r" % (ln, text[i:]))
        key = m.group(0)[:-1]
        i += len(m.group(0))
        if i >= len(text) or text[i] != '"':
            raise ValueError("line %d: label value not quoted" % ln)
        i += 1
        val = []
        while True:
            if i >= len(text):
                raise ValueError("line %d: unterminated label value" % ln)
            ch = text[i]
            if ch == "\\":
                nxt = text[i + 1:i + 2]
                if nxt not in ('"', "\\", "n"):
                    raise ValueError("line %d: bad escape" % ln)
                val.append("\n" if nxt == "n" else nxt)
                i += 2
                continue
            if ch == '"':
                i += 1
                break
            val.append(ch)
            i += 1
        if key in out:
            raise ValueError("line %d: label %s repeated" % (ln, key))
        out[key] = "".join(val)
        if i < len(text):
            if text[i] != ",":
                raise ValueError("line %d: expected ',' in labels" % ln)
            i += 1
    return out


def _value(s, ln):
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+)", s):
        raise ValueError("line %d: bad value %r" % (ln, s))
    return float(s)


def parse(text):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}"""
    fams, current = {}, None
    if not text.endswith("\n"):
        raise ValueError("exposition does not end with a newline")
    for ln, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (" + NAME + r") (.*)", line)
            if not m:
                continue  # a plain comment
            kind, name, rest = m.groups()
            f = fams.setdefault(name, {"type": None, "help": None,
                                       "samples": []})
            if kind == "TYPE":
                if rest not in TYPES:
                    raise ValueError("line %d: unknown type %r" % (ln, rest))
                if f["type"] or f["samples"]:
                    raise ValueError("line %d: TYPE of %s late or repeated"
                                     % (ln, name))
                f["type"] = rest
            else:
                if f["help"] is not None:
                    raise ValueError("line %d: HELP repeated" % ln)
                f["help"] = rest
            current = name
            continue
        m = re.fullmatch("(" + NAME + r")(\{(.*)\})? (\S+)( -?\d+)?", line)
        if not m:
            raise ValueError("line %d: not a sample: %r" % (ln, line))
        name, _, lab, val, _ = m.groups()
        fam = name
        if current and fams[current]["type"] in ("histogram", "summary"):
            for suf in ("_bucket", "_sum", "_count"):
                if name == current + suf:
                    fam = current
        if fam not in fams or fams[fam]["type"] is None:
            raise ValueError("line %d: sample of undeclared family %s"
                             % (ln, name))
        if fam != current:
            raise ValueError("line %d: family %s not contiguous" % (ln, fam))
        fams[fam]["samples"].append((name, _labels(lab or "", ln),
                                     _value(val, ln)))
    for name, f in fams.items():
        if f["type"] == "histogram":
            _check_histogram(name, f["samples"])
    return fams


def _check_histogram(name, samples):
    series = {}
    for sname, labels, v in samples:
        key = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        s = series.setdefault(key, {"buckets": [], "count": None})
        if sname == name + "_bucket":
            le = labels.get("le")
            if le is None:
                raise ValueError("%s: bucket without le" % name)
            s["buckets"].append((math.inf if le == "+Inf" else float(le), v))
        elif sname == name + "_count":
            s["count"] = v
    for key, s in series.items():
        b = s["buckets"]
        if not b or b[-1][0] != math.inf:
            raise ValueError("%s%r: no +Inf bucket" % (name, key))
        for (l1, v1), (l2, v2) in zip(b, b[1:]):
            if l2 <= l1 or v2 < v1:
                raise ValueError("%s%r: buckets not cumulative" % (name, key))
        if s["count"] != b[-1][1]:
            raise ValueError("%s%r: _count != +Inf bucket" % (name, key))


def value(fams, name, **labels):
    """The value of the one sample of `name` with exactly these labels
    (0 if the family has none such: counters start absent)."""
    fam = fams.get(name)
    if fam is None:
        for suf in ("_bucket", "_sum", "_count"):
            if name.endswith(suf) and name[:-len(suf)] in fams:
                fam = fams[name[:-len(suf)]]
    if fam is None:
        raise KeyError(name)
    hits = [v for n, lab, v in fam["samples"] if n == name and lab == labels]
    if len(hits) > 1:
        raise ValueError("%s%r: %d samples" % (name, labels, len(hits)))
    return hits[0] if hits else 0
