"""Handle-protocol authentication and administration (resolver/hauth,
registry/hadmin, registry/pfxadmin): a prefix's admin key put over HTTP,
challenge-response with RSA and EC keys in the binary and PEM forms,
the IDIS channel login (2001), the admin opcodes 100-105 going through
the registry's own rules, and restricted values shown to an identity.
The client side of the protocol is built here with `cryptography`."""
import hashlib
import hmac
import json
import os
import struct
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from harness import (Cur, Group, bstr, check, envelope, eq, header,
                     new_reqid, parse_value, resolution_body,
                     tcp_read_message, u16, u32, u8)
import snms

g = Group("hauth")
gx = Group("hauth expiry", config={"auth_timeout_s": 1})

TPL = "/snms/api/v5/template"
VERSION = "equip-v1"
OC = {"resolve": 1, "create": 100, "delete": 101, "add": 102, "remove": 103,
      "modify": 104, "list": 105, "answer": 200, "verify": 201,
      "login": 2001}
OPF_PO = 0x01000000
OPF_RD = 0x00800000
OPF_OW = 0x00400000
OPF_CN = 0x04000000
ADMIN_FLAGS = 0x10000000  # REC, no PO
_count = [0]


# ------------------------------------------------------------ keys

def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def twos(v):
    """Java BigInteger.toByteArray() of a positive number."""
    return v.to_bytes(v.bit_length() // 8 + 1, "big")


def rsa_binary(key):
    nums = key.public_key().public_numbers()
    return bstr("RSA_PUB_KEY") + u16(0) + bstr(twos(nums.e)) + \
        bstr(twos(nums.n))


def sign(key, data):
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


# ---------------------------------------------------------- messages

def value(index, typ, data, perms=0x0E):
    if isinstance(data, str):
        data = data.encode()
    return (u32(index) + u32(0) + u8(0) + u32(86400) + u8(perms) +
            bstr(typ) + bstr(data) + u32(0))


def admin_data(perms, handle, index):
    return u16(perms) + bstr(handle) + u32(index)


def values_body(handle, vals):
    return bstr(handle) + u32(len(vals)) + b"".join(vals)


def req(opcode, body, session=0, opflags=ADMIN_FLAGS, reqid=None):
    """(bytes, header+body as sent) of one request."""
    hb = header(opcode, len(body), opflags=opflags) + body
    msg = hb + u32(0)
    return envelope(len(msg), reqid or new_reqid(), session=session) + msg, hb


class Msg:
    def __init__(self, raw):
        self.session = struct.unpack(">I", raw[4:8])[0]
        self.reqid = struct.unpack(">I", raw[8:12])[0]
        (self.opcode, self.rc, self.opflags) = struct.unpack(">III",
                                                             raw[20:32])
        blen = struct.unpack(">I", raw[40:44])[0]
        c = Cur(raw[44:44 + blen])
        self.digest = None
        if self.opflags & OPF_RD:
            alg = c.u8()
            self.digest = c.take({2: 20, 3: 32}[alg])
        self.c = c
        self.message = None
        if self.rc >= 2 and self.rc != 402:
            self.message = c.bytes().decode()

    def values(self):
        self.c.bytes()
        return {v["index"]: v for v in
                [parse_value(self.c) for _ in range(self.c.u32())]}

    def __repr__(self):
        return "rc=%d opcode=%d msg=%r" % (self.rc, self.opcode, self.message)


def xchg(s, data):
    s.sendall(data)
    return Msg(tcp_read_message(s))


def expect(m, rc, what, message=None):
    check(m.rc == rc, "%s: expected rc %d, got %r" % (what, rc, m))
    if message:
        check(message in (m.message or ""), "%s: message %r lacks %r"
              % (what, m.message, message))


def answer_body(ident, index, key, nonce, digest, hash_name="SHA256"):
    sig = sign(key, nonce + digest)
    return (bstr("HS_PUBKEY") + bstr(ident) + u32(index) +
            bstr(bstr(hash_name) + bstr(sig)))


def seckey_answer(secret, nonce, digest):
    """HS_SECKEY code 0x22: HMAC-SHA1 keyed by PBKDF2-HMAC-SHA1."""
    salt = os.urandom(16)
    k = hashlib.pbkdf2_hmac("sha1", secret, salt, 10000, 20)
    mac = hmac.new(k, nonce + digest, hashlib.sha1).digest()
    return u8(0x22) + bstr(salt) + u32(10000) + u32(160) + bstr(mac)


def challenged(s, opcode, body, opflags=ADMIN_FLAGS, session=0):
    """Sends a request that must be challenged; returns (402, nonce)."""
    data, hb = req(opcode, body, opflags=opflags, session=session)
    ch = xchg(s, data)
    expect(ch, 402, "challenge of opcode %d" % opcode)
    eq(ch.opcode, opcode, "402 carries the request's opcode")
    check(ch.opflags & OPF_RD, "402 has RD set")
    eq(ch.digest, hashlib.sha256(hb).digest(), "digest of the request")
    check(ch.session != 0, "402 names a session")
    nonce = ch.c.bytes()
    eq(len(nonce), 16, "nonce length")
    return ch, nonce


def authed(s, opcode, body, ident, index, key, opflags=ADMIN_FLAGS):
    """One request through challenge-response; the final answer."""
    ch, nonce = challenged(s, opcode, body, opflags)
    rid = new_reqid()
    data, _ = req(OC["answer"], answer_body(ident, index, key, nonce,
                                            ch.digest),
                  session=ch.session, reqid=rid)
    m = xchg(s, data)
    eq(m.reqid, rid, "answer carries the RequestId of the 200 message")
    if m.rc != 402:
        eq(m.opcode, opcode, "answer carries the original opcode")
    return m


# ------------------------------------------------------------ setup

def template(prefix):
    return {"prefix": prefix, "version": VERSION, "items": [
        {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
         "required": True,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}},
        {"name": "型号", "idType": "model", "idIndex": 2001,
         "metadata": {"type": "string", "minLength": 0, "maxLength": 255}},
    ]}


