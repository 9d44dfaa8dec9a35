"""Built-in TLS (certs/ca, certs/tls): idctl ca makes the node's PKI, the
HTTPS listener serves the same routes as HTTP, a client certificate from
the node CA authenticates its account (no token), revocation and a
foreign CA are refused, SIGHUP swaps certificates without dropping
connections, and HS_SITE carries the node key."""
import http.client
import json
import os
import re
import signal
import ssl
import stat
import subprocess
import time

import harness
from harness import (OC_GET_SITEINFO, OPF_DEFAULT, Group, bstr, check, eq,
                     expect_rc, free_tcp_port, recv_exact, request,
                     resolution, scaled)
import snms

g = Group("tls")

DATA = "/identityv2/data"
TPL = "/snms/api/v5/template"
WHOAMI = "/identity/whoami"
PREFIX = "88.777.1"


def ctl_ok(n, *args):
    p = n.idctl(*args)
    eq(p.returncode, 0, "idctl %s (stderr %r)" % (" ".join(args), p.stderr))
    return p.stdout


def serial_of(out):
    m = re.search(r"serial ([0-9A-F]+)", out)
    check(m, "no serial in %r" % out)
    return m.group(1)


def tls_config(n, st, auth="optional", cert="srv1"):
    return {"tls_bind": "127.0.0.1", "tls_port": st["port"],
            "tls_cert": os.path.join(st["ca"], cert + ".pem"),
            "tls_key": os.path.join(st["ca"], cert + ".key"),
            "tls_ca": os.path.join(st["ca"], "ca.pem"),
            "tls_crl": os.path.join(st["ca"], "crl.pem"),
            "tls_client_auth": auth,
            "node_key": os.path.join(st["ca"], "node.key")}


def reconfigure(n, **tls):
    """Rewrites the config with these TLS keys and SIGHUPs the node."""
    n.extra_config.update(tls)
    n.write_config()
    mark = n.stderr_text().count("event=reload ")
    n.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + scaled(5)
    while n.stderr_text().count("event=reload ") == mark:
        check(time.monotonic() < deadline, "no reload logged")
        time.sleep(0.05)
    time.sleep(scaled(0.2))  # the workers apply it from their queues


def setup(n):
    """Once per node: a CA in the node's dir, a server certificate, an
    enterprise with an account, a prefix and a template, and the node
    restarted with HTTPS on (client certificates optional)."""
    st = getattr(n, "tls_state", None)
    if st:
        return st
    st = {"ca": os.path.join(n.dir, "ca")}
    ca = st["ca"]
    ctl_ok(n, "ca", "init", "--dir", ca)
    st["srv1"] = serial_of(ctl_ok(n, "ca", "issue", "--dir", ca, "--server",
                                  "srv1", "--dns", "localhost", "--ip",
                                  "127.0.0.1"))
    ctl_ok(n, "ca", "crl", "--dir", ca)
    st["ent"] = snms.uscc(70)
    st["token"] = snms.account(n, "tlsent", "enterprise", st["ent"])
    snms.prefix_record(n, PREFIX, st["ent"])
    snms.ok(n, "POST", TPL, {"prefix": PREFIX, "version": "v1", "items": [
        {"name": "序列号", "idType": "serialNo", "idIndex": 2000,
         "required": True,
         "metadata": {"type": "string", "minLength": 1, "maxLength": 64}}]},
        st["token"])
    st["port"] = free_tcp_port(avoid=(n.handle_port, n.http_port,
                                      n.admin_port))
    n.stop_idnode()
    n.extra_config.update(tls_config(n, st))
    n.write_config()
    n.start_idnode()
    n.tls_state = st
    return st


def curl(n, st, path, cert=None, method="GET", body=None, cafile=None,
         token=None):
    """curl to the HTTPS port: (returncode, HTTP status or 0, body)."""
    args = ["curl", "-sS", "--max-time", str(int(scaled(5))), "--cacert",
            cafile or os.path.join(st["ca"], "ca.pem"), "-o", "-", "-w",
            "\n%{http_code}", "-X", method]
    if cert:
        args += ["--cert", cert + ".pem", "--key", cert + ".key"]
    if token:
        args += ["-H", "Authorization: Bearer " + token]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary",
                 json.dumps(body)]
    p = subprocess.run(args + ["https://127.0.0.1:%d%s" % (st["port"], path)],
                       capture_output=True, text=True, timeout=scaled(15))
    out, _, code = p.stdout.rpartition("\n")
    return p.returncode, int(code or 0), out, p.stderr


