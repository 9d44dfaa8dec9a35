"""Answers larger than one UDP datagram."""
import data
from harness import (ENV_TC, Group, Resp, check, compare_wire_values, eq,
                     expect_rc, parse_env, resolution)

g = Group("big", records=[data.BIG, data.ALL])
H = data.BIG["handle"]


def mask_expiration(msg):
    m = bytearray(msg)
    m[20 + 16:20 + 20] = b"\0\0\0\0"
    return bytes(m)


@g.test("udp: large answer arrives as TC fragments, seq 0..n-1, each <= 512 "
        "bytes, MessageLength = total; reassembled equals the TCP answer")
def _(n):
    req = resolution(H, reqid=31337)
    msg, dgrams = n.udp(req, want_fragments=True)
    check(msg is not None, "incomplete UDP answer: %d datagrams received"
          % len(dgrams))
    total = len(msg) - 20
    check(total > 492, "answer only %d bytes: not fragmented" % total)
    nfrag = (total + 491) // 492
    eq(len(dgrams), nfrag, "number of datagrams")
    seqs = []
    for d in dgrams:
        e = parse_env(d)
        check(len(d) <= 512, "datagram of %d bytes > 512" % len(d))
        check(e["flags"] & ENV_TC, "fragment without TC flag")
        eq(e["reqid"], 31337, "fragment RequestId")
        eq(e["msglen"], total, "fragment MessageLength (the total)")
        eq(d[:4], dgrams[0][:4], "fragment version bytes")
        seqs.append(e["seq"])
        if e["seq"] < nfrag - 1:
            eq(len(d), 512, "non-final fragment size")
    eq(sorted(seqs), list(range(nfrag)), "SequenceNumbers")
    u = Resp(msg)
    expect_rc(u, "SUCCESS")
    compare_wire_values(u.values, data.BIG, "udp reassembled")
    t = n.tcp_resp(req)
    expect_rc(t, "SUCCESS")
    eq(len(t.raw), len(msg), "TCP answer length vs UDP total")
    eq(mask_expiration(msg).hex(), mask_expiration(t.raw).hex(),
       "reassembled UDP answer vs TCP answer (expiration masked)")


@g.test("udp: small answers are one datagram without TC")
def _(n):
    raw, dgrams = n.udp(resolution(data.ALL["handle"], indexes=[1]),
                        want_fragments=True)
    check(raw is not None, "no answer")
    eq(len(dgrams), 1, "datagrams")
    e = parse_env(raw)
    eq((e["flags"] & ENV_TC, e["seq"]), (0, 0), "TC flag, SequenceNumber")


@g.test("idctl resolve (UDP) prints every value of a fragmented answer")
def _(n):
    p = n.idctl("resolve", H)
    eq(p.returncode, 0, "idctl exit status (stderr %r)" % p.stderr)
    lines = [ln for ln in p.stdout.splitlines() if ln.strip()]
    eq(len(lines), 60, "printed lines")
    got = sorted(int(ln.split()[0]) for ln in lines)
    eq(got, [v["index"] for v in data.BIG["values"]], "printed indexes")
    for v in data.BIG["values"]:
        check(v["data"] in p.stdout, "value %d data not printed" % v["index"])
