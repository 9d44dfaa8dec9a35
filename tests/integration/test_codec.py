"""The harness's own Handle codec against protocol.md §9 vectors."""
from harness import (Cur, Group, Resp, bstr, envelope, eq, header, message,
                     parse_site, request, resolution, u8, u32)

g = Group("codec", node=False)

EXP = 0x65000000
T1 = bytes.fromhex(
    "020a020b" "00000000" "00001234" "00000000" "00000033"
    "00000001" "00000000" "19000000" "ffff" "00" "00" "65000000" "00000017"
    "0000000b" "32302e313030302f313030" "00000000" "00000000" "00000000")
T3 = bytes.fromhex(
    "000000016000000000000151800e0000000355524c000000146874747073"
    "3a2f2f6578616d706c652e6f72672f00000000")
T4_ENV = bytes.fromhex("020b020b00000000000012340000000000000060")
T4_MSG = bytes.fromhex(
    "00000001" "00000001" "19000000" "ffff0000" "65000000" "00000044"
    "0000000b"
    "32302e313030302f313030" "00000001") + T3 + bytes(4)
T5 = bytes.fromhex(
    "000000010000006419000000ffff0000650000000000000d000000096e6f7420666f75"
    "6e6400000000")
T8 = bytes.fromhex(
    "0001020a000180020000000000000001000000046465736300000004746573740000"
    "000100000001000000000000000000000000c00002010000000000000003030100"
    "000a51020000000a51030200001f40")
T11 = bytes.fromhex(
    "000000020000000019000000ffff00006500000000000005000000012f00000000")


def encode_value(index, ts, ttl_type, ttl, perms, typ, data, refs=()):
    b = u32(index) + u32(ts) + u8(ttl_type) + u32(ttl) + u8(perms)
    b += bstr(typ) + bstr(data) + u32(len(refs))
    for h, i in refs:
        b += bstr(h) + u32(i)
    return b


@g.test("T1 resolution request encodes byte-exact")
def _(n):
    eq(len(T1), 20 + 0x33, "T1 vector length")
    got = resolution("20.1000/100", reqid=0x1234, expiration=EXP)
    eq(got.hex(), T1.hex(), "T1 bytes")


@g.test("T3 value and T4 success response encode and decode")
def _(n):
    eq(encode_value(1, 0x60000000, 0, 86400, 0x0E, "URL",
                    b"https://example.org/").hex(), T3.hex(), "T3 bytes")
    body = bstr("20.1000/100") + u32(1) + T3
    msg = message(1, body, rcode=1, expiration=EXP)
    eq(msg.hex(), T4_MSG.hex(), "T4 message bytes")
    eq(envelope(len(msg), 0x1234, 2, 11).hex(), T4_ENV.hex(),
       "T4 envelope bytes")
    r = Resp(T4_ENV + T4_MSG)
    eq((r.major, r.minor, r.sugg_major, r.sugg_minor), (2, 11, 2, 11),
       "T4 versions")
    eq((r.reqid, r.opcode, r.rcode, r.opflags, r.serial, r.expiration),
       (0x1234, 1, 1, 0x19000000, 0xFFFF, EXP), "T4 header")
    eq(r.handle, b"20.1000/100", "T4 handle")
    eq(len(r.values), 1, "T4 value count")
    v = r.values[0]
    eq((v["index"], v["timestamp"], v["ttl_type"], v["ttl"], v["perms"],
        v["type"], v["data"], v["refs"]),
       (1, 0x60000000, 0, 86400, 0x0E, "URL", b"https://example.org/", []),
       "T4 value")


@g.test("T5 error response encodes and decodes")
def _(n):
    eq(message(1, bstr("not found"), rcode=100, expiration=EXP).hex(),
       T5.hex(), "T5 bytes")
    r = Resp(envelope(len(T5), 7, 2, 11) + T5)
    eq((r.rcode, r.message, r.body_len), (100, b"not found", 13), "T5 fields")


@g.test("T8 site record and T11 GET_SITEINFO request")
def _(n):
    s = parse_site(Cur(T8))
    eq((s["version"], s["proto"], s["serial"], s["primary_mask"],
        s["hash_option"], s["attributes"]),
       (1, (2, 10), 1, 0x80, 2, [(b"desc", b"test")]), "T8 site fields")
    eq(len(s["servers"]), 1, "T8 servers")
    srv = s["servers"][0]
    eq(srv["address"], bytes(12) + bytes([192, 0, 2, 1]), "T8 address")
    eq(srv["interfaces"], [(3, 1, 2641), (2, 0, 2641), (3, 2, 8000)],
       "T8 interfaces")
    got = request(2, bstr("/"), reqid=1, expiration=EXP)[20:]
    eq(got.hex(), T11.hex(), "T11 bytes")
    eq(header(2, 5, expiration=EXP).hex(), T11[:24].hex(), "T11 header")