def s_client(st, *extra, cafile=None):
    p = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % st["port"],
         "-CAfile", cafile or os.path.join(st["ca"], "ca.pem"), "-brief"]
        + list(extra), capture_output=True, text=True, timeout=scaled(15),
        input="")
    return p.returncode, p.stdout + p.stderr


def item(handle, serial):
    return {"handle": handle, "templateVersion": "v1", "value": [
        {"index": 2000, "type": "serialNo",
         "data": {"format": "string", "value": serial}}]}


@g.test("idctl ca: keys 0600 and certificates 0644 from their creation, "
        "random 128-bit serials, no second init over a CA, bad names refused")
def _(n):
    st = setup(n)
    ca = st["ca"]
    for f in ("ca.key", "node.key", "srv1.key"):
        eq(stat.S_IMODE(os.stat(os.path.join(ca, f)).st_mode), 0o600, f)
    for f in ("ca.pem", "srv1.pem", "crl.pem"):
        eq(stat.S_IMODE(os.stat(os.path.join(ca, f)).st_mode), 0o644, f)
    a = serial_of(ctl_ok(n, "ca", "issue", "--dir", ca, "--client", "k1",
                         "--enterprise", st["ent"]))
    b = serial_of(ctl_ok(n, "ca", "issue", "--dir", ca, "--client", "k2",
                         "--enterprise", st["ent"]))
    check(a != b and len(a) >= 16 and len(b) >= 16,
          "serials %r %r are not random 64+ bit numbers" % (a, b))
    before = open(os.path.join(ca, "ca.key")).read()
    p = n.idctl("ca", "init", "--dir", ca)
    eq(p.returncode, 1, "a second ca init (stderr %r)" % p.stderr)
    eq(open(os.path.join(ca, "ca.key")).read(), before, "ca.key kept")
    for args in (["--client", "a/b", "--enterprise", st["ent"]],
                 ["--client", "x", "--enterprise", "123"],
                 ["--server", "bad name"],
                 ["--server", "h", "--ip", "300.1.1.1"],
                 ["--client", "x", "--platform", "y"]):
        p = n.idctl("ca", "issue", "--dir", ca, *args)
        eq(p.returncode, 1, "ca issue %r (stderr %r)" % (args, p.stderr))
    p = n.idctl("ca", "issue", "--dir", ca, "--client", "k1", "--enterprise",
                st["ent"])
    eq(p.returncode, 1, "issuing over an existing k1.key")


@g.test("curl --cacert resolves over HTTPS; s_client: TLSv1.3 and a "
        "verified chain; TLS 1.2 only with ECDHE+AEAD; TLS 1.1 refused; "
        "plain HTTP on the TLS port fails")
