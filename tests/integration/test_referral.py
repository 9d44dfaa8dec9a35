"""Prefixes not hosted here (proxy 1 in pfx:{P}): a handle that is not
found under them is answered with a referral (RC 302 SERVICE_REFERRAL)
to the enterprise node's HS_SITE, on UDP, TCP and HTTP."""
import hashlib
import http.client
import json
import socket
import struct

from harness import (OPF_DEFAULT, OPF_DNRF, OPF_RD, Group, bstr, check, eq,
                     expect_rc, resolution, scaled, u8, u16, u32)

REFERRED = "88.123.99"
HOSTED = "88.123.98"
SAME = "PUMP-2026-000017"
UPDATED = 1767225600  # the pfx record's `u`: the value's timestamp
TS = "2025-06-01T08:00:00Z"


def rec(handle, url):
    return {"handle": handle, "values": [
        {"index": 1, "type": "URL", "data": url, "timestamp": TS}]}


g = Group("referral", records=[
    rec(HOSTED + "/" + SAME, "https://hosted.example/pump"),
    rec(REFERRED + "/LOCAL-1", "https://left-behind.example/1")])

# protocol.md §9 T8 (desc=test, 192.0.2.1, TCP/UDP 2641, HTTP 8000).
T8 = bytes.fromhex(
    "0001020a000180020000000000000001000000046465736300000004746573740000"
    "000100000001000000000000000000000000c00002010000000000000003030100"
    "000a51020000000a51030200001f40")


def site_bytes(ip, tcp=None, udp=None, http=None):
    """The HS_SITE a referral must carry (protocol.md §6.1), written from
    the layout, not from the node's code."""
    if ":" in ip:
        addr = socket.inet_pton(socket.AF_INET6, ip)
    else:
        addr = bytes(12) + socket.inet_aton(ip)  # IPv4-compatible form
    ifs = [(3, 1, tcp), (2, 0, udp), (3, 2, http)]
    ifs = [(t, p, port) for t, p, port in ifs if port is not None]
    b = u16(1) + u8(2) + u8(10) + u16(1) + u8(0x80) + u8(2) + u32(0)
    b += u32(0)  # no attributes
    b += u32(1) + u32(1) + addr + u32(0) + u32(len(ifs))
    for t, p, port in ifs:
        b += u8(t) + u8(p) + u32(port)
    return b


def value_bytes(data, ts=UPDATED):
    """HS_SITE value at index 1, relative TTL 86400, permissions 1110."""
    return (u32(1) + u32(ts) + u8(0) + u32(86400) + u8(0x0E) +
            bstr("HS_SITE") + bstr(data) + u32(0))


def set_pfx(n, prefix, **fields):
    args = ["HSET", "pfx:{%s}" % prefix]
    for k, v in fields.items():
        args += [k, str(v)]
    p = n.redis_cli(*args)
    check(p.returncode == 0 and "ERR" not in p.stdout,
          "HSET failed: %r %r" % (p.stdout, p.stderr))


def referred(n, prefix=REFERRED, **over):
    f = dict(ent="91350100M000100Y43", state=1, proxy=1, ipType=4,
             ip="127.0.0.1", tcpPort=2643, udpPort=2643, httpPort=8080,
             u=UPDATED)
    f.update(over)
    set_pfx(n, prefix, **f)


def both(n, handle, **kw):
    return [("udp", n.resolve(handle, "udp", **kw)),
            ("tcp", n.resolve(handle, "tcp", **kw))]


def expect_referral(r, site, what, ts=UPDATED):
    expect_rc(r, "SERVICE_REFERRAL")
    eq(r.referral_handle, b"", what + ": referral handle (empty)")
    check(r.values is not None and len(r.values) == 1,
          "%s: one value expected, got %r" % (what, r.values))
    v = r.values[0]
    eq((v["index"], v["type"], v["ttl_type"], v["ttl"], v["perms"],
        v["timestamp"], v["refs"]),
       (1, "HS_SITE", 0, 86400, 0x0E, ts, []), what + ": value header")
    eq(v["data"].hex(), site.hex(), what + ": HS_SITE bytes")


@g.test("the independent HS_SITE writer agrees with protocol.md T8")
def _(n):
    no_attr = T8[:12] + u32(0) + T8[32:]  # T8 without its desc attribute
    eq(site_bytes("192.0.2.1", 2641, 2641, 8000).hex(), no_attr.hex(),
       "T8 minus the desc attribute")


@g.test("not-hosted prefix: UDP and TCP answer 302 with the exact HS_SITE")
def _(n):
    referred(n)
    site = site_bytes("127.0.0.1", 2643, 2643, 8080)
    for t, r in both(n, REFERRED + "/" + SAME):
        expect_referral(r, site, t)
        eq(r.opflags, OPF_DEFAULT, t + ": request OpFlags echoed")
    # Lower-case prefix and a type filter: still the referral, unfiltered.
    for t, r in both(n, "88.123.99/x-1", types=["URL"], indexes=[7]):
        expect_referral(r, site, t + " (lower case, filters)")


