#!/usr/bin/env python3
"""A demo supply chain, made through a running node's HTTP API as its
enterprises would make it (python3 stdlib only).

usage: supply_chain.py --url http://127.0.0.1:8000 --idctl build/default/idctl
           --config run/idnode.json --reviewer NAME PASSWORD --out FILE
           [--heats 40] [--seed 1] [--threads 6]

Nine enterprises get an account (`idctl user add`), apply, are approved
by the reviewer (each gets its own prefix under node_prefix) and define
their templates:

  steel mill   heat-number batches (HEAT-...), some later cast from scrap
  motor maker  motors (fromBatch heat, producedBy a winding machine)
  bearing maker bearings and spares (fromBatch heat)
  pump maker   pumps (madeOf a motor and two bearings, producedBy an
               assembly line, shippedIn a pallet); the equipment maker
  distributor  pallets; records each pump's delivery, holder = end user
  two end users stations (madeOf the pumps installed there); record
               warnings on their pumps
  contractor   installation, fault diagnosis and maintenance (bearing
               swaps: replacedBy), work orders
  recycler     scrap lots (pumps recycledInto them)

Per heat: 20 motors, 40 bearings, 20 pumps, half a pallet.  Grants: the
pump maker gives the distributor `event` and the contractor `event` and
`read` on its prefix, an end user `event` and `read` on each of its
pumps that warn, the recycler `event` on the pumps it takes back.  Fault
diagnoses are not public; OWNER/REGISTRANT values never are.

Everything but the passwords follows from --seed.  Writes FILE (mode
600): `key value...` lines (enterprise, account, pump, batch, heat...)
that tests/run_node.sh prints.  Exits non-zero, saying which call
failed, on the first refusal.
"""
import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30,
                28]

# key, area code, name, industry (GB/T 4754 section), description
ENTERPRISES = [
    ("steel", "350400", "三明特钢有限公司", "C", "轴承钢、电工钢冶炼 steel mill"),
    ("motor", "350100", "福电电机有限公司", "C", "三相异步电机 motors"),
    ("bearing", "350200", "海峡轴承有限公司", "C", "深沟球轴承 bearings"),
    ("pump", "350100", "闽江泵业有限公司", "C", "离心泵 centrifugal pumps"),
    ("dist", "350100", "榕城机电贸易有限公司", "F", "机电设备分销 distributor"),
    ("water", "350200", "厦门水务集团有限公司", "D", "供水 water utility"),
    ("chem", "350500", "泉州石化有限公司", "C", "石油化工 petrochemicals"),
    ("maint", "350100", "闽通设备维保有限公司", "M", "设备安装维保 maintenance"),
    ("recycle", "350100", "绿循再生资源有限公司", "N", "再生资源回收 recycling"),
]

PER_HEAT = 20          # motors and pumps per heat; bearings twice that
PER_PALLET = 20
WARN_SHARE = 0.10      # pumps with a warning
RECYCLE_SHARE = 0.03   # pumps at the end of their life
BATCH = 1000           # identifiers per batchCreate call
RECYCLE_DAY = 560      # after every repair; scrap heats are cast later

T0 = datetime.datetime(2024, 3, 4, 9, 0, tzinfo=datetime.timezone.utc)


class CallFailed(Exception):
    pass


def uscc(area, n):
    """A made-up unified social credit code with a valid check character
    (GB 32100)."""
    body = "91" + area + "MA3%06d" % n
    s = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body, USCC_WEIGHTS))
    return body + USCC_CHARS[(31 - s % 31) % 31]