class Ent:
    """An enterprise with a hosted prefix, a template and an admin key
    on 0.NA/<prefix>."""

    def __init__(self, n, key=None, perms=None):
        _count[0] += 1
        i = _count[0]
        self.prefix = "88.%d.%d" % (500 + i, i)
        self.uscc = snms.uscc(700 + i)
        snms.prefix_record(n, self.prefix, self.uscc)
        self.token = snms.account(n, "hauth-%d" % i, "enterprise", self.uscc)
        snms.ok(n, "POST", TPL, template(self.prefix), self.token)
        self.key = key or ec_key()
        body = {"publicKey": pem(self.key)}
        if perms:
            body["permissions"] = perms
        d = snms.ok(n, "PUT", "/api/prefix-admin/" + self.prefix, body,
                    self.token)
        self.admin = "0.NA/" + self.prefix
        eq(d, {"handle": self.admin, "adminIndex": 100, "keyIndex": 300},
           "prefix-admin answer")


def item_values(serial, model=None):
    vals = [value(1001, "TEMPLATE", VERSION), value(2000, "serialNo", serial)]
    if model is not None:
        vals.append(value(2001, "model", model))
    return vals


def stored(n, h):
    return snms.hgetall(n, "h:{%s}" % h)


def http_values(n, h):
    st, j, _, _ = n.http_json("/api/handles/" + h)
    if st != 200:
        return None
    return {v["index"]: v for v in j["values"]}


def audit_has(n, action, target, who):
    out = n.redis_cli("XREVRANGE", "audit", "+", "-", "COUNT", "200").stdout
    lines = out.split("\n")
    for k, line in enumerate(lines):
        if line == "act" and lines[k + 1] == action:
            block = lines[max(0, k - 20):k + 20]
            if target in block and who in block:
                return True
    return False


# ------------------------------------------------------------- tests

@g.test("the prefix admin key goes on 0.NA/<prefix>, resolvable over UDP; "
        "only the owner may put it, and only a real public key")