@g.test("whole response bytes: envelope, header, empty handle, value")
def _(n):
    referred(n)
    h = REFERRED + "/BYTES-1"
    data = resolution(h, reqid=0x1234)
    r = n.udp_resp(data)
    body = bstr(b"") + u32(1) + value_bytes(
        site_bytes("127.0.0.1", 2643, 2643, 8080))
    want_hdr = (u32(1) + u32(302) + u32(OPF_DEFAULT) + u16(1) + u8(0) +
                u8(0) + u32(r.expiration) + u32(len(body)))
    eq(r.raw[:20].hex(), (bytes.fromhex("020b020b00000000000012340000000"
                                        "0") + u32(24 + len(body) + 4)).hex(),
       "envelope")
    eq(r.raw[20:].hex(), (want_hdr + body + u32(0)).hex(), "message")


@g.test("RD set: digest first; DNRF set: HANDLE_NOT_FOUND instead")
def _(n):
    referred(n)
    h = REFERRED + "/FLAGS-1"
    req = resolution(h, opflags=OPF_DEFAULT | OPF_RD)
    want = hashlib.sha256(req[20:-4]).digest()
    for t, r in (("udp", n.udp_resp(req)), ("tcp", n.tcp_resp(req))):
        expect_referral(r, site_bytes("127.0.0.1", 2643, 2643, 8080), t)
        eq((r.digest_alg, r.digest), (3, want), t + ": request digest")
    for t, r in both(n, h, opflags=OPF_DEFAULT | OPF_DNRF):
        expect_rc(r, "HANDLE_NOT_FOUND")


@g.test("a record that exists under the referred prefix is still served")
def _(n):
    referred(n)
    for t, r in both(n, REFERRED + "/LOCAL-1"):
        expect_rc(r, "SUCCESS")
        eq(r.values[0]["data"], b"https://left-behind.example/1", t)


@g.test("hosted prefix with the same suffix resolves; unregistered, hosted "
        "and disabled prefixes give HANDLE_NOT_FOUND")
def _(n):
    referred(n)
    for t, r in both(n, HOSTED + "/" + SAME):
        expect_rc(r, "SUCCESS")
        eq(r.values[0]["data"], b"https://hosted.example/pump", t)
    referred(n, "88.123.97", proxy=4)   # hosted here, record absent
    referred(n, "88.123.96", state=0)   # not hosted but disabled
    set_pfx(n, "88.123.95", ent="91350100M000100Y43", state=1, proxy=1)
    for p in ("88.123.1", HOSTED, "88.123.97", "88.123.96", "88.123.95"):
        for t, r in both(n, p + "/NOPE-" + SAME):
            expect_rc(r, "HANDLE_NOT_FOUND")
    check("event=prefix_referral_unusable prefix=88.123.95" in
          n.stderr_text(), "the unusable referral of 88.123.95 is logged")


@g.test("ports that are absent are left out; IPv6 enterprise node")
def _(n):
    referred(n, "88.123.94", ipType=6, ip="2001:db8::7", tcpPort=2641,
             udpPort="", httpPort="")
    n.redis_cli("HDEL", "pfx:{88.123.94}", "httpPort")
    for t, r in both(n, "88.123.94/V6-1"):
        expect_referral(r, site_bytes("2001:db8::7", tcp=2641), t)
    # ipType that does not match the address: unusable, not a referral.
    referred(n, "88.123.93", ipType=4, ip="2001:db8::7")
    for t, r in both(n, "88.123.93/V6-1"):
        expect_rc(r, "HANDLE_NOT_FOUND")


@g.test("HTTP /api/handles: 300 with responseCode 302 and the site; "
        "doNotRefer gives 404")
def _(n):
    referred(n)
    h = REFERRED + "/" + SAME
    st, j, hdrs, _ = n.http_json("/api/handles/" + h)
    eq(st, 300, "HTTP status")
    check("referralHandle" not in j, "no referralHandle when it is empty "
          "(as CNRI answers): %r" % j)
    eq(sorted(j), ["handle", "responseCode", "values"], "keys")
    eq((j["responseCode"], j["handle"], len(j["values"])), (302, h, 1),
       "responseCode, handle, one value")
    v = j["values"][0]
    eq((v["index"], v["type"], v["ttl"], v["timestamp"]),
       (1, "HS_SITE", 86400, "2026-01-01T00:00:00Z"), "value fields")
    eq(v["data"], {"format": "site", "value": {
        "version": 1, "protocolVersion": "2.10", "serialNumber": 1,
        "primarySite": True, "multiPrimary": False, "attributes": [],
        "servers": [{"serverId": 1, "address": "127.0.0.1",
                     "publicKey": {"format": "base64", "value": ""},
                     "interfaces": [
                         {"query": True, "admin": True, "protocol": "TCP",
                          "port": 2643},
                         {"query": True, "admin": False, "protocol": "UDP",
                          "port": 2643},
                         {"query": True, "admin": True, "protocol": "HTTP",
                          "port": 8080}]}]}}, "data (format site)")
    st, j, _, _ = n.http_json("/api/handles/%s?doNotRefer=true" % h)
    eq((st, j["responseCode"]), (404, 100), "doNotRefer")


