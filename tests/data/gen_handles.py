#!/usr/bin/env python3
"""Deterministic generator of identifier records for tests and benchmarks.

    gen_handles.py --count N --prefix 88.1000.1 --out FILE.jsonl \
                   --list FILE.txt [--seed S] [--stats FILE.json]

Writes N handle records, one JSON object a line, in the shape
`idctl import` reads:

    {"handle": "88.1000.1/PUMP-000001",
     "values": [{"index": 1, "type": "URL",
                 "data": {"format": "string", "value": "https://..."},
                 "ttl": 86400}, ...]}

Every record has 4-8 values: index 1 URL, index 1001 TEMPLATE "1.0",
and 2-6 of EMAIL (2), DESC (3), name (2000), model (2001),
serialNumber (2002), manufacturer (2003), productionDate (2004).
Value strings other than the template version are 10-80 characters.
The same arguments always give byte-identical files.

--list gets the handles, one a line.  The raw encoded size of the data
(what a Handle server must at least store) is printed to stderr as JSON,
or written to --stats:

    raw_bytes = sum over values of (14 + 4 + len(type) + 4 + len(data) + 4)
                + sum over identifiers of len(handle)

i.e. each value's wire encoding (protocol.md 5.1: fixed 14-byte prefix,
str type, bytes data, empty reference list) plus the handle itself;
lengths are UTF-8 byte counts.
"""
import argparse
import json
import random
import sys

KINDS = ["PUMP", "VALVE", "MOTOR", "SENSOR", "GEARBOX", "CHILLER",
         "COMPRESSOR", "INVERTER"]
MAKERS = ["Shanghai Electric", "Haier Industrial", "Sany Heavy Industry",
          "Midea Group", "Weichai Power", "XCMG Machinery", "Inovance Tech",
          "Gree Electric Appliances", "Zoomlion", "CRRC Zhuzhou"]
ADJ = ["centrifugal", "stainless", "high-pressure", "low-noise", "explosion-"
       "proof", "variable-speed", "submersible", "multistage", "compact",
       "heavy-duty"]
NOUN = ["water pump", "control valve", "induction motor", "flow sensor",
        "helical gearbox", "screw chiller", "air compressor",
        "frequency inverter"]
TTL = 86400

# (index, type) of the optional values, in index order.
OPTIONAL = [(2, "EMAIL"), (3, "DESC"), (2000, "name"), (2001, "model"),
            (2002, "serialNumber"), (2003, "manufacturer"),
            (2004, "productionDate")]


def clamp(s, lo=10, hi=80):
    """Pads or cuts s to lo..hi characters (deterministically)."""
    if len(s) < lo:
        s = s + "-" * (lo - len(s))
    return s[:hi]


def make_value(rng, idx, typ, kind, n):
    if typ == "URL":
        v = "https://trace.example.cn/%s/%06d?src=idnode" % (kind.lower(), n)
    elif typ == "EMAIL":
        v = "service%03d@%s.example.cn" % (rng.randrange(1000),
                                           rng.choice(KINDS).lower())
    elif typ == "DESC":
        v = "%s %s, rated %d kW, batch %04d" % (
            rng.choice(ADJ).capitalize(), rng.choice(NOUN),
            rng.randrange(1, 500), rng.randrange(10000))
    elif typ == "name":
        v = "%s %s" % (rng.choice(ADJ), rng.choice(NOUN))
    elif typ == "model":
        v = "%s-%s%d-%03d" % (kind[:3], chr(65 + rng.randrange(26)),
                              rng.randrange(10), rng.randrange(1000))
    elif typ == "serialNumber":
        v = "SN%04d%08d" % (2020 + rng.randrange(7), rng.randrange(10 ** 8))
    elif typ == "manufacturer":
        v = rng.choice(MAKERS)
    elif typ == "productionDate":
        v = "%04d-%02d-%02dT08:00:00+08:00" % (2020 + rng.randrange(7),
                                               1 + rng.randrange(12),
                                               1 + rng.randrange(28))
    else:
        raise ValueError(typ)
    return {"index": idx, "type": typ,
            "data": {"format": "string", "value": clamp(v)}, "ttl": TTL}


def value_raw_bytes(v):
    return (14 + 4 + len(v["type"].encode()) + 4 +
            len(v["data"]["value"].encode()) + 4)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--prefix", default="88.1000.1")
    ap.add_argument("--out", required=True, help="records, JSON lines")
    ap.add_argument("--list", required=True, help="handles, one a line")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stats", help="write the size summary here")
    a = ap.parse_args()
    if a.count < 0:
        ap.error("--count must be >= 0")

    rng = random.Random(a.seed)
    width = max(6, len(str(a.count)))
    raw = 0
    with open(a.out, "w", encoding="utf-8", newline="\n") as out, \
            open(a.list, "w", encoding="utf-8", newline="\n") as lst:
        for i in range(1, a.count + 1):
            kind = KINDS[rng.randrange(len(KINDS))]
            handle = "%s/%s-%0*d" % (a.prefix, kind, width, i)
            extra = sorted(rng.sample(OPTIONAL, rng.randint(2, 6)))
            values = [make_value(rng, 1, "URL", kind, i)]
            values += [make_value(rng, idx, typ, kind, i)
                       for idx, typ in extra]
            values.append({"index": 1001, "type": "TEMPLATE",
                           "data": {"format": "string", "value": "1.0"},
                           "ttl": TTL})
            values.sort(key=lambda v: v["index"])
            raw += len(handle.encode()) + sum(value_raw_bytes(v)
                                              for v in values)
            out.write(json.dumps({"handle": handle, "values": values},
                                 ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            lst.write(handle + "\n")

    stats = {"ids": a.count, "raw_bytes": raw,
             "raw_bytes_per_id": round(raw / a.count, 2) if a.count else 0}
    line = json.dumps(stats)
    if a.stats:
        with open(a.stats, "w", encoding="utf-8") as f:
            f.write(line + "\n")
    else:
        print(line, file=sys.stderr)


if __name__ == "__main__":
    main()