def _(n):
    e = Ent(n)
    r = n.resolve(e.admin)
    eq(r.rc_name, "SUCCESS", "0.NA/<prefix> resolves")
    v = r.by_index()
    eq(v[100]["type"], "HS_ADMIN", "index 100")
    eq(v[300]["type"], "HS_PUBKEY", "index 300")
    eq(v[300]["data"], pem(e.key).encode(), "the PEM key")
    other = Ent(n)
    snms.fails(n, "PUT", "/api/prefix-admin/" + e.prefix,
               {"publicKey": pem(ec_key())}, other.token, 403, -3)
    snms.fails(n, "PUT", "/api/prefix-admin/" + e.prefix,
               {"publicKey": "-----BEGIN PUBLIC KEY-----\nAAAA\n"
                "-----END PUBLIC KEY-----\n"}, e.token, 400, -2,
               message="publicKey")
    snms.fails(n, "PUT", "/api/prefix-admin/" + e.prefix,
               {"publicKey": pem(e.key), "permissions": "12"}, e.token,
               400, -2)
    eq(n.resolve(e.admin).by_index()[300]["data"], pem(e.key).encode(),
       "unchanged by refused calls")


@g.test("EC PEM admin key: create, add, modify, remove and delete over "
        "TCP, each seen over UDP and HTTP and in the audit log")
def _(n):
    e = Ent(n)
    h = e.prefix + "/PUMP-1"
    s = n.tcp_connect()
    m = authed(s, OC["create"], values_body(h, item_values("S1", "M1")),
               e.admin, 300, e.key)
    expect(m, 1, "create")
    eq(m.c.bytes().decode(), h, "create answers the handle")
    v = n.resolve(h).by_index()
    eq(v[2000]["data"], b"S1", "udp sees serialNo")
    eq(v[1001]["data"], VERSION.encode(), "server wrote 1001")
    check(1002 in stored(n, h) or b"1002" in stored(n, h), "1002 OWNER")
    eq(http_values(n, h)[2001]["data"]["value"], "M1", "http sees model")
    check(audit_has(n, "ident.create", h, "300:" + e.admin),
          "audit names the identity")
    # Modify 2001, add nothing new yet.
    m = authed(s, OC["modify"], values_body(h, [value(2001, "model", "M2")]),
               e.admin, 300, e.key)
    expect(m, 1, "modify")
    eq(n.resolve(h).by_index()[2001]["data"], b"M2", "modified")
    check(audit_has(n, "ident.update", h, "300:" + e.admin), "audited")
    # Remove 2001 then add it back.
    m = authed(s, OC["remove"], bstr(h) + u32(1) + u32(2001), e.admin, 300,
               e.key)
    expect(m, 1, "remove")
    check(2001 not in n.resolve(h).by_index(), "removed over udp")
    check(2001 not in http_values(n, h), "removed over http")
    m = authed(s, OC["add"], values_body(h, [value(2001, "model", "M3")]),
               e.admin, 300, e.key)
    expect(m, 1, "add")
    eq(n.resolve(h).by_index()[2001]["data"], b"M3", "added")
    m = authed(s, OC["add"], values_body(h, [value(2001, "model", "M4")]),
               e.admin, 300, e.key)
    expect(m, 201, "add over an existing index")
    # Delete.
    m = authed(s, OC["delete"], bstr(h), e.admin, 300, e.key)
    expect(m, 1, "delete")
    eq(n.resolve(h).rc_name, "HANDLE_NOT_FOUND", "deleted over udp")
    eq(http_values(n, h), None, "deleted over http")
    check(audit_has(n, "ident.delete", h, "300:" + e.admin), "audited")
    s.close()


@g.test("RSA keys in the binary and the PEM form; an identity handle "
        "created over Handle; index 0 tries every key")
def _(n):
    rk = rsa_key()
    e = Ent(n, key=rk)
    s = n.tcp_connect()
    # The PEM RSA key on 0.NA/<prefix> creates an identity handle holding
    # a binary RSA key at 300 and an HS_ADMIN naming it on the prefix.
    ident = e.prefix + "/admin"
    ik = rsa_key()
    vals = item_values("ADMIN") + [value(300, "HS_PUBKEY", rsa_binary(ik))]
    expect(authed(s, OC["create"], values_body(ident, vals), e.admin, 300,
                  rk), 1, "create identity handle")
    # Let it administer PUMP-2 via the handle's own HS_ADMIN.
    h = e.prefix + "/PUMP-2"
    vals = item_values("S2") + [value(100, "HS_ADMIN",
                                      admin_data(0x0FFF, ident, 300))]
    expect(authed(s, OC["create"], values_body(h, vals), e.admin, 300, rk),
           1, "create with HS_ADMIN")
    m = authed(s, OC["modify"], values_body(h, [value(2000, "serialNo",
                                                      "S2b")]),
               ident, 300, ik)
    expect(m, 1, "binary RSA identity modifies")
    m = authed(s, OC["add"], values_body(h, [value(2001, "model", "X")]),
               ident, 0, ik)
    expect(m, 1, "index 0 finds the key")
    v = n.resolve(h).by_index()
    eq((v[2000]["data"], v[2001]["data"]), (b"S2b", b"X"), "both changes")
    s.close()