def _(n):
    st = setup(n)
    rc, code, body, err = curl(n, st, "/api/handles/%s/none" % PREFIX)
    eq((rc, code), (0, 404), "curl over HTTPS (stderr %r, body %r)"
       % (err, body))
    eq(json.loads(body)["responseCode"], 100, "HANDLE_NOT_FOUND over HTTPS")
    rc, code, body, err = curl(n, st, "/healthz")
    eq((rc, code), (0, 200), "healthz over HTTPS (%r)" % err)
    rc, out = s_client(st)
    eq(rc, 0, "s_client: %s" % out)
    check("Protocol version: TLSv1.3" in out, "not TLS 1.3: %s" % out)
    check("Verification: OK" in out, "chain not verified: %s" % out)
    rc, out = s_client(st, "-tls1_2")
    eq(rc, 0, "TLS 1.2: %s" % out)
    m = re.search(r"Ciphersuite: (\S+)", out)
    check(m and m.group(1).startswith("ECDHE-") and
          ("GCM" in m.group(1) or "CHACHA20" in m.group(1)),
          "TLS 1.2 suite %r" % (m and m.group(1)))
    rc, out = s_client(st, "-tls1_2", "-cipher", "AES128-SHA256")
    check(rc != 0, "a suite without forward secrecy was accepted: %s" % out)
    rc, out = s_client(st, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    check(rc != 0, "TLS 1.1 accepted: %s" % out)
    check("protocol version" in out or "unsupported protocol" in out,
          "TLS 1.1 refused for another reason: %s" % out)
    stranger = os.path.join(n.dir, "stranger")
    if not os.path.exists(stranger):
        ctl_ok(n, "ca", "init", "--dir", stranger)
    rc, out = s_client(st, cafile=os.path.join(stranger, "ca.pem"))
    check("Verification error" in out and "Verification: OK" not in out,
          "the chain verified with another CA: %s" % out)
    c = http.client.HTTPConnection("127.0.0.1", st["port"],
                                   timeout=scaled(3))
    try:
        c.request("GET", "/healthz")
        r = c.getresponse()
        check(r.status != 200, "plain HTTP answered on the TLS port")
    except (OSError, http.client.HTTPException):
        pass
    finally:
        c.close()


@g.test("mTLS: an enterprise account's certificate writes an identifier "
        "without a token (audited as that account); a platform's "
        "certificate is that platform; certificates naming no such account "
        "or another enterprise are 401; no certificate is anonymous")
def _(n):
    st = setup(n)
    ca = st["ca"]
    ctl_ok(n, "ca", "issue", "--dir", ca, "--client", "tlsent",
           "--enterprise", st["ent"])
    cert = os.path.join(ca, "tlsent")
    rc, code, body, err = curl(n, st, WHOAMI, cert=cert)
    eq((rc, code), (0, 200), "whoami with a certificate (%r %r)"
       % (err, body))
    eq(json.loads(body)["data"], {"username": "tlsent", "role": "enterprise",
                                  "enterprise": st["ent"]}, "whoami")
    h = PREFIX + "/CERT-1"
    rc, code, body, err = curl(n, st, DATA, cert=cert, method="POST",
                               body=item(h, "SN-1"))
    eq((rc, code), (0, 200), "create by certificate (%r %r)" % (err, body))
    r = n.resolve(h)
    expect_rc(r, "SUCCESS")
    audit = n.redis_cli("XREVRANGE", "audit", "+", "-", "COUNT", "5").stdout
    check("ident.create" in audit and "tlsent" in audit,
          "audit entry of the write: %r" % audit)
    rc, code, body, err = curl(n, st, DATA, method="POST",
                               body=item(PREFIX + "/CERT-2", "SN-2"))
    eq((rc, code), (0, 401), "the same write without a certificate")
    # A platform account of the enterprise, by its key id.
    d = snms.ok(n, "POST", "/snms/api/platform", {"name": "MES", "kind":
                                                  "mes"}, st["token"])
    ctl_ok(n, "ca", "issue", "--dir", ca, "--platform", d["keyId"])
    rc, code, body, err = curl(n, st, WHOAMI,
                               cert=os.path.join(ca, d["keyId"]))
    eq((rc, code), (0, 200), "whoami as the platform (%r)" % body)
    eq(json.loads(body)["data"], {"username": d["keyId"], "role": "platform",
                                  "enterprise": st["ent"]}, "platform")
    # Names the CA signed but the registry does not back.
    other = snms.uscc(71)
    for name, args in (("ghost", ["--enterprise", st["ent"]]),
                       ("tlsent2", ["--enterprise", other])):
        if name == "tlsent2":
            snms.account(n, "tlsent2", "enterprise", st["ent"])
        ctl_ok(n, "ca", "issue", "--dir", ca, "--client", name, *args)
        rc, code, body, err = curl(n, st, WHOAMI,
                                   cert=os.path.join(ca, name))
        eq((rc, code), (0, 401), "certificate of %s %r" % (name, args))
    rc, code, body, err = curl(n, st, WHOAMI)
    eq((rc, code), (0, 401), "no certificate")
    # A server certificate is no client certificate (extended key usage).
    rc, code, body, err = curl(n, st, WHOAMI, cert=os.path.join(ca, "srv1"))
    eq(code if rc == 0 else 401, 401, "a server certificate as a client")
    # A bearer token, when sent, decides over the certificate.
    pt = snms.account(n, "tlsop", "operator")
    rc, code, body, err = curl(n, st, WHOAMI, cert=cert, token=pt)
    eq((rc, code), (0, 200), "token and certificate (%r)" % body)
    eq(json.loads(body)["data"]["username"], "tlsop", "the token's account")


@g.test("revocation and foreign CAs: optional mode treats them as "
        "anonymous; require mode refuses the handshake, also without a "
        "certificate; a revoked certificate works until the CRL is reloaded")
def _(n):
    st = setup(n)
    ca = st["ca"]
    ctl_ok(n, "ca", "issue", "--dir", ca, "--client", "revme",
           "--enterprise", st["ent"])
    snms.account(n, "revme", "enterprise", st["ent"])
    cert = os.path.join(ca, "revme")
    other = os.path.join(n.dir, "other")
    ctl_ok(n, "ca", "init", "--dir", other)
    ctl_ok(n, "ca", "issue", "--dir", other, "--client", "revme",
           "--enterprise", st["ent"])
    foreign = os.path.join(other, "revme")
    rc, code, body, err = curl(n, st, WHOAMI, cert=cert)
    eq((rc, code), (0, 200), "before revocation (%r)" % body)
    rc, code, body, err = curl(n, st, WHOAMI, cert=foreign)
    eq((rc, code), (0, 401), "a foreign CA's certificate (optional mode)")
    out = ctl_ok(n, "ca", "revoke", "--dir", ca, cert + ".pem")
    rc, code, body, err = curl(n, st, WHOAMI, cert=cert)
    eq((rc, code), (0, 200), "revoked but the CRL not reloaded yet")
    reconfigure(n)
    rc, code, body, err = curl(n, st, WHOAMI, cert=cert)
    eq((rc, code), (0, 401), "revoked, optional mode: anonymous (%r)" % body)
    rc, code, body, err = curl(n, st, DATA, cert=cert, method="POST",
                               body=item(PREFIX + "/REV-1", "SN"))
    eq((rc, code), (0, 401), "revoked certificate writes")
    good = os.path.join(ca, "tlsent")
    if not os.path.exists(good + ".pem"):
        ctl_ok(n, "ca", "issue", "--dir", ca, "--client", "tlsent",
               "--enterprise", st["ent"])
    reconfigure(n, tls_client_auth="require")
    try:
        rc, code, body, err = curl(n, st, WHOAMI, cert=good)
        eq((rc, code), (0, 200), "require mode, a good certificate (%r)"
           % err)
        for what, c in (("revoked", cert), ("foreign", foreign),
                        ("none", None)):
            rc, code, body, err = curl(n, st, "/healthz", cert=c)
            check(rc != 0 and code == 0,
                  "require mode answered a %s certificate: %d %r"
                  % (what, code, body))
        # Revoking by serial works the same.
        p = n.idctl("ca", "revoke", "--dir", ca, "NOT-HEX")
        eq(p.returncode, 1, "revoke of a bad serial")
        m = re.search(r"serial ([0-9A-F]+)", out)
        ctl_ok(n, "ca", "revoke", "--dir", ca, m.group(1).lower())
        crl = subprocess.run(["openssl", "crl", "-in",
                              os.path.join(ca, "crl.pem"), "-noout",
                              "-text"], capture_output=True, text=True)
        eq(crl.stdout.count(m.group(1)), 1, "listed once in the CRL")
    finally:
        reconfigure(n, tls_client_auth="optional")


@g.test("SIGHUP with a new certificate: a keep-alive connection opened "
        "before goes on, new connections get the new one; a broken key "
        "or an unreadable key keeps the old one serving")
def _(n):
    st = setup(n)
    ca = st["ca"]

    def peer_serial(sock):
        der = sock.getpeercert(binary_form=True)
        p = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout",
                            "-serial"], input=der, capture_output=True)
        return p.stdout.decode().strip().split("=")[1]

    def connect():
        ctx = ssl.create_default_context(cafile=os.path.join(ca, "ca.pem"))
        c = http.client.HTTPSConnection("127.0.0.1", st["port"], context=ctx,
                                        timeout=scaled(5))
        c.connect()
        return c

    def get(c):
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        return r.status

    old = connect()
    try:
        eq(get(old), 200, "before the reload")
        eq(peer_serial(old.sock), st["srv1"], "the first certificate")
        s2 = serial_of(ctl_ok(n, "ca", "issue", "--dir", ca, "--server",
                              "srv2", "--ip", "127.0.0.1"))
        reconfigure(n, **tls_config(n, st, cert="srv2"))
        check("event=reload_tls result=ok" in n.stderr_text(),
              "no reload_tls logged")
        eq(get(old), 200, "the old connection after the reload")
        eq(peer_serial(old.sock), st["srv1"], "old connection's cert")
        new = connect()
        eq(peer_serial(new.sock), s2, "a new connection's certificate")
        new.close()
        # A key that is not the certificate's: the old context stays.
        bad = os.path.join(n.dir, "bad.key")
        with open(bad, "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nAAAA\n"
                    "-----END PRIVATE KEY-----\n")
        os.chmod(bad, 0o600)
        reconfigure(n, tls_key=bad)
        check(re.search(r"event=reload_tls result=failed kept=old",
                        n.stderr_text()), "the failed reload is not logged")
        new = connect()
        eq(peer_serial(new.sock), s2, "after a broken key")
        eq(get(new), 200, "served after a broken key")
        new.close()
        os.chmod(os.path.join(ca, "srv1.key"), 0o644)
        reconfigure(n, **tls_config(n, st, cert="srv1"))
        os.chmod(os.path.join(ca, "srv1.key"), 0o600)
        check("others cannot read" in n.stderr_text(),
              "a world-readable key was not refused")
        new = connect()
        eq(peer_serial(new.sock), s2, "after a world-readable key")
        new.close()
        eq(get(old), 200, "the first connection still")
    finally:
        old.close()
        reconfigure(n, **tls_config(n, st))
    check(n.alive(), "idnode died")


