"""Envelope/header details: ids, versions, digests, opcodes, site info."""
import hashlib
import socket

import data
from harness import (OC_GET_SITEINFO, OC_RESOLUTION, OPF_DEFAULT, OPF_RD,
                     Group, Resp, bstr, check, envelope, eq, expect_rc,
                     message, request, resolution, resolution_body,
                     u32, udp_receive)

g = Group("protocol", records=[data.ALL])
H = data.ALL["handle"]


def send_both(n, req):
    return [("udp", n.udp_resp(req)), ("tcp", n.tcp_resp(req))]


@g.test("response RequestId equals the request's (success and errors)")
def _(n):
    for rid in (1, 0x12345678, 0x7FFFFFFF, 0xFFFFFFFF):
        for h in (H, "88.900.1/NOPE", "bad handle"):
            for t, r in send_both(n, resolution(h, reqid=rid)):
                eq(r.reqid, rid, "%s %s RequestId" % (t, h))
                eq(r.opcode, OC_RESOLUTION, "%s opcode echoed" % t)
                eq(r.seq, 0, "%s SequenceNumber" % t)


@g.test("version: 2.10 suggesting 2.11 -> answered 2.11, suggests 2.11")
def _(n):
    for t, r in send_both(n, resolution(H, major=2, minor=10, sugg=(2, 11))):
        expect_rc(r, "SUCCESS")
        eq(r.raw[:4].hex(), "020b020b", t + " envelope bytes 0-3")


@g.test("version: 2.1 with zero suggested bytes -> answered 2.1, bytes 2-3 "
        "zero")
def _(n):
    for h, rc in ((H, "SUCCESS"), ("88.900.1/NOPE", "HANDLE_NOT_FOUND")):
        for t, r in send_both(n, resolution(h, major=2, minor=1,
                                            sugg=(0, 0))):
            expect_rc(r, rc)
            eq(r.raw[:4].hex(), "02010000", t + " envelope bytes 0-3")


@g.test("RD flag: body starts with 0x03 + SHA-256 of request header+body")
def _(n):
    for h, rc in ((H, "SUCCESS"), ("88.900.1/NOPE", "HANDLE_NOT_FOUND"),
                  ("bad handle", "INVALID_HANDLE")):
        req = resolution(h, indexes=[1], opflags=OPF_DEFAULT | OPF_RD)
        want = hashlib.sha256(req[20:-4]).digest()  # header+body, no cred
        for t, r in send_both(n, req):
            expect_rc(r, rc)
            check(r.opflags & OPF_RD, t + ": RD not echoed in OpFlags")
            eq(r.body[:1], b"\x03", "%s %s digest algorithm byte" % (t, h))
            eq(r.body[1:33].hex(), want.hex(), "%s %s SHA-256" % (t, h))
            if rc == "SUCCESS":
                eq(r.indexes(), [1], t + " values after the digest")


@g.test("IDIS resolution with trailing authBytes (protocol.md §11) -> "
        "SUCCESS")
def _(n):
    # Byte-for-byte what id-pointer-sdk 2.3.1 sends, handle swapped.
    body = bstr(H) + u32(0) + u32(0) + u32(0)
    req = request(OC_RESOLUTION, body)
    eq(req[:4].hex(), "020a020b", "IDIS envelope version bytes")
    for t, r in send_both(n, req):
        expect_rc(r, "SUCCESS")
        eq(len(r.values), 9, t + " public values")
    # Recursion auth (flag 0x4) carries a token there: still ignored.
    req = resolution(H, types=["URL"], auth=b"eyJhbGciOiJSUzI1NiJ9.e30.sig",
                     opflags=OPF_DEFAULT | 0x4)
    for t, r in send_both(n, req):
        expect_rc(r, "SUCCESS")
        eq(r.indexes(), [1], t + " indexes")


@g.test("GET_SITEINFO (T11) -> SUCCESS, body exactly one HS_SITE record")
def _(n):
    for t, r in send_both(n, request(OC_GET_SITEINFO, bstr("/"))):
        expect_rc(r, "SUCCESS")
        eq(r.opcode, OC_GET_SITEINFO, t + " opcode")
        s = r.site  # Resp checked the body holds nothing else
        check(s is not None, t + ": no site record")
        eq(s["version"], 1, t + " site data format version")
        eq(s["proto"], (2, 10), t + " site protocol version")
        eq(len(s["servers"]), 1, t + " servers")
        srv = s["servers"][0]
        eq(srv["address"], bytes(12) + socket.inet_aton("127.0.0.1"),
           t + " server address")
        ifs = {(proto, port): typ for typ, proto, port in srv["interfaces"]}
        for proto, port, name in ((1, n.handle_port, "TCP"),
                                  (0, n.handle_port, "UDP"),
                                  (2, n.http_port, "HTTP")):
            check((proto, port) in ifs, "%s: no %s interface on port %d in %r"
                  % (t, name, port, srv["interfaces"]))
            check(ifs[(proto, port)] & 0x02, "%s: %s interface not query"
                  % (t, name))


@g.test("unsupported opcodes (SESSION_SETUP 400, the replication opcode "
        "1000, 999) -> OPERATION_NOT_SUPPORTED (5)")
def _(n):
    for op in (400, 1000, 999):
        req = request(op, bstr("0.NA/88.900.1"))
        for t, r in send_both(n, req):
            expect_rc(r, "OPERATION_NOT_SUPPORTED")
            eq(r.opcode, op, "%s opcode echoed" % t)
            check(r.message, "%s op %d: empty message" % (t, op))


@g.test("error responses carry a length-prefixed message field")
def _(n):
    cases = [(resolution("88.900.1/NOPE"), 100),
             (resolution("88..1/x"), 102),
             (resolution(H, indexes=[999]), 200),
             (request(400, bstr("x")), 5),
             (request(OC_RESOLUTION, b"\0\0\0\xff"), 4)]
    for req, rc in cases:
        for t, r in send_both(n, req):
            eq(r.rcode, rc, t + " rcode")
            # Resp (strict) checked: body = u32 len + message, nothing more.
            eq(r.body_len, 4 + len(r.message), "%s rc %d BodyLength" % (t, rc))
            r.message.decode("utf-8")


@g.test("a datagram that is a response (ResponseCode != 0) gets no answer")
def _(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for rc in (1, 100, 2):
            body = resolution_body(H) if rc != 1 else (
                bstr(H) + u32(0))
            msg = message(OC_RESOLUTION, body, rcode=rc)
            s.sendto(envelope(len(msg), 4242 + rc) + msg, n.haddr)
        got = udp_receive(s, None, 1.0)
        check(got is None, "answer to a response datagram: %r"
              % (got and Resp(got, strict=False).describe()))
        r = n.udp_resp(resolution(H), sock=s)
        expect_rc(r, "SUCCESS")
    finally:
        s.close()