def at(days, hours=0.0):
    """An RFC 3339 time, `days` after the story starts (all in the past)."""
    t = T0 + datetime.timedelta(days=days, hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def quote(h):
    return urllib.parse.quote(h, safe="/")


class Api:
    """Keep-alive connections, one per thread; calls that must succeed."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.local = threading.local()
        self.calls = 0
        self.lock = threading.Lock()

    def conn(self, fresh=False):
        c = getattr(self.local, "conn", None)
        if c is None or fresh:
            if c is not None:
                c.close()
            c = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.local.conn = c
        return c

    def call(self, method, path, body=None, token=None):
        """The answer's `data`; CallFailed unless HTTP 200 and status 1."""
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + token
        raw = None if body is None else json.dumps(
            body, ensure_ascii=False).encode()
        for attempt in range(2):
            try:
                c = self.conn(fresh=attempt > 0)
                c.request(method, path, body=raw, headers=h)
                r = c.getresponse()
                text = r.read()
                break
            except (http.client.HTTPException, OSError) as e:
                # A kept-alive connection the node closed: once more.
                if attempt:
                    raise CallFailed("%s %s: %s" % (method, path, e))
        with self.lock:
            self.calls += 1
        try:
            j = json.loads(text)
        except ValueError:
            j = None
        if r.status != 200 or not isinstance(j, dict) or j.get("status") != 1:
            raise CallFailed("%s %s: HTTP %d %s" % (method, path, r.status,
                                                    text[:300].decode(
                                                        "utf-8", "replace")))
        return j.get("data")


class Chain:
    def __init__(self, args):
        self.a = args
        self.rnd = random.Random(args.seed)
        self.api = Api(args.url)
        self.pool = concurrent.futures.ThreadPoolExecutor(args.threads)
        self.ent = {}       # key -> {uscc, name, user, password, token, prefix}
        self.n = {"events": 0, "links": 0, "grants": 0}
        self.types = {}     # (key, template version) -> item types
        self.count_lock = threading.Lock()

    # ---------------------------------------------------------- helpers
    def each(self, fn, items):
        """fn(item) for every item on the thread pool; the first failure
        is raised."""
        for f in [self.pool.submit(fn, x) for x in items]:
            f.result()

    def say(self, msg):
        print("supply chain: " + msg, file=sys.stderr, flush=True)

    def h(self, key, suffix):
        return "%s/%s" % (self.ent[key]["prefix"], suffix)

    def count(self, what, n=1):
        with self.count_lock:
            self.n[what] += n

    # --------------------------------------------------------- accounts
    def accounts(self):
        for i, (key, area, name, industry, desc) in enumerate(ENTERPRISES):
            self.ent[key] = {"uscc": uscc(area, 101 + i + 20 * self.a.seed),
                             "name": name, "industry": industry,
                             "desc": desc, "user": self.user_prefix() + key,
                             "password": secrets.token_hex(9)}
        self.each(self.user_add, list(self.ent.values()))
        self.reviewer = self.login(*self.a.reviewer)
        for e in self.ent.values():
            e["token"] = self.login(e["user"], e["password"])

    def user_prefix(self):
        """Account names: another seed makes another chain beside it."""
        return "sc-" if self.a.seed == 1 else "sc%d-" % self.a.seed

    def user_add(self, e):
        p = subprocess.run([self.a.idctl, "-c", self.a.config, "user", "add",
                            e["user"], "--role", "enterprise", "--enterprise",
                            e["uscc"]], input=e["password"] + "\n",
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise CallFailed("idctl user add %s: %s" % (e["user"],
                                                        p.stderr.strip()))

    def login(self, user, password):
        return self.api.call("POST", "/identity/token",
                             {"username": user, "password": password})["token"]

    def admit(self, key):
        e = self.ent[key]
        web = key.replace("_", "") + ".example.cn"
        self.api.call("POST", "/snms/api/ent/apply", {
            "uscc": e["uscc"], "entNameCn": e["name"],
            "entAddrCn": "福建省", "entIndustry": e["industry"],
            "entWebSite": "https://" + web, "entDesc": e["desc"],
            "contactName": "联系人", "contactPhone": "0591-88886666",
            "contactEmail": "id@" + web}, e["token"])
        for action in ("start", "approve"):
            d = self.api.call("POST", "/snms/api/ent/review",
                              {"uscc": e["uscc"], "action": action},
                              self.reviewer)
        e["prefix"] = d["prefix"]

    # -------------------------------------------------------- templates
    def template(self, key, version, desc, items):
        body = {"prefix": self.ent[key]["prefix"], "version": version,
                "industryCategory": self.ent[key]["industry"], "type": 1,
                "description": desc, "items": []}
        for i, (name, typ, required, lo, hi) in enumerate(items):
            body["items"].append({
                "name": name, "idType": typ, "idIndex": 2000 + i,
                "required": required,
                "metadata": {"type": "string", "minLength": lo,
                             "maxLength": hi}})
        self.api.call("POST", "/snms/api/v5/template", body,
                      self.ent[key]["token"])
        self.types[(key, version)] = [it[1] for it in items]

    def templates(self):
        t = self.template
        t("steel", "heat-v1", "炉号批次 heat-number batch",
          [("炉号", "heatNo", True, 1, 32), ("钢种", "grade", True, 1, 32),
           ("浇铸日期", "castDate", True, 10, 10),
           ("重量kg", "weightKg", False, 1, 12)])
        for key in ("motor", "pump", "bearing"):
            t(key, "equip-v1", "生产设备 production equipment",
              [("设备名称", "equipName", True, 1, 64),
               ("设备型号", "model", True, 1, 32)])
        t("motor", "motor-v1", "三相异步电机 motor",
          [("序列号", "serialNo", True, 1, 32), ("型号", "model", True, 1, 32),
           ("功率kW", "powerKw", True, 1, 8),
           ("生产日期", "mfgDate", True, 10, 10)])
        t("bearing", "bearing-v1", "深沟球轴承 bearing",
          [("序列号", "serialNo", True, 1, 32), ("型号", "model", True, 1, 32),
           ("生产日期", "mfgDate", True, 10, 10)])
        t("pump", "pump-v1", "离心泵 centrifugal pump",
          [("序列号", "serialNo", True, 1, 32), ("型号", "model", True, 1, 32),
           ("额定流量m3/h", "ratedFlow", True, 1, 8),
           ("生产日期", "mfgDate", True, 10, 10)])
        t("dist", "pallet-v1", "物流托盘 logistics pallet",
          [("托盘号", "palletNo", True, 1, 32),
           ("发运日期", "shipDate", True, 10, 10),
           ("目的地", "destination", False, 1, 128)])
        for key in ("water", "chem"):
            t(key, "station-v1", "泵站/装置 site",
              [("站点名称", "siteName", True, 1, 64),
               ("地址", "address", False, 1, 128)])
        t("maint", "workorder-v1", "维保工单 work order",
          [("工单号", "orderNo", True, 1, 32),
           ("工作内容", "task", True, 1, 128)])
        t("recycle", "scrap-v1", "废钢批次 scrap lot",
          [("批次号", "lotNo", True, 1, 32), ("材料", "material", True, 1, 32),
           ("重量kg", "weightKg", True, 1, 12)])

    # ------------------------------------------------------ identifiers
    def register(self, key, version, items):
        """items: [(suffix, [values in template order])]."""
        tok = self.ent[key]["token"]
        types = self.types[(key, version)]
        body = [{"handle": self.h(key, sfx), "templateVersion": version,
                 "value": [{"index": 2000 + i, "type": types[i],
                            "data": {"format": "string", "value": v}}
                           for i, v in enumerate(vals)]}
                for sfx, vals in items]
        chunks = [body[i:i + BATCH] for i in range(0, len(body), BATCH)]

        def send(chunk):
            for r in self.api.call("POST", "/identityv2/data/batchCreate",
                                   chunk, tok):
                if r.get("code") != 1:
                    raise CallFailed("batchCreate %s: %s"
                                     % (r.get("handle"), r.get("msg")))
        self.each(send, chunks)

    def story(self):
        """Decides every identifier, link and event (deterministic)."""
        rnd = self.rnd
        nheat = self.a.heats
        npump = nheat * PER_HEAT
        self.heats = ["HEAT-2024-%04d" % (i + 1) for i in range(nheat)]
        self.scrap_heats = ["HEAT-2025-%04d" % (i + 1) for i in range(2)]
        self.winders = ["WIND-%02d" % (i + 1) for i in range(4)]
        self.lines = ["LINE-%s" % c for c in "AB"]
        self.motors = ["YE3-2024-%06d" % (i + 1) for i in range(npump)]
        self.bearings = ["6308-2024-%06d" % (i + 1) for i in range(2 * npump)]
        nwarn = max(2, int(npump * WARN_SHARE))
        nrec = max(1, int(npump * RECYCLE_SHARE))
        # Enough spares for every swap, and a few left on the shelf.
        self.spares = ["6308-SP-%05d" % (i + 1) for i in range(nwarn + 2)]
        self.pumps = ["CP200-2024-%06d" % (i + 1) for i in range(npump)]
        self.pallets = ["PLT-2024-%04d" % (i + 1)
                        for i in range((npump + PER_PALLET - 1) // PER_PALLET)]
        self.stations = {"water": ["STATION-%02d" % (i + 1)
                                   for i in range(max(2, nheat // 4))],
                         "chem": ["UNIT-%02d" % (i + 1)
                                  for i in range(max(2, nheat // 6))]}
        self.scraps = ["SCRAP-2025-%02d" % (i + 1) for i in range(2)]
        # Which heat each part came from, and which parts each pump has:
        # a pump's parts come from different heats, as on a real line.
        self.motor_heat = [i // PER_HEAT for i in range(npump)]
        self.bearing_heat = [i // (2 * PER_HEAT) for i in range(2 * npump)]
        self.spare_heat = [rnd.randrange(nheat) for _ in self.spares]
        motors = list(range(npump))
        bearings = list(range(2 * npump))
        rnd.shuffle(motors)
        rnd.shuffle(bearings)
        self.pump_parts = [(motors[i], bearings[2 * i], bearings[2 * i + 1])
                           for i in range(npump)]
        # Pallets go to one end user each; a pump to a station of it.
        self.pallet_user = ["water" if rnd.random() < 0.6 else "chem"
                            for _ in self.pallets]
        self.pump_day = [30 + i * 300.0 / npump for i in range(npump)]
        self.pump_station = []
        for i in range(npump):
            user = self.pallet_user[i // PER_PALLET]
            self.pump_station.append((user, rnd.choice(self.stations[user])))
        order = list(range(npump))
        rnd.shuffle(order)
        self.warned = sorted(order[:nwarn])
        self.recycled = sorted(order[nwarn:nwarn + nrec])
        # Of the warned pumps, most are repaired (a bearing swapped);
        # the rest keep an open warning.
        self.repaired = set(self.warned[:max(1, nwarn * 3 // 4)])
        self.corrected = set(order[nwarn + nrec:nwarn + nrec + 3])

    def identifiers(self):
        reg = self.register
        nheat = len(self.heats)
        self.say("registering %d pumps, %d motors, %d bearings, %d heats"
                 % (len(self.pumps), len(self.motors),
                    len(self.bearings) + len(self.spares), nheat))
        reg("steel", "heat-v1",
            [(h, [h[5:], "GCr15",
                  at(i * 300.0 / nheat)[:10], str(60000 + i * 37)])
             for i, h in enumerate(self.heats)] +
            [(h, [h[5:], "Q235", at(RECYCLE_DAY + 40 + i * 10)[:10], "45000"])
             for i, h in enumerate(self.scrap_heats)])
        reg("motor", "equip-v1", [(w, ["绕线机 winding machine " + w[-2:],
                                       "WM-%d" % (300 + i)])
                                  for i, w in enumerate(self.winders)])
        reg("pump", "equip-v1", [(ln, ["装配线 assembly line " + ln[-1],
                                       "AL-2023"]) for ln in self.lines])
        reg("motor", "motor-v1",
            [(m, ["M%07d" % (i + 1), "YE3-132S-4", "5.5",
                  at(self.motor_heat[i] * 300.0 / nheat + 5)[:10]])
             for i, m in enumerate(self.motors)])
        reg("bearing", "bearing-v1",
            [(b, ["B%07d" % (i + 1), "6308-2RS",
                  at(self.bearing_heat[i] * 300.0 / nheat + 4)[:10]])
             for i, b in enumerate(self.bearings)] +
            [(s, ["S%06d" % (i + 1), "6308-2RS",
                  at(self.spare_heat[i] * 300.0 / nheat + 6)[:10]])
             for i, s in enumerate(self.spares)])
        reg("pump", "pump-v1",
            [(p, ["CP%07d" % (i + 1), "CP-200", "200",
                  at(self.pump_day[i])[:10]])
             for i, p in enumerate(self.pumps)])
        reg("dist", "pallet-v1",
            [(p, [p[4:], at(self.pump_day[min(i * PER_PALLET + PER_PALLET - 1,
                                               len(self.pumps) - 1)] + 3)[:10],
                  self.ent[self.pallet_user[i]]["name"]])
             for i, p in enumerate(self.pallets)])
        for key, sites in self.stations.items():
            reg(key, "station-v1",
                [(s, [("泵站 pumping station " if key == "water"
                       else "装置 process unit ") + s[-2:], "福建省"])
                 for s in sites])
        reg("recycle", "scrap-v1",
            [(s, [s[6:], "废钢 steel scrap", "12000"]) for s in self.scraps])

    # ----------------------------------------------------------- grants
    def grant(self, owner, target, grantee, scopes):
        self.api.call("POST", "/api/grants/" + quote(target),
                      {"grantee": self.ent[grantee]["uscc"],
                       "scopes": scopes}, self.ent[owner]["token"])
        self.count("grants")

    def give_grants(self):
        pfx = self.ent["pump"]["prefix"]
        self.grant("pump", pfx, "dist", ["event"])
        self.grant("pump", pfx, "maint", ["event", "read"])
        jobs = []
        for i in self.warned:
            jobs.append((self.h("pump", self.pumps[i]),
                         self.pump_station[i][0], ["event", "read"]))
        for i in self.recycled:
            jobs.append((self.h("pump", self.pumps[i]), "recycle", ["event"]))
        self.each(lambda j: self.grant("pump", *j), jobs)

    # ------------------------------------------------------------ links
    def link(self, owner, source, links):
        """links: [(type, target handle)], on source (owner's)."""
        self.api.call("POST", "/api/links/" + quote(source),
                      {"links": [{"type": t, "target": x} for t, x in links]},
                      self.ent[owner]["token"])
        self.count("links", len(links))

    def all_links(self):
        jobs = []
        nheat = len(self.heats)
        for i, m in enumerate(self.motors):
            jobs.append(("motor", self.h("motor", m), [
                ("fromBatch", self.h("steel", self.heats[self.motor_heat[i]])),
                ("producedBy", self.h("motor", self.winders[i % 4]))]))
        for i, b in enumerate(self.bearings):
            jobs.append(("bearing", self.h("bearing", b), [
                ("fromBatch",
                 self.h("steel", self.heats[self.bearing_heat[i]]))]))
        for i, s in enumerate(self.spares):
            jobs.append(("bearing", self.h("bearing", s), [
                ("fromBatch",
                 self.h("steel", self.heats[self.spare_heat[i] % nheat]))]))
        for i, p in enumerate(self.pumps):
            m, b1, b2 = self.pump_parts[i]
            jobs.append(("pump", self.h("pump", p), [
                ("madeOf", self.h("motor", self.motors[m])),
                ("madeOf", self.h("bearing", self.bearings[b1])),
                ("madeOf", self.h("bearing", self.bearings[b2])),
                ("producedBy", self.h("pump", self.lines[i % 2])),
                ("shippedIn", self.h("dist", self.pallets[i // PER_PALLET]))]))
        by_station = {}
        for i, (user, st) in enumerate(self.pump_station):
            by_station.setdefault((user, st), []).append(
                ("madeOf", self.h("pump", self.pumps[i])))
        for (user, st), links in sorted(by_station.items()):
            jobs.append((user, self.h(user, st), links))
        # The circle closes: scrap from recycled pumps feeds new heats.
        for i, hs in enumerate(self.scrap_heats):
            jobs.append(("steel", self.h("steel", hs), [
                ("fromBatch", self.h("recycle", self.scraps[i % 2]))]))
        self.say("linking %d identifiers" % len(jobs))
        self.each(lambda j: self.link(*j), jobs)

    # ----------------------------------------------------------- events
    def event(self, key, handle, stage, time, **kw):
        body = {"stage": stage, "time": time}
        body.update(kw)
        d = self.api.call("POST", "/api/events/" + quote(handle), body,
                          self.ent[key]["token"])
        self.count("events")
        return d["id"]

    def part_events(self):
        """Casting, and the production of motors and bearings."""
        nheat = len(self.heats)
        jobs = []
        for i, h in enumerate(self.heats):
            jobs.append(("steel", self.h("steel", h), "production",
                         at(i * 300.0 / nheat), {
                             "location": "三明 电炉二车间 EAF shop 2",
                             "attrs": {"furnace": "EAF-2",
                                       "tapTempC": 1630 + i % 17}}))
        for i, m in enumerate(self.motors):
            jobs.append(("motor", self.h("motor", m), "production",
                         at(self.motor_heat[i] * 300.0 / nheat + 5,
                            (i % 20) * 0.4), {
                             "location": "福州 电机厂 motor plant",
                             "attrs": {"testInsulationMOhm": 500 + i % 90}}))
        for i, b in enumerate(self.bearings + self.spares):
            heat = (self.bearing_heat[i] if i < len(self.bearings)
                    else self.spare_heat[i - len(self.bearings)])
            jobs.append(("bearing", self.h("bearing", b), "production",
                         at(heat * 300.0 / nheat + 4, (i % 40) * 0.2), {
                             "location": "厦门 轴承厂 bearing plant",
                             "attrs": {"vibrationClass": "Z2"}}))
        self.each(lambda j: self.event(j[0], j[1], j[2], j[3], **j[4]), jobs)

    def pump_life(self, i):
        """One pump's life, in order: its events are recorded in turn."""
        h = self.h("pump", self.pumps[i])
        day = self.pump_day[i]
        user, station = self.pump_station[i]
        holder = self.ent[user]["uscc"]
        rnd = random.Random(self.a.seed * 100003 + i)
        self.event("pump", h, "design", at(0), location="福州 研发中心 R&D",
                   attrs={"drawing": "CP-200 rev C", "standard": "GB/T 5656"})
        self.event("pump", h, "production", at(day), location="福州 装配线",
                   attrs={"line": self.lines[i % 2],
                          "testPressureMPa": 2.4,
                          "serial": "CP%07d" % (i + 1)})
        self.event("dist", h, "delivery", at(day + 12), holder=holder,
                   location=self.ent[user]["name"],
                   attrs={"pallet": self.h("dist",
                                           self.pallets[i // PER_PALLET]),
                          "deliveryNote": "DN-%06d" % (i + 1)})
        site = self.h(user, station)
        where = "%s %s" % (self.ent[user]["name"], station)
        ev = self.event("maint", h, "installation", at(day + 20),
                        location=("错误地点 " if i in self.corrected else "")
                        + where, attrs={"site": site, "alignmentMm": 0.05})
        if i in self.corrected:
            self.event("maint", h, "installation", at(day + 20),
                       location=where, corrects=ev,
                       attrs={"site": site, "alignmentMm": 0.05,
                              "note": "地点更正 location corrected"})
        if i in self.warned:
            hours = 3000 + rnd.randrange(4000)
            w = self.event(user, h, "warning", at(day + 200), location=where,
                           attrs={"vibrationMmS": round(7.1 + rnd.random() * 4,
                                                        1),
                                  "operatingHours": hours})
            if i in self.repaired:
                f = self.event("maint", h, "fault", at(day + 203),
                               location=where, public=False,
                               attrs={"faultCode": "BRG-WEAR",
                                      "diagnosis": "轴承磨损 bearing wear"})
                old = self.bearings[self.pump_parts[i][1]]
                spare = self.spares[self.warned.index(i)]
                self.link("bearing", self.h("bearing", old),
                          [("replacedBy", self.h("bearing", spare))])
                self.link("pump", h, [("madeOf", self.h("bearing", spare))])
                self.event("maint", h, "maintenance", at(day + 205),
                           location=where, closes=[w, f],
                           attrs={"operatingHours": hours + 70,
                                  "partReplaced": self.h("bearing", spare),
                                  "partRemoved": self.h("bearing", old),
                                  "workOrder": self.h(
                                      "maint", "WO-%06d" % (i + 1))})
        if i in self.recycled:
            scrap = self.scraps[self.recycled.index(i) % 2]
            self.link("pump", h, [("recycledInto",
                                   self.h("recycle", scrap))])
            self.event("recycle", h, "recycling",
                       at(RECYCLE_DAY + self.recycled.index(i) % 20),
                       location="绿循 拆解中心 dismantling centre",
                       attrs={"scrapLot": self.h("recycle", scrap),
                              "recoveredKg": 61.5})

    def work_orders(self):
        self.register("maint", "workorder-v1",
                      [("WO-%06d" % (i + 1), ["WO-%06d" % (i + 1),
                                              "更换轴承 bearing swap"])
                       for i in sorted(self.repaired)])

    # ---------------------------------------------------------- summary
    def summary(self):
        p = self.a.out
        lines = []
        for key, *_ in ENTERPRISES:
            e = self.ent[key]
            lines.append("enterprise %s %s %s %s" % (key, e["uscc"],
                                                     e["prefix"], e["name"]))
        for key, *_ in ENTERPRISES:
            e = self.ent[key]
            lines.append("account %s %s %s" % (key, e["user"], e["password"]))
        # The pump the page opens: one that warned, was repaired and so
        # shows every stage the story has.
        show = sorted(self.repaired)[0]
        lines.append("pump %s" % self.h("pump", self.pumps[show]))
        lines.append("holder %s" % self.pump_station[show][0])
        # One whose warning is still open.
        lines.append("warned %s" % self.h("pump", self.pumps[min(
            set(self.warned) - self.repaired)]))
        lines.append("heat %s" % self.h("steel", self.heats[
            self.motor_heat[self.pump_parts[show][0]]]))
        lines.append("pallet %s" % self.h("dist",
                                          self.pallets[show // PER_PALLET]))
        lines.append("counts identifiers=%d links=%d events=%d grants=%d"
                     % (self.nident(), self.n["links"], self.n["events"],
                        self.n["grants"]))
        tmp = p + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(tmp, p)

    def nident(self):
        return (len(self.heats) + len(self.scrap_heats) + len(self.winders) +
                len(self.lines) + len(self.motors) + len(self.bearings) +
                len(self.spares) + len(self.pumps) + len(self.pallets) +
                sum(len(s) for s in self.stations.values()) +
                len(self.scraps) + len(self.repaired))

    def run(self):
        t0 = time.monotonic()
        self.accounts()
        self.say("accounts made in %.1f s" % (time.monotonic() - t0))
        # One after the other: prefixes are allocated in approval order.
        for key, *_ in ENTERPRISES:
            self.admit(key)
        self.templates()
        self.story()
        self.identifiers()
        self.work_orders()
        self.give_grants()
        self.all_links()
        self.say("recording lifecycles")
        self.part_events()
        self.each(self.pump_life, range(len(self.pumps)))
        self.summary()
        self.say("%d identifiers, %d links, %d events, %d grants, "
                 "%d calls in %.1f s"
                 % (self.nident(), self.n["links"], self.n["events"],
                    self.n["grants"], self.api.calls, time.monotonic() - t0))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--idctl", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--reviewer", nargs=2, required=True,
                    metavar=("NAME", "PASSWORD"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--heats", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=6)
    args = ap.parse_args(argv[1:])
    if not 1 <= args.heats <= 1000 or not 1 <= args.threads <= 64:
        ap.error("--heats 1-1000, --threads 1-64")
    c = Chain(args)
    try:
        c.run()
    except CallFailed as e:
        print("supply chain: %s" % e, file=sys.stderr)
        return 1
    finally:
        c.pool.shutdown(wait=False, cancel_futures=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