@g.test("HS_SITE: GET_SITEINFO names the HTTPS interface and carries the "
        "node key's public half (EC_PUB_KEY, PEM)")
def _(n):
    st = setup(n)
    r = n.udp_resp(request(OC_GET_SITEINFO, bstr("/")))
    expect_rc(r, "SUCCESS")
    srv = r.site["servers"][0]
    check((0x02, 3, st["port"]) in srv["interfaces"],
          "no HTTPS interface in %r" % srv["interfaces"])
    pk = srv["pubkey"]
    ln = int.from_bytes(pk[:4], "big")
    eq(pk[4:4 + ln], b"EC_PUB_KEY", "key type")
    eq(pk[4 + ln:6 + ln], b"\0\0", "flags")
    pem = pk[10 + ln:].decode()
    want = subprocess.run(["openssl", "pkey", "-in",
                           os.path.join(st["ca"], "node.key"), "-pubout"],
                          capture_output=True, text=True).stdout
    eq(pem, want, "the node key's public half")


OPF_CT = 0x40000000


def split_signed(raw):
    """(signed bytes, digest algorithm, signature) of a response, or None
    if its credential is empty (protocol.md §3)."""
    body_len = int.from_bytes(raw[40:44], "big")
    end = 44 + body_len
    cred = raw[end:]
    n = int.from_bytes(cred[:4], "big")
    eq(len(cred), 4 + n, "credential length")
    if n == 0:
        return None
    c = cred[4:]
    eq(c[:4], b"\0\0\0\0", "credential version, reserved, flags")
    off = 4
    ln = int.from_bytes(c[off:off + 4], "big")
    off += 4 + ln  # signer handle
    off += 4       # signer index
    ln = int.from_bytes(c[off:off + 4], "big")
    eq(c[off + 4:off + 4 + ln], b"HS_SIGNED", "credential type")
    off += 4 + ln
    sect = int.from_bytes(c[off:off + 4], "big")
    eq(len(c), off + 4 + sect, "signature section length")
    off += 4
    ln = int.from_bytes(c[off:off + 4], "big")
    alg = c[off + 4:off + 4 + ln]
    off += 4 + ln
    ln = int.from_bytes(c[off:off + 4], "big")
    sig = c[off + 4:off + 4 + ln]
    major, minor = raw[0], raw[1]
    prefix = b""  # before 2.7: header and body only
    if (major, minor) >= (2, 7):
        prefix = bytes([major, minor])
        if (major, minor) >= (2, 8):
            prefix += bytes([raw[2] & 0x1F, raw[3]])
        prefix += raw[4:12] + b"\0\0\0\0"  # session, request, counter
    return prefix + raw[20:end], alg, sig