@g.test("wrong key, replayed answer, wrong admin and a missing permission "
        "bit fail with their codes and change nothing")
def _(n):
    e = Ent(n)
    h = e.prefix + "/PUMP-3"
    s = n.tcp_connect()
    expect(authed(s, OC["create"], values_body(h, item_values("S3")),
                  e.admin, 300, e.key), 1, "create")
    before = stored(n, h)
    mod = values_body(h, [value(2000, "serialNo", "EVIL")])
    # Wrong key: 403 AUTHENTICATION_FAILED.
    expect(authed(s, OC["modify"], mod, e.admin, 300, ec_key()), 403,
           "wrong key")
    # No key at that index: 404 INVALID_CREDENTIAL.
    expect(authed(s, OC["modify"], mod, e.admin, 301, e.key), 404,
           "no key at index")
    # Replay: the same answer twice; the second finds no challenge.
    ch, nonce = challenged(s, OC["modify"], mod)
    ans, _ = req(OC["answer"], answer_body(e.admin, 300, ec_key(), nonce,
                                           ch.digest), session=ch.session)
    expect(xchg(s, ans), 403, "first (wrong) answer")
    good, _ = req(OC["answer"], answer_body(e.admin, 300, e.key, nonce,
                                            ch.digest), session=ch.session)
    expect(xchg(s, good), 405, "replayed after use", "no pending challenge")
    # A valid key of another enterprise's prefix admin: 400 INVALID_ADMIN.
    other = Ent(n)
    expect(authed(s, OC["modify"], mod, other.admin, 300, other.key), 400,
           "wrong admin")
    # An admin without MODIFY_VALUE (0x0010): 401.
    weak = Ent(n, perms="111111101111")
    hw = weak.prefix + "/PUMP-4"
    expect(authed(s, OC["create"], values_body(hw, item_values("S4")),
                  weak.admin, 300, weak.key), 1, "create without 0x10")
    expect(authed(s, OC["modify"], values_body(hw, [value(2000, "serialNo",
                                                          "EVIL")]),
                  weak.admin, 300, weak.key), 401, "missing bit")
    eq(stored(n, h), before, "record unchanged")
    eq(n.resolve(hw).by_index()[2000]["data"], b"S4", "unchanged")
    # An answer with no challenge at all.
    ans, _ = req(OC["answer"], answer_body(e.admin, 300, e.key, b"x" * 16,
                                           b"y" * 32), session=12345)
    expect(xchg(s, ans), 405, "unknown session")
    s.close()


@g.test("an HS_SECKEY identity in an HS_VLIST group administers a "
        "handle; VERIFY_RESPONSE checks its answers")
