#!/usr/bin/env python3
"""Deterministic identifiers for `idctl import --format csv|jsonl`.

    gen_import.py --count N --prefix 88.123.45 [--version equip-v1]
                  [--csv FILE] [--jsonl FILE] [--template FILE] [--seed S]

--template gets the 6-item equipment template of domain.md §4.2 (SNMS v5
JSON, for `SET tpl:{PREFIX}:VERSION`) with the prefix and version given.
--csv gets a header (`handle` and the six idTypes) and N rows; --jsonl
the same N identifiers in the SNMS registration shape, one a line.
Identifiers are PREFIX/EQ-00000001 and up; every row is valid for the
template: serialNo, model, mfgDate (10 characters), makerUSCC (18), and
parentLine and maintLog (some empty; maintLog sometimes holds commas and
quotes, so CSV quoting is exercised).  The same arguments always give
byte-identical files.
"""
import argparse
import csv
import json
import random
import sys

ITEMS = [
    ("设备序列号", "serialNo", 2000, True, 1, 64),
    ("型号", "model", 2001, True, 1, 64),
    ("生产日期", "mfgDate", 2002, True, 10, 10),
    ("制造商信用代码", "makerUSCC", 2003, True, 18, 18),
    ("上级产线", "parentLine", 2004, False, 0, 255),
    ("维保记录", "maintLog", 2005, False, 0, 255),
]
MODELS = ["VMC-850", "CK6140", "XK7132", "TK6916", "MC-1260", "HMC-63"]
MAKERS = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T",
          "91310000132200821H"]
LOGS = ["", "", "inspected, no findings", "spindle bearing replaced",
        'coolant pump "B" serviced, 2 h', "axis calibration 0.01 mm"]


def template(prefix, version):
    return {
        "prefix": prefix, "version": version,
        "industryCategory": "C", "industrySpecific": "34",
        "industryTrade": "342", "industrySubclass": "3421", "type": 1,
        "description": "metal-cutting machine tool",
        "items": [{"name": n, "idType": t, "idIndex": i, "required": r,
                   "metadata": {"type": "string", "minLength": lo,
                                "maxLength": hi}}
                  for n, t, i, r, lo, hi in ITEMS],
    }


def rows(count, prefix, seed):
    rng = random.Random(seed)
    for n in range(1, count + 1):
        line = "" if n % 5 == 0 else "%s/LINE-%03d" % (prefix,
                                                       rng.randrange(200))
        yield ["%s/EQ-%08d" % (prefix, n),
               "SN%010d" % rng.randrange(10 ** 10),
               rng.choice(MODELS),
               "20%02d-%02d-%02d" % (rng.randrange(15, 27),
                                     rng.randrange(1, 13),
                                     rng.randrange(1, 29)),
               rng.choice(MAKERS), line, rng.choice(LOGS)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--version", default="equip-v1")
    ap.add_argument("--csv")
    ap.add_argument("--jsonl")
    ap.add_argument("--template")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.template:
        with open(a.template, "w") as f:
            json.dump(template(a.prefix, a.version), f, ensure_ascii=False)
    types = [t for _, t, _, _, _, _ in ITEMS]
    index = {t: i for _, t, i, _, _, _ in ITEMS}
    outs = []
    if a.csv:
        fc = open(a.csv, "w", newline="", encoding="utf-8")
        w = csv.writer(fc, lineterminator="\n")
        w.writerow(["handle"] + types)
        outs.append(fc)
    if a.jsonl:
        fj = open(a.jsonl, "w", encoding="utf-8")
        outs.append(fj)
    for r in rows(a.count, a.prefix, a.seed):
        if a.csv:
            w.writerow(r)
        if a.jsonl:
            fj.write(json.dumps({
                "handle": r[0], "templateVersion": a.version,
                "value": [{"index": index[t], "type": t,
                           "data": {"format": "string", "value": v}}
                          for t, v in zip(types, r[1:]) if v]},
                ensure_ascii=False) + "\n")
    for f in outs:
        f.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
