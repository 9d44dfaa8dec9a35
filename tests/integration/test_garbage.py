"""Malformed input: always a PROTOCOL_ERROR answer, never silence or a
crash, and the node keeps serving."""
import random
import struct

import data
from harness import (OC_RESOLUTION, Group, Resp, check, envelope, eq,
                     expect_rc, header, padded_request, resolution,
                     resolution_body, scaled, tcp_read_message, u32,
                     wait_closed)

g = Group("garbage", records=[data.ALL])
H = data.ALL["handle"]


def still_serving(n):
    r = n.resolve(H, "udp", indexes=[1])
    expect_rc(r, "SUCCESS")
    r = n.resolve(H, "tcp", indexes=[1])
    expect_rc(r, "SUCCESS")


def udp_garbage(n, dgram, what, reqid=None):
    raw = n.udp(dgram)
    check(raw is not None, "%s: no answer (silence)" % what)
    r = Resp(raw)
    if r.rcode != 4:
        raise AssertionError("%s: expected PROTOCOL_ERROR, got %s"
                             % (what, r.describe()))
    if reqid is not None:
        eq(r.reqid, reqid, what + " RequestId")
    still_serving(n)


def valid():
    return resolution(H, reqid=777)


@g.test("udp: 1-byte and 19-byte datagrams -> PROTOCOL_ERROR")
def _(n):
    udp_garbage(n, b"\x02", "1 byte")
    udp_garbage(n, valid()[:19], "19 bytes")
    udp_garbage(n, b"\0" * 19, "19 zero bytes")


@g.test("udp: random 200-byte datagrams -> PROTOCOL_ERROR")
def _(n):
    rng = random.Random(20240601)
    for i in range(20):
        d = bytes(rng.getrandbits(8) for _ in range(200))
        udp_garbage(n, d, "random datagram %d (%s...)" % (i, d[:8].hex()))


@g.test("udp: envelope with major version 5 -> PROTOCOL_ERROR")
def _(n):
    d = bytearray(valid())
    d[0] = 5
    udp_garbage(n, bytes(d), "major 5", reqid=777)


@g.test("udp: MessageLength not matching the datagram -> PROTOCOL_ERROR")
def _(n):
    v = valid()
    for delta in (1, -1, 100, -30):
        d = bytearray(v)
        struct.pack_into(">I", d, 16, len(v) - 20 + delta)
        udp_garbage(n, bytes(d), "MessageLength %+d" % delta, reqid=777)
    udp_garbage(n, v[:-2], "datagram cut 2 bytes short", reqid=777)


@g.test("udp: header BodyLength larger than the message -> PROTOCOL_ERROR")
def _(n):
    body = resolution_body(H)
    # The 4 credential bytes follow the body: +5 is past the message.
    for extra in (5, 1000, 0x7FFFFFFF, 0xFFFFFFFF - len(body)):
        msg = header(OC_RESOLUTION, len(body) + extra) + body + u32(0)
        udp_garbage(n, envelope(len(msg), 778) + msg,
                    "BodyLength +%d" % extra, reqid=778)
    msg = header(OC_RESOLUTION, len(body) + 1) + body  # no credential
    udp_garbage(n, envelope(len(msg), 779) + msg,
                "BodyLength +1, no credential", reqid=779)


@g.test("udp: malformed resolution bodies -> PROTOCOL_ERROR")
def _(n):
    bodies = [b"", b"\0\0\0", u32(50) + b"88.1/x",
              u32(6) + b"88.1/x" + u32(1000) + u32(0),
              u32(6) + b"88.1/x" + u32(0) + u32(2) + u32(3) + b"URL"]
    for i, body in enumerate(bodies):
        msg = header(OC_RESOLUTION, len(body)) + body + u32(0)
        udp_garbage(n, envelope(len(msg), 900 + i) + msg,
                    "body %r" % body[:16], reqid=900 + i)


@g.test("udp: 1400-byte request answered; 60 KB datagram -> "
        "PROTOCOL_ERROR")
def _(n):
    r = n.udp_resp(padded_request(H, 810, 1400 - 20))
    eq((r.reqid, r.rcode, r.indexes()), (810, 1, [1]), "1400-byte datagram")
    udp_garbage(n, padded_request(H, 811, 60000), "60 KB datagram",
                reqid=811)


@g.test("tcp: garbage inside valid framing, then a valid request on the "
        "same connection")
def _(n):
    rng = random.Random(7)
    junk = bytes(rng.getrandbits(8) for _ in range(40))
    bad1 = envelope(len(junk), 501) + junk
    v5 = bytearray(resolution(H, reqid=502))
    v5[0] = 5
    short = envelope(10, 503) + b"\x00" * 10
    s = n.tcp_connect()
    try:
        s.sendall(bad1 + bytes(v5) + short + resolution(H, reqid=504,
                                                        indexes=[1]))
        for rid, want in ((501, 4), (502, 4), (503, 4), (504, 1)):
            r = Resp(tcp_read_message(s))
            eq((r.reqid, r.rcode), (rid, want), "answer (RequestId, rcode)")
        r = n.tcp_resp(resolution(H, reqid=505), sock=s)
        expect_rc(r, "SUCCESS")
    finally:
        s.close()
    still_serving(n)


@g.test("tcp: MessageLength of 100 MB -> PROTOCOL_ERROR, then closed; "
        "others still served")
def _(n):
    other = n.tcp_connect()
    s = n.tcp_connect()
    try:
        s.sendall(envelope(100 << 20, 606) + b"\0" * 100)
        r = Resp(tcp_read_message(s))
        eq((r.reqid, r.rcode), (606, 4), "answer (RequestId, rcode)")
        closed, extra = wait_closed(s, scaled(3))
        check(closed, "connection not closed after the PROTOCOL_ERROR "
              "(extra bytes %r)" % extra[:40])
        r = n.tcp_resp(resolution(H, reqid=607), sock=other)
        expect_rc(r, "SUCCESS")
    finally:
        s.close()
        other.close()
    still_serving(n)


@g.test("tcp: random bytes without framing -> PROTOCOL_ERROR, then closed")
def _(n):
    rng = random.Random(99)
    junk = bytearray(rng.getrandbits(8) for _ in range(64))
    junk[16:20] = b"\xf0\x00\x00\x00"  # whatever else, an absurd length
    s = n.tcp_connect()
    try:
        s.sendall(bytes(junk))
        r = Resp(tcp_read_message(s))
        eq(r.rcode, 4, "rcode")
        eq(r.reqid, struct.unpack(">I", junk[8:12])[0], "RequestId")
        closed, _ = wait_closed(s, scaled(3))
        check(closed, "connection not closed")
    finally:
        s.close()
    still_serving(n)