def _(n):
    e = Ent(n)
    s = n.tcp_connect()
    secret = b"correct horse battery staple"
    ident, group = e.prefix + "/ops", e.prefix + "/admins"
    vals = item_values("OPS") + [value(301, "HS_SECKEY", secret, perms=0x0C)]
    expect(authed(s, OC["create"], values_body(ident, vals), e.admin, 300,
                  e.key), 1, "identity with a secret key")
    eq(sorted(n.resolve(ident).by_index()), [1001, 2000],
       "the secret is not public")
    vlist = u32(1) + bstr(ident) + u32(301)
    expect(authed(s, OC["create"], values_body(group, item_values("G") + [
        value(200, "HS_VLIST", vlist)]), e.admin, 300, e.key), 1, "group")
    h = e.prefix + "/PUMP-V"
    expect(authed(s, OC["create"], values_body(h, item_values("V") + [
        value(100, "HS_ADMIN", admin_data(0x0010, group, 200))]),
        e.admin, 300, e.key), 1, "handle administered by the group")
    mod = values_body(h, [value(2000, "serialNo", "V2")])
    ch, nonce = challenged(s, OC["modify"], mod)
    body = (bstr("HS_SECKEY") + bstr(ident) + u32(301) +
            bstr(seckey_answer(secret, nonce, ch.digest)))
    data, _ = req(OC["answer"], body, session=ch.session)
    expect(xchg(s, data), 1, "modify through the group")
    eq(n.resolve(h).by_index()[2000]["data"], b"V2", "modified")
    ch, nonce = challenged(s, OC["modify"], mod)
    body = (bstr("HS_SECKEY") + bstr(ident) + u32(301) +
            bstr(seckey_answer(b"wrong", nonce, ch.digest)))
    data, _ = req(OC["answer"], body, session=ch.session)
    expect(xchg(s, data), 403, "wrong secret")
    # Another server asks whether an answer of this identity is right.
    nonce, digest = os.urandom(16), os.urandom(32)
    for sec, want in ((secret, 1), (b"wrong", 0)):
        data, _ = req(OC["verify"], bstr(ident) + u32(301) + bstr(nonce) +
                      bstr(digest) + bstr(seckey_answer(sec, nonce, digest)))
        m = xchg(s, data)
        expect(m, 1, "verify")
        eq(m.c.u8(), want, "verify bit")
    s.close()


@g.test("admin and answers over UDP are refused with 5; TCP only")
def _(n):
    e = Ent(n)
    data, _ = req(OC["create"], values_body(e.prefix + "/U",
                                            item_values("U")))
    r = n.udp_resp(data)
    eq(r.rcode, 5, "create over UDP")
    data, _ = req(OC["answer"], answer_body(e.admin, 300, e.key, b"x" * 16,
                                            b"y" * 32))
    eq(n.udp_resp(data).rcode, 5, "answer over UDP")


@g.test("IDIS login (2001) on one connection, then several admin ops "
        "without challenges; other sessions get 408")
def _(n):
    e = Ent(n)
    s = n.tcp_connect()
    sid = 10001
    data, hb = req(OC["login"], bstr(e.admin) + u32(300), session=sid,
                   opflags=OPF_RD)
    ch = xchg(s, data)
    expect(ch, 402, "login challenged")
    eq(ch.session, sid, "the client's session id is kept")
    nonce = ch.c.bytes()
    data, _ = req(OC["answer"], answer_body(e.admin, 300, e.key, nonce,
                                            ch.digest), session=sid)
    m = xchg(s, data)
    expect(m, 1, "logged in")
    eq(m.opcode, OC["login"], "answer to 2001")
    hs = [e.prefix + "/L-%d" % i for i in range(3)]
    for h in hs:
        data, _ = req(OC["create"], values_body(h, item_values(h[-3:])),
                      session=sid)
        expect(xchg(s, data), 1, "create %s in the session" % h)
    data, _ = req(OC["delete"], bstr(hs[0]), session=sid)
    expect(xchg(s, data), 1, "delete in the session")
    eq([n.resolve(h).rc_name for h in hs],
       ["HANDLE_NOT_FOUND", "SUCCESS", "SUCCESS"], "visible over udp")
    data, _ = req(OC["delete"], bstr(hs[1]), session=sid + 1)
    expect(xchg(s, data), 408, "another session id")
    s.close()
    # The login belongs to its connection.
    s = n.tcp_connect()
    data, _ = req(OC["delete"], bstr(hs[1]), session=sid)
    expect(xchg(s, data), 408, "new connection")
    s.close()
    eq(n.resolve(hs[1]).rc_name, "SUCCESS", "still there")


@g.test("LIST_HANDLES answers every handle of the prefix in batches of 50")
def _(n):
    e = Ent(n)
    s = n.tcp_connect()
    sid = 777
    data, _ = req(OC["login"], bstr(e.admin) + u32(300), session=sid)
    ch = xchg(s, data)
    nonce = ch.c.bytes()
    data, _ = req(OC["answer"], answer_body(e.admin, 300, e.key, nonce,
                                            ch.digest), session=sid)
    expect(xchg(s, data), 1, "login")
    want = set()
    cmds = []
    for i in range(120):
        h = "%s/B-%d" % (e.prefix, i)
        want.add(h)
        cmds.append(["HSET", "h:{%s}" % h, "2000",
                     value(2000, "serialNo", "x")])
    snms.redis_many(n, cmds)
    data, _ = req(OC["list"], bstr(e.admin), session=sid)
    s.sendall(data)
    got, msgs = set(), 0
    while True:
        m = Msg(tcp_read_message(s))
        expect(m, 1, "list batch")
        k = m.c.u32()
        check(k <= 50, "batch of %d" % k)
        got |= {m.c.bytes().decode() for _ in range(k)}
        msgs += 1
        if not m.opflags & OPF_CN:
            break
    eq(got, want, "every handle")
    eq(msgs, 3, "messages")
    s.close()