def verifies(n, pub, data, sig):
    d, s = os.path.join(n.dir, "signed.bin"), os.path.join(n.dir, "sig.bin")
    with open(d, "wb") as f:
        f.write(data)
    with open(s, "wb") as f:
        f.write(sig)
    p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub,
                        "-signature", s, d], capture_output=True, text=True)
    return p.returncode == 0 and "Verified OK" in p.stdout


@g.test("CT: answers to requests with the certify flag carry an HS_SIGNED "
        "credential (SHA-256) that verifies with the HS_SITE key, over UDP "
        "and TCP, for resolutions and site info; without CT none")
def _(n):
    st = setup(n)
    r = n.udp(request(OC_GET_SITEINFO, bstr("/"), opflags=OPF_DEFAULT |
                      OPF_CT))
    check(r, "no answer")
    signed = split_signed(r)
    check(signed, "GET_SITEINFO with CT is unsigned")
    # The key to check with is the one the site publishes.
    site = n.udp_resp(request(OC_GET_SITEINFO, bstr("/"))).site
    pk = site["servers"][0]["pubkey"]
    ln = int.from_bytes(pk[:4], "big")
    pub = os.path.join(n.dir, "site_pub.pem")
    with open(pub, "wb") as f:
        f.write(pk[10 + ln:])
    data, alg, sig = signed
    eq(alg, b"SHA-256", "digest algorithm")
    check(verifies(n, pub, data, sig), "GET_SITEINFO signature")
    check(not verifies(n, pub, data[:-1] + bytes([data[-1] ^ 1]), sig),
          "a changed answer still verifies")
    q = resolution(PREFIX + "/none", opflags=OPF_DEFAULT | OPF_CT)
    raw = n.udp(q)
    data, alg, sig = split_signed(raw)
    check(verifies(n, pub, data, sig), "UDP resolution signature")
    eq(int.from_bytes(raw[24:28], "big"), 100, "HANDLE_NOT_FOUND, signed")
    s = n.tcp_connect()
    try:
        s.sendall(resolution(PREFIX + "/none", opflags=OPF_DEFAULT | OPF_CT,
                             major=2, minor=6, sugg=(0, 0)))
        env = recv_exact(s, 20)
        raw = env + recv_exact(s, int.from_bytes(env[16:20], "big"))
    finally:
        s.close()
    data, alg, sig = split_signed(raw)
    eq(raw[:2], b"\x02\x06", "answered as 2.6")
    check(verifies(n, pub, data, sig), "a 2.6 answer: header+body signed")
    eq(split_signed(n.udp(resolution(PREFIX + "/none"))), None,
       "without CT the credential is empty")


