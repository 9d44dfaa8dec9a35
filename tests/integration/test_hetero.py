"""Heterogeneous identifiers (resolver/gateway, resolver/dns,
resolver/peername, registry/idmap): OID and GS1 identifiers resolved by
NAPTR through each worker's c-ares channel against a real DNS server
(dnsmasq on a loopback port, records written by the test), errors for
NXDOMAIN, loops and a server that never answers, servers configured by
name and looked up again when their TTL ends, and the mapping table an
enterprise registers between its handles and its GS1/OID codes."""
import atexit
import http.client
import json
import os
import pwd
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import harness
from harness import Group, check, eq, scaled
import ents
import promtext
import snms

g = Group("hetero", config={"node_prefix": "88.777"})

OID = "2.16.156.101818.102.1"
OID_NAME = "1.102.101818.156.16.2.oid.test"
GTIN13 = "4006381333931"
GTIN14 = "04006381333931"
GTIN_NAME = "0.3.9.3.3.3.1.8.3.6.0.0.4.gtin.test"
CHAIN_OID = "1.2.156.7"      # non-terminal NAPTR, then a terminal one
LOOP_OID = "1.2.156.8"       # a NAPTR leading to itself
RESOLVE = "/api/resolve/"


class Dnsmasq:
    """dnsmasq serving only the test's records on 127.0.0.1:port, never
    forwarding (no upstream servers); NXDOMAIN for other names under
    test."""

    def __init__(self, d):
        self.dir = d
        self.port = None
        self.proc = None
        self.err = None
        atexit.register(self.stop)  # never left behind by a failed test

    def start(self, peer_ip):
        """Starts on a new free port the first time (retrying if one is
        taken meanwhile, dnsmasq binds UDP and TCP), on the same port
        afterwards: idnode's config names it."""
        for attempt in range(5):
            first = self.port is None
            if first:
                self.port = harness.free_port_pair()
            try:
                return self._start(peer_ip)
            except OSError as e:
                if not first or attempt == 4 or "in use" not in str(e):
                    raise AssertionError(str(e))
                self.port = None

    def _start(self, peer_ip, peer_ttl=1):
        conf = os.path.join(self.dir, "dnsmasq.conf")
        rx = "!^.*$!https://oid.example.test/" + OID + "!"
        lines = [
            "port=%d" % self.port, "listen-address=127.0.0.1",
            "bind-interfaces", "no-resolv", "no-hosts", "local=/test/",
            "local-ttl=30",
            # ORS: two terminal records, the second rewrites the OID.
            "naptr-record=%s,20,10,U,CINF,!^(.*)$!https://oid.example.test/"
            "info?oid=\\1!" % OID_NAME,
            "naptr-record=%s,10,10,U,RINF,%s" % (OID_NAME, rx),
            # ONS 2.0.1: the AUS is ||gtin|GTIN14.
            "naptr-record=%s,0,0,U,http://www.gs1.org/ons/epcis,"
            "!^\\|\\|gtin\\|(.*)$!https://epcis.example.test/gtin/\\1!"
            % GTIN_NAME,
            "naptr-record=7.156.2.1.oid.test,10,10,,ORS,,next.oid.test",
            "naptr-record=next.oid.test,10,10,U,RINF,"
            "!^.*$!https://chained.example.test/!",
            "naptr-record=8.156.2.1.oid.test,10,10,,ORS,,8.156.2.1.oid.test",
            "host-record=peer.test,%s,%d" % (peer_ip, peer_ttl),
        ]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.err = open(os.path.join(self.dir, "dnsmasq.stderr"), "w+")
        self.proc = subprocess.Popen(
            ["dnsmasq", "-k", "-C", conf,
             "--user=" + pwd.getpwuid(os.getuid()).pw_name,
             "--pid-file=" + os.path.join(self.dir, "dnsmasq.pid"),
             "--log-facility=" + os.path.join(self.dir, "dnsmasq.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.err)
        deadline = time.monotonic() + scaled(5)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.err.seek(0)
                raise OSError("dnsmasq exited with %s: %s"
                              % (self.proc.returncode, self.err.read()))
            if self.answers():
                return
            time.sleep(0.05)
        raise AssertionError("dnsmasq did not answer")

    def answers(self):
        q = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
             b"\x04peer\x04test\x00\x00\x01\x00\x01")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        try:
            s.sendto(q, ("127.0.0.1", self.port))
            return s.recv(512)[:2] == b"\x12\x34"
        except OSError:
            return False
        finally:
            s.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.err:
            self.err.close()
            self.err = None


DNS = {}


def restart(n, **over):
    n.stop_idnode()
    n.write_config(**over)
    n.start_idnode()


def dns_config(port):
    return {"dns_servers": "127.0.0.1:%d" % port, "oid_zone": "oid.test",
            "gs1_zone": "gtin.test", "peer_names": "peer.test:2641",
            "dns_timeout_ms": 400, "dns_tries": 1}


def resolve(n, ident, timeout=10):
    path = RESOLVE + urllib.parse.quote(ident, safe="")
    st, _, body = n.http("GET", path, timeout=scaled(timeout))
    try:
        return st, json.loads(body)
    except ValueError:
        raise AssertionError("GET %s: %d, not JSON: %r" % (path, st, body))


def hetero_metric(n, outcome):
    conn = http.client.HTTPConnection("127.0.0.1", n.admin_port,
                                      timeout=scaled(5))
    try:
        conn.request("GET", "/metrics")
        body = conn.getresponse().read().decode("utf-8")
    finally:
        conn.close()
    return promtext.value(promtext.parse(body), "idnode_hetero_answers_total",
                          outcome=outcome)


def urls(j):
    return [s.get("result") for s in j.get("services", [])]


@g.test("by default no DNS: no channel, and a non-Handle identifier is "
        "answered 404 without any lookup; malformed ones 400")
def _(n):
    st, j = resolve(n, OID)
    eq(st, 404, "OID without oid_zone")
    check("no DNS zone" in j["message"], "message: %r" % j)
    eq((j["scheme"], j["normalised"]), ("oid", OID), "parsed anyway")
    for bad, why in (("4006381333932", "check digit"),
                     ("3.1.2", "OID"), ("88.777/x", "OID"),
                     ("12345", "GTIN"), ("(01)4006381333931", "GTIN-14"),
                     ("https://id.gs1.org/02/04006381333931", "/01/")):
        st, j = resolve(n, bad)
        eq(st, 400, "%s status" % bad)
        check(why in j["message"], "%s: message %r lacks %r"
              % (bad, j["message"], why))
    check("event=peer_" not in n.stderr_text(), "no peer lookups")


@g.test("OID through ORS NAPTR: URLs in order, regexp back-references "
        "applied, answer cached for the TTL")
def _(n):
    dns = DNS.setdefault("d", Dnsmasq(n.dir))
    dns.start("127.0.0.2")
    restart(n, **dns_config(dns.port))
    st, j = resolve(n, "urn:oid:" + OID)
    eq(st, 200, "status (%r)" % j)
    eq(j["dnsName"], OID_NAME, "name queried")
    eq(j["source"], "dns", "source")
    eq(urls(j), ["https://oid.example.test/" + OID,
                 "https://oid.example.test/info?oid=" + OID], "URLs")
    eq([(s["order"], s["service"], s["flags"]) for s in j["services"]],
       [(10, "RINF", "U"), (20, "CINF", "U")], "order, service, flags")
    check(0 < j["ttl"] <= 30 and j["cached"] is False, "ttl %r" % j)
    eq(j["handle"], None, "no mapping")
    cached = {}
    for _ in range(4):  # every worker ends up caching it
        st, j2 = resolve(n, OID)
        cached[j2["cached"]] = j2
    check(True in cached, "a repeated request is served from the cache")
    eq(urls(cached[True]), urls(j), "cached URLs")


@g.test("GS1: GTIN-13, GTIN-14, element string and Digital Link all "
        "query the ONS 2.0.1 name and get the EPCIS URL")
def _(n):
    for ident, form in ((GTIN13, "gtin"), (GTIN14, "gtin"),
                        ("(01)%s(21)SN-42" % GTIN14, "element-string"),
                        ("https://id.gs1.org/01/%s/21/SN-42" % GTIN14,
                         "digital-link"),
                        ("https://brand.example/shop/01/%s/10/L1?x=1"
                         % GTIN13, "digital-link")):
        st, j = resolve(n, ident)
        eq(st, 200, "%s status (%r)" % (ident, j))
        eq((j["scheme"], j["form"], j["normalised"]), ("gs1", form, GTIN14),
           "%s parsed" % ident)
        eq(j["dnsName"], GTIN_NAME, "%s name" % ident)
        eq(urls(j), ["https://epcis.example.test/gtin/" + GTIN14],
           "%s URL" % ident)
        if "SN-42" in ident:
            eq(j["serial"], "SN-42", "serial")


@g.test("non-terminal NAPTRs are followed, a loop ends 502, NXDOMAIN and "
        "no-NAPTR are 404")
def _(n):
    st, j = resolve(n, CHAIN_OID)
    eq(st, 200, "chain (%r)" % j)
    eq(j["queried"], ["7.156.2.1.oid.test", "next.oid.test"], "queried")
    eq(urls(j), ["https://chained.example.test/"], "chained URL")
    st, j = resolve(n, LOOP_OID)
    eq(st, 502, "loop (%r)" % j)
    check("chain" in j["message"], "loop message %r" % j)
    st, j = resolve(n, "2.999.1")
    eq(st, 404, "NXDOMAIN (%r)" % j)
    check("NXDOMAIN" in j["message"], "message %r" % j)
    # A GTIN whose name has no record: NXDOMAIN under the GS1 zone.
    st, j = resolve(n, "00614141322602")
    eq(st, 404, "unknown GTIN (%r)" % j)


@g.test("a peer configured by name resolves through the DNS server and is "
        "looked up again when its TTL ends")
def _(n):
    deadline = time.monotonic() + scaled(10)
    while "addrs=127.0.0.2:2641" not in n.stderr_text():
        check(time.monotonic() < deadline,
              "peer.test never resolved to 127.0.0.2")
        time.sleep(0.1)
    dns = DNS["d"]
    dns.stop()
    dns.start("127.0.0.3")
    deadline = time.monotonic() + scaled(10)
    while "peer=peer.test:2641 addrs=127.0.0.3:2641" not in n.stderr_text():
        check(time.monotonic() < deadline,
              "peer.test not looked up again after its TTL")
        time.sleep(0.1)


@g.test("the mapping table: the owner maps a GTIN and an OID to its "
        "handles, resolution answers them locally; a foreign enterprise "
        "is refused")
def _(n):
    owner, tok, prefix = ents.admitted(n)
    other, otok, oprefix = ents.admitted(n)
    h = prefix + "/PUMP-7"
    d = snms.ok(n, "PUT", "/api/idmap/" + GTIN13, {"handle": h}, tok)
    eq(d, {"id": GTIN14, "scheme": "gs1", "handle": h}, "mapped")
    snms.ok(n, "PUT", "/api/idmap/" + urllib.parse.quote("urn:oid:" + OID,
                                                          safe=""),
            {"handle": h}, tok)
    eq(snms.ok(n, "GET", "/api/idmap/" + GTIN14)["handle"], h, "read back")
    for ident in ("https://id.gs1.org/01/" + GTIN14, OID):
        st, j = resolve(n, ident)
        eq((st, j["source"], j["handle"], j["dnsName"]),
           (200, "mapping", h, None), "%s answered locally" % ident)
    # Another enterprise can neither map to h nor take the code over.
    snms.fails(n, "PUT", "/api/idmap/00614141322602", {"handle": h}, otok,
               403, -3, message="another enterprise")
    snms.fails(n, "PUT", "/api/idmap/" + GTIN13,
               {"handle": oprefix + "/X"}, otok, 403, -3,
               message="mapped by another enterprise")
    snms.fails(n, "DELETE", "/api/idmap/" + GTIN13, None, otok, 403, -3)
    snms.fails(n, "PUT", "/api/idmap/" + GTIN13, {"handle": h}, None, 401,
               -1)
    snms.fails(n, "PUT", "/api/idmap/4006381333932", {"handle": h}, tok,
               400, -2, message="check digit")
    eq(ents.hash_of(n, "idmap:{gs1:%s}" % GTIN14)["handle"], h, "kept")
    snms.ok(n, "DELETE", "/api/idmap/" + GTIN13, token=tok)
    snms.fails(n, "GET", "/api/idmap/" + GTIN13, None, None, 404, -2)
    st, j = resolve(n, GTIN13)
    eq((st, j["source"]), (200, "dns"), "unmapped: DNS again")


@g.test("a GS1 company prefix mapped to one of our prefixes answers every "
        "GTIN under it locally; only its owner maps or removes it")
def _(n):
    owner, tok, prefix = ents.admitted(n)
    other, otok, oprefix = ents.admitted(n)
    gcp = "/api/idmap/gcp:4006381"
    d = snms.ok(n, "PUT", gcp, {"prefix": prefix.lower()}, tok)
    eq(d, {"gcp": "4006381", "prefix": prefix}, "mapped")
    eq(snms.ok(n, "GET", gcp)["prefix"], prefix, "read back")
    st, j = resolve(n, "(01)%s(21)S1" % GTIN14)
    eq((st, j["source"], j["handle"], j["gcp"], j["dnsName"]),
       (200, "company-prefix", prefix + "/" + GTIN14, "4006381", None),
       "answered locally (%r)" % j)
    snms.fails(n, "PUT", gcp, {"prefix": oprefix}, otok, 403, -3,
               message="mapped by another enterprise")
    snms.fails(n, "PUT", "/api/idmap/gcp:4006382", {"prefix": prefix}, otok,
               403, -3, message="another enterprise")
    snms.fails(n, "DELETE", gcp, None, otok, 403, -3)
    snms.fails(n, "PUT", "/api/idmap/gcp:12345", {"prefix": prefix}, tok,
               400, -2, message="6 to 12 digits")
    snms.ok(n, "DELETE", gcp, token=tok)
    st, j = resolve(n, GTIN13)
    eq((st, j["source"]), (200, "dns"), "unmapped: DNS again")


@g.test("a DNS server that never answers: 504 within the timeout while "
        "other requests are served")
def _(n):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        cfg = dns_config(silent.getsockname()[1])
        cfg["oid_zone"] = "slow.test"  # nothing cached under this zone
        restart(n, **cfg)
        out = {}

        def slow():
            t0 = time.monotonic()
            out["r"] = resolve(n, "2.16.156.5")
            out["t"] = time.monotonic() - t0
        th = threading.Thread(target=slow)
        th.start()
        time.sleep(0.05)
        t0 = time.monotonic()
        check(n.healthz() is not None, "healthz while DNS hangs")
        check(time.monotonic() - t0 < scaled(0.3), "healthz was slow")
        th.join(scaled(10))
        st, j = out["r"]
        eq(st, 504, "status (%r)" % j)
        check(out["t"] < scaled(2.0), "took %.2f s" % out["t"])
        silent.settimeout(1)
        check(silent.recv(512), "the query reached the silent server")
        eq(hetero_metric(n, "timeout"), 1, "timeouts counted")
        st, _ = resolve(n, OID)  # mapped by an earlier test: no DNS
        eq(st, 200, "mapped OID while DNS hangs")
        eq(hetero_metric(n, "mapping"), 1, "mapping answers counted")
    finally:
        silent.close()
        DNS["d"].stop()