@g.test("a CREATE over Handle meets the template exactly as over HTTP")
def _(n):
    e = Ent(n)
    s = n.tcp_connect()
    h = e.prefix + "/T-1"
    bad = values_body(h, [value(1001, "TEMPLATE", VERSION),
                          value(2001, "model", "M")])
    m = authed(s, OC["create"], bad, e.admin, 300, e.key)
    expect(m, 202, "missing required serialNo")
    st, j, _ = snms.call(n, "POST", "/identityv2/data",
                      {"handle": h, "templateVersion": VERSION,
                       "value": [{"index": 2001, "type": "model",
                                  "data": {"format": "string",
                                           "value": "M"}}]}, e.token)
    eq(j["message"], m.message, "same reason as over HTTP")
    m = authed(s, OC["create"], values_body(h, item_values("S") +
                                            [value(2005, "other", "x")]),
               e.admin, 300, e.key)
    expect(m, 202, "value outside the template")
    m = authed(s, OC["create"], values_body(h, item_values("S") +
                                            [value(1002, "OWNER", "me")]),
               e.admin, 300, e.key)
    expect(m, 202, "reserved index 1002")
    m = authed(s, OC["create"], values_body(h, [value(2000, "serialNo",
                                                      "S")]),
               e.admin, 300, e.key)
    expect(m, 202, "no template version", "1001")
    m = authed(s, OC["create"], values_body(h, item_values("S") + [
        value(301, "HS_SECKEY", "secret", perms=0x0E)]), e.admin, 300, e.key)
    expect(m, 202, "public HS_SECKEY", "HS_SECKEY")
    eq(n.resolve(h).rc_name, "HANDLE_NOT_FOUND", "nothing created")


@g.test("restricted values: anonymous PO gets public ones over UDP and "
        "TCP; no PO is challenged; the owner's identity gets all, a read "
        "grantee's identity the restricted ones until revoked")
def _(n):
    e = Ent(n)
    h = e.prefix + "/R-1"
    s = n.tcp_connect()
    vals = item_values("S") + [value(2001, "model", "SECRET", perms=0x0C)]
    expect(authed(s, OC["create"], values_body(h, vals), e.admin, 300,
                  e.key), 1, "create with a restricted value")
    eq(n.resolve(h).indexes(), [1001, 2000], "udp, PO")
    eq(n.resolve(h, transport="tcp").indexes(), [1001, 2000], "tcp, PO")
    data, _ = req(OC["resolve"], resolution_body(h), opflags=ADMIN_FLAGS)
    eq(n.udp_resp(data).indexes(), [1001, 2000], "udp without PO: public")
    m = authed(s, OC["resolve"], resolution_body(h), e.admin, 300, e.key)
    expect(m, 1, "resolution as the owner")
    eq(sorted(m.values()), [1001, 1002, 1003, 2000, 2001],
       "owner sees all, with who registered it")
    other = Ent(n)
    m = authed(s, OC["resolve"], resolution_body(h), other.admin, 300,
               other.key)
    expect(m, 1, "resolution as another enterprise")
    eq(sorted(m.values()), [1001, 2000], "others see public only")
    # A read grant to that enterprise: its identity now reads over TCP
    # what its token reads over HTTP (one rule, docs/trace.md).
    r = n.redis_cli("HSET", "ent:{%s}" % other.uscc, "state", "approved")
    eq(r.returncode, 0, "approved enterprise record (%r)" % r.stderr)
    snms.ok(n, "POST", "/api/grants/" + h,
            {"grantee": other.uscc, "scopes": ["read"]}, e.token)
    m = authed(s, OC["resolve"], resolution_body(h), other.admin, 300,
               other.key)
    expect(m, 1, "resolution as a read grantee")
    eq(sorted(m.values()), [1001, 1002, 1003, 2000, 2001],
       "a read grantee sees the restricted values")
    st, _, body = n.http("GET", "/api/handles/" + h,
                         headers={"Authorization": "Bearer " + other.token})
    eq((st, sorted(v["index"] for v in json.loads(body)["values"])),
       (200, [1001, 1002, 1003, 2000, 2001]), "the same over HTTP")
    snms.ok(n, "DELETE", "/api/grants/" + h + "?grantee=" + other.uscc,
            token=e.token)
    m = authed(s, OC["resolve"], resolution_body(h), other.admin, 300,
               other.key)
    expect(m, 1, "resolution after the grant is revoked")
    eq(sorted(m.values()), [1001, 2000], "revoked: public only again")
    s.close()