@g.test("a bad TLS setup stops the start with a reason; the defaults start "
        "without certificates")
def _(n):
    st = setup(n)
    cfg = dict(n.config())
    cases = (({"tls_key": os.path.join(n.dir, "missing.key")}, "missing.key"),
             ({"tls_client_auth": "sometimes"}, "tls_client_auth"),
             ({"tls_key": ""}, "tls_key"),
             ({"tls_ca": "", "tls_client_auth": "require"}, "tls_ca"),
             ({"tls_crl": os.path.join(st["ca"], "ca.pem")}, "CRL"))
    for over, word in cases:
        c = dict(cfg)
        c.update(over)
        path = os.path.join(n.dir, "bad.json")
        with open(path, "w") as f:
            json.dump(c, f)
        p = subprocess.run([os.path.join(harness.BUILD, "idnode"), "-c", path, "--check-config"],
            capture_output=True, text=True, timeout=scaled(10))
        eq(p.returncode, 1, "check-config %r (%r)" % (over, p.stdout))
        check(word in p.stderr, "reason for %r: %r" % (over, p.stderr))
    with open(os.path.join(n.dir, "plain.json"), "w") as f:
        json.dump({}, f)
    p = subprocess.run([os.path.join(harness.BUILD, "idnode"), "-c",
                        os.path.join(n.dir, "plain.json"), "--check-config"],
                       capture_output=True, text=True, timeout=scaled(10))
    eq(p.returncode, 0, "the defaults (%r)" % p.stderr)
    check(n.alive(), "idnode died")
