"""Records the groups import (besides tests/data/demo.jsonl)."""
import json
import os

from harness import TOP

TS = "2025-06-01T08:00:00Z"

ALL = {"handle": "88.900.1/ALL", "values": [
    {"index": 1, "type": "URL", "data": "https://example.com/all",
     "timestamp": TS},
    {"index": 2, "type": "EMAIL", "data": "ops@example.com", "ttl": 3600,
     "timestamp": TS},
    {"index": 3, "type": "URLX", "data": "not a url", "timestamp": TS},
    {"index": 4, "type": "HS_SITE.PREFIX", "data": "site-prefix-data",
     "timestamp": TS},
    {"index": 5, "type": "BIN", "data": {"format": "hex", "value": "00ff10fe"},
     "timestamp": TS},
    {"index": 6, "type": "DESC", "data": "absolute ttl",
     "ttl": "2030-01-01T00:00:00Z", "timestamp": TS},
    {"index": 7, "type": "costPrice", "data": "SECRET-7",
     "permissions": "1100", "timestamp": TS},
    {"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": {
        "handle": "0.NA/88.900.1", "index": 200,
        "permissions": "011111110011"}}, "timestamp": TS},
    {"index": 1001, "type": "TEMPLATE", "data": "tmpl-2.3", "timestamp": TS},
    {"index": 2000, "type": "name", "data": "离心泵 CP-200", "timestamp": TS,
     "references": [{"handle": "88.900.1/OTHER", "index": 1}]},
]}

# Non-public values, including the template version index 1001.
PRIV = {"handle": "88.900.1/PRIV", "values": [
    {"index": 1, "type": "URL", "data": "https://example.com/priv",
     "timestamp": TS},
    {"index": 7, "type": "costPrice", "data": "SECRET-COST",
     "permissions": "1100", "timestamp": TS},
    {"index": 8, "type": "note", "data": "SECRET-NOTE",
     "permissions": "1000", "timestamp": TS},
    {"index": 1001, "type": "TEMPLATE", "data": "SECRET-TEMPLATE",
     "permissions": "1100", "timestamp": TS},
]}

ONLY_PRIV = {"handle": "88.900.1/ONLY-PRIV", "values": [
    {"index": 1, "type": "URL", "data": "SECRET-ONLY", "permissions": "1100",
     "timestamp": TS},
]}

# Prefix with letters: lookups fold the prefix's case.
CASE = {"handle": "Test.Ab/Case-1", "values": [
    {"index": 1, "type": "URL", "data": "https://example.com/case",
     "timestamp": TS},
]}

# ~60 values of 100 bytes: answers far above one UDP datagram.
BIG = {"handle": "88.900.1/BIG", "values": [
    {"index": 10 + i, "type": "DATA%02d" % i,
     "data": ("%03d" % i) + "abcdefghij" * 9 + "XYZZYXZ",
     "timestamp": TS} for i in range(60)]}

STD = [ALL, PRIV, ONLY_PRIV, CASE, BIG]


def demo():
    with open(os.path.join(TOP, "tests", "data", "demo.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def record(records, handle):
    for r in records:
        if r["handle"] == handle:
            return r
    raise KeyError(handle)