@g.test("a prefix at its quota: CREATE over Handle gets the IDIS "
        "REGISTER_COUNT_LIMIT (604) and stores nothing")
def _(n):
    e = Ent(n)
    s = n.tcp_connect()
    op = snms.account(n, "hauth-quota-op", "operator")
    snms.ok(n, "PUT", "/snms/api/prefix/quota", {"prefix": e.prefix,
                                                 "max": 1}, op)
    h1, h2 = e.prefix + "/Q-1", e.prefix + "/Q-2"
    expect(authed(s, OC["create"], values_body(h1, item_values("S1")),
                  e.admin, 300, e.key), 1, "first create, within the quota")
    expect(authed(s, OC["create"], values_body(h2, item_values("S2")),
                  e.admin, 300, e.key), 604, "second create, over the quota",
           "quota")
    eq(n.resolve(h2).rc_name, "HANDLE_NOT_FOUND", "nothing stored")
    s.close()


@g.test("idctl admin signs the challenge with a key file: create, modify, "
        "list, delete; a key others can read is refused")
def _(n):
    e = Ent(n)
    path = os.path.join(n.dir, "admin.key")
    with open(path, "wb") as f:
        f.write(e.key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    os.chmod(path, 0o600)
    h = e.prefix + "/CTL-1"
    ident = ["--key", path, "--id", "300:" + e.admin]

    def ctl(*args):
        return n.idctl("admin", args[0], *ident, *args[1:])
    r = ctl("create", "--template", VERSION, h, "2000:serialNo=S1",
            "2001:model=M1")
    eq((r.returncode, r.stdout.strip()), (0, h), "create (%s)" % r.stderr)
    eq(n.resolve(h).by_index()[2001]["data"], b"M1", "created")
    r = ctl("modify", h, "2001:model=M2")
    eq(r.returncode, 0, "modify (%s)" % r.stderr)
    eq(n.resolve(h).by_index()[2001]["data"], b"M2", "modified")
    r = ctl("remove", h, "2001")
    eq(r.returncode, 0, "remove (%s)" % r.stderr)
    r = ctl("list", e.prefix)
    eq((r.returncode, r.stdout.split()), (0, [h]), "list (%s)" % r.stderr)
    r = ctl("modify", h, "2009:nothing=x")
    eq(r.returncode, 1, "refused modify")
    check("VALUES_NOT_FOUND (200)" in r.stderr, "reason: %r" % r.stderr)
    r = ctl("delete", h)
    eq(r.returncode, 0, "delete (%s)" % r.stderr)
    eq(n.resolve(h).rc_name, "HANDLE_NOT_FOUND", "deleted")
    os.chmod(path, 0o644)
    r = ctl("list", e.prefix)
    eq(r.returncode, 1, "world-readable key")
    check("0600" in r.stderr, "reason: %r" % r.stderr)


@gx.test("an answer after auth_timeout_s finds its challenge expired: 405")
def _(n):
    e = Ent(n)
    h = e.prefix + "/X-1"
    s = n.tcp_connect()
    ch, nonce = challenged(s, OC["create"], values_body(h,
                                                       item_values("S")))
    time.sleep(1.5)
    data, _ = req(OC["answer"], answer_body(e.admin, 300, e.key, nonce,
                                            ch.digest), session=ch.session)
    expect(xchg(s, data), 405, "expired")
    eq(n.resolve(h).rc_name, "HANDLE_NOT_FOUND", "not created")
    s.close()