@g.test("SNMS detail: HTTP 300, status -2, message names the node, site "
        "in data")
def _(n):
    referred(n)
    h = REFERRED + "/" + SAME
    st, j, _, _ = n.http_json("/identityv2/data/detail?handle=" + h)
    eq((st, j["status"]), (300, -2), "HTTP status and SNMS status")
    for part in (REFERRED, "127.0.0.1", "TCP 2643", "UDP 2643",
                 "HTTP 8080"):
        check(part in j["message"], "message names %s: %r"
              % (part, j["message"]))
    eq((j["data"]["prefix"], j["data"]["handle"]), (REFERRED, h),
       "data prefix and handle")
    srv = j["data"]["site"]["servers"][0]
    eq((srv["address"], [i["port"] for i in srv["interfaces"]]),
       ("127.0.0.1", [2643, 2643, 8080]), "data.site server")


@g.test("a change of the pfx record is seen at once on every front end "
        "(Redis tracking of pfx: keys)")
def _(n):
    referred(n, "88.123.92")
    h = "88.123.92/CHANGE-1"
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t = n.tcp_connect()
    c = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                   timeout=scaled(5))

    def get(what, rc, port):
        rid = struct.unpack(">I", resolution(h)[8:12])[0]
        for name, r in (("udp", n.udp_resp(resolution(h, reqid=rid),
                                           sock=u)),
                        ("tcp", n.tcp_resp(resolution(h, reqid=rid),
                                           sock=t))):
            expect_rc(r, rc)
            if port:
                eq(r.values[0]["data"],
                   site_bytes("127.0.0.1", port, 2643, 8080),
                   "%s %s: site" % (what, name))
        st, j, _, _ = n.http_json("/api/handles/" + h, conn=c)
        eq(j["responseCode"], {"SERVICE_REFERRAL": 302,
                               "HANDLE_NOT_FOUND": 100}[rc],
           what + " http responseCode")
        if port:
            eq(j["values"][0]["data"]["value"]["servers"][0]["interfaces"]
               [0]["port"], port, what + " http TCP port")
    try:
        for i in range(2):  # the second answer comes from the cache
            get("before", "SERVICE_REFERRAL", 2643)
        set_pfx(n, "88.123.92", tcpPort=2700)
        get("new port", "SERVICE_REFERRAL", 2700)
        get("new port (cached)", "SERVICE_REFERRAL", 2700)
        set_pfx(n, "88.123.92", proxy=4)
        get("now hosted", "HANDLE_NOT_FOUND", None)
        set_pfx(n, "88.123.92", proxy=1)
        get("not hosted again", "SERVICE_REFERRAL", 2700)
        n.redis_cli("DEL", "pfx:{88.123.92}")
        get("unregistered", "HANDLE_NOT_FOUND", None)
    finally:
        u.close()
        t.close()
        c.close()


def cmdstat(n, cmd):
    for line in n.redis_cli("INFO", "commandstats").stdout.splitlines():
        if line.startswith("cmdstat_%s:" % cmd):
            return int(line.split("calls=")[1].split(",")[0])
    return 0


@g.test("the prefix is read once per worker and TTL, not once per lookup")
def _(n):
    referred(n, "88.123.91")
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        r = n.udp_resp(resolution("88.123.91/FIRST"), sock=u)
        expect_rc(r, "SERVICE_REFERRAL")
        hmget, hgetall = cmdstat(n, "hmget"), cmdstat(n, "hgetall")
        for i in range(30):  # one socket: one worker, one cache
            r = n.udp_resp(resolution("88.123.91/FIRST"), sock=u)
            expect_rc(r, "SERVICE_REFERRAL")
        eq((cmdstat(n, "hmget") - hmget, cmdstat(n, "hgetall") - hgetall),
           (0, 0), "Redis commands for 30 repeats of one handle")
        for i in range(30):
            r = n.udp_resp(resolution("88.123.91/N-%d" % i), sock=u)
            expect_rc(r, "SERVICE_REFERRAL")
        eq((cmdstat(n, "hmget") - hmget, cmdstat(n, "hgetall") - hgetall),
           (0, 30), "Redis commands for 30 new suffixes (records only)")
    finally:
        u.close()


@g.test("idctl resolve shows the referral and the site; --json too")
def _(n):
    referred(n)
    h = REFERRED + "/" + SAME
    for extra in ((), ("--tcp",)):
        p = n.idctl("resolve", *extra, h)
        eq(p.returncode, 1, "exit status (not resolved here)")
        check("SERVICE_REFERRAL (302)" in p.stderr, "stderr: %r" % p.stderr)
        check('"address":"127.0.0.1"' in p.stdout and '"port":2643' in
              p.stdout and "HS_SITE" in p.stdout, "stdout: %r" % p.stdout)
    p = n.idctl("resolve", "--json", h)
    j = json.loads(p.stdout)
    eq((j["responseCode"], j["values"][0]["data"]["format"]),
       (302, "site"), "--json responseCode and data format")
