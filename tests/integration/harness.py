"""Integration-test harness for idnode (python3, stdlib only).

Pieces:
  * a Handle-protocol encoder/decoder (protocol.md §1, §2, §5.1, §5.2,
    §6.1), checked against the §9 vectors by test_codec.py;
  * Node: a private redis-server (unix socket only) plus an idnode on
    free ports, in a fresh temp dir, with helpers to talk to it over
    UDP, TCP and HTTP and to run idctl;
  * Group: a set of named tests sharing one Node; run.py runs them and
    prints TAP.
"""
import base64
import http.client
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(TOP, "build", "default")
# Waits scale with this: sanitizer builds are several times slower.
SLOW = 1.0

# ---------------------------------------------------------------- codes

OC_RESOLUTION = 1
OC_GET_SITEINFO = 2
OC_LIST_HANDLES = 105

RC = {
    "SUCCESS": 1, "ERROR": 2, "SERVER_BUSY": 3, "PROTOCOL_ERROR": 4,
    "OPERATION_NOT_SUPPORTED": 5, "HANDLE_NOT_FOUND": 100,
    "INVALID_HANDLE": 102, "VALUES_NOT_FOUND": 200,
    "SERVICE_REFERRAL": 302, "PREFIX_REFERRAL": 303,
    "RECURSION_COUNT_TOO_HIGH": 6, "SERVER_NOT_RESP": 301,
    "INSUFFICIENT_PERMISSIONS": 401,
}
RC_NAME = {v: k for k, v in RC.items()}

ENV_CP, ENV_EC, ENV_TC = 0x80, 0x40, 0x20
OPF_RD = 0x00800000
OPF_DNRF = 0x00100000  # do not refer
OPF_DEFAULT = 0x19000000  # REC|CA|PO, what CNRI clients send
PERM_DEFAULT = 0x0E
PUBLIC_READ = 0x02
UDP_CHUNK = 492


def set_build(path):
    global BUILD, SLOW
    BUILD = os.path.abspath(path)
    env = os.environ.get("IDNODE_TEST_SLOW")
    if env:
        SLOW = float(env)
    elif "address" in os.path.basename(BUILD.rstrip("/")):
        SLOW = 3.0
    else:
        SLOW = 1.0


def scaled(seconds):
    return seconds * SLOW


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def eq(actual, expected, what):
    if actual != expected:
        raise TestFailure("%s: expected %r, got %r" % (what, expected, actual))


# --------------------------------------------------------------- encoder

def u8(v):
    return struct.pack(">B", v)


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def bstr(b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return u32(len(b)) + b


def envelope(msglen, reqid=0, major=2, minor=10, flags=0, sugg=(2, 11),
             session=0, seq=0):
    return (u8(major) + u8(minor) + u8(flags | (sugg[0] & 0x1F)) +
            u8(sugg[1]) + u32(session) + u32(reqid) + u32(seq) + u32(msglen))


def header(opcode, body_len, rcode=0, opflags=OPF_DEFAULT, serial=0xFFFF,
           recursion=0, expiration=None):
    if expiration is None:
        expiration = int(time.time()) + 12 * 3600
    return (u32(opcode) + u32(rcode) + u32(opflags) + u16(serial) +
            u8(recursion) + u8(0) + u32(expiration) + u32(body_len))


def resolution_body(handle, indexes=(), types=(), auth=None):
    b = bstr(handle) + u32(len(indexes))
    for i in indexes:
        b += u32(i)
    b += u32(len(types))
    for t in types:
        b += bstr(t)
    if auth is not None:
        b += bstr(auth)
    return b


def message(opcode, body, rcode=0, opflags=OPF_DEFAULT, expiration=None,
            serial=0xFFFF, credential=b"\0\0\0\0"):
    return header(opcode, len(body), rcode=rcode, opflags=opflags,
                  serial=serial, expiration=expiration) + body + credential


def request(opcode, body, reqid=None, major=2, minor=10, sugg=(2, 11),
            opflags=OPF_DEFAULT, expiration=None, rcode=0, flags=0):
    if reqid is None:
        reqid = new_reqid()
    msg = message(opcode, body, rcode=rcode, opflags=opflags,
                  expiration=expiration)
    return envelope(len(msg), reqid, major, minor, flags, sugg) + msg


def resolution(handle, indexes=(), types=(), reqid=None, auth=None, **kw):
    return request(OC_RESOLUTION, resolution_body(handle, indexes, types, auth),
                   reqid=reqid, **kw)


def padded_request(handle, rid, msglen):
    """A resolution (indexes [1]) whose body carries trailing bytes
    (ignored, like IDIS authBytes) so that MessageLength is `msglen`."""
    body = resolution_body(handle, indexes=[1])
    body += b"\0" * (msglen - 24 - 4 - len(body))
    msg = header(OC_RESOLUTION, len(body)) + body + b"\0\0\0\0"
    assert len(msg) == msglen
    return envelope(len(msg), rid) + msg


_rng = random.Random(os.getpid() ^ int(time.time()))


def new_reqid():
    return _rng.randint(1, 0x7FFFFFFF)


# --------------------------------------------------------------- decoder

class Cur:
    def __init__(self, buf, off=0):
        self.buf, self.off = buf, off

    def left(self):
        return len(self.buf) - self.off

    def take(self, n):
        if n < 0 or self.off + n > len(self.buf):
            raise TestFailure("decode: need %d bytes at offset %d, have %d"
                              % (n, self.off, self.left()))
        b = self.buf[self.off:self.off + n]
        self.off += n
        return b

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def bytes(self):
        return self.take(self.u32())


def parse_env(b):
    check(len(b) >= 20, "envelope shorter than 20 bytes (%d)" % len(b))
    major, minor, f, sminor, session, reqid, seq, msglen = struct.unpack(
        ">BBBBIIII", b[:20])
    return dict(major=major, minor=minor, flags=f & 0xE0, sugg_major=f & 0x1F,
                sugg_minor=sminor, b2=f, b3=sminor, session=session,
                reqid=reqid, seq=seq, msglen=msglen)


def parse_value(c):
    v = {}
    v["index"] = c.u32()
    v["timestamp"] = c.u32()
    v["ttl_type"] = c.u8()
    v["ttl"] = c.u32()
    v["perms"] = c.u8()
    v["type"] = c.bytes().decode("utf-8", "replace")
    v["data"] = c.bytes()
    n = c.u32()
    refs = []
    for _ in range(n):
        h = c.bytes().decode("utf-8", "replace")
        refs.append((h, c.u32()))
    v["refs"] = refs
    return v


def parse_site(c):
    s = {}
    s["version"] = c.u16()
    s["proto"] = (c.u8(), c.u8())
    s["serial"] = c.u16()
    s["primary_mask"] = c.u8()
    s["hash_option"] = c.u8()
    s["hash_filter"] = c.bytes()
    attrs = []
    for _ in range(c.u32()):
        attrs.append((c.bytes(), c.bytes()))
    s["attributes"] = attrs
    servers = []
    for _ in range(c.u32()):
        srv = {"id": c.u32(), "address": c.take(16), "pubkey": c.bytes()}
        ifs = []
        for _ in range(c.u32()):
            ifs.append((c.u8(), c.u8(), c.u32()))
        srv["interfaces"] = ifs
        servers.append(srv)
    s["servers"] = servers
    return s


class Resp:
    """A decoded response message (envelope + header + body + credential).

    Strict: MessageLength must equal what follows the envelope, the body
    must be consumed exactly by its expected shape, and the credential
    must be present (length 0).
    """

    def __init__(self, raw, strict=True):
        self.raw = raw
        self.env = parse_env(raw)
        for k, v in self.env.items():
            setattr(self, k, v)
        msg = raw[20:]
        if strict:
            eq(self.msglen, len(msg), "MessageLength vs bytes after envelope")
        c = Cur(msg)
        self.opcode = c.u32()
        self.rcode = c.u32()
        self.opflags = c.u32()
        self.serial = c.u16()
        self.recursion = c.u8()
        c.u8()
        self.expiration = c.u32()
        self.body_len = c.u32()
        self.header = msg[:24]
        self.body = c.take(self.body_len)
        self.credential = msg[24 + self.body_len:]
        if strict:
            eq(self.credential, b"\0\0\0\0", "credential (empty, u32 0)")
        self.digest_alg = None
        self.digest = None
        self.handle = None
        self.values = None
        self.message = None
        self.referral_handle = None
        self.site = None
        bc = Cur(self.body)
        if self.opflags & OPF_RD and self.rcode != 0:
            self.digest_alg = bc.u8()
            dlen = {1: 16, 2: 20, 3: 32}.get(self.digest_alg)
            check(dlen is not None, "unknown digest alg %r" % self.digest_alg)
            self.digest = bc.take(dlen)
        if self.rcode == 1 and self.opcode == OC_RESOLUTION:
            self.handle = bc.bytes()
            self.values = [parse_value(bc) for _ in range(bc.u32())]
        elif self.rcode == 1 and self.opcode == OC_GET_SITEINFO:
            self.site = parse_site(bc)
        elif self.rcode in (302, 303):
            # protocol.md §5.2: str referralHandle, then values if any.
            self.referral_handle = bc.bytes()
            if bc.left():
                self.values = [parse_value(bc) for _ in range(bc.u32())]
        elif self.rcode >= 2:
            self.message = bc.bytes()
        if strict and self.rcode != 0:
            eq(bc.left(), 0, "bytes left in body after its fields (rc %d)"
               % self.rcode)

    @property
    def rc_name(self):
        return RC_NAME.get(self.rcode, str(self.rcode))

    def by_index(self):
        return {v["index"]: v for v in self.values or []}

    def indexes(self):
        return sorted(v["index"] for v in self.values or [])

    def describe(self):
        s = "rc=%s reqid=%d version=%d.%d" % (self.rc_name, self.reqid,
                                             self.major, self.minor)
        if self.message is not None:
            s += " message=%r" % self.message
        if self.values is not None:
            s += " indexes=%r" % self.indexes()
        return s


def expect_rc(resp, name):
    if resp.rcode != RC[name]:
        raise TestFailure("expected %s, got %s" % (name, resp.describe()))


# -------------------------------------------------- expected value model

def admin_bytes(v):
    bits = v.get("permissions", "111111111111")
    perms = int(bits, 2)
    return u16(perms) + bstr(v["handle"]) + u32(v["index"])


def data_bytes(d):
    if d is None:
        return b""
    if isinstance(d, str):
        return d.encode("utf-8")
    fmt, val = d["format"], d["value"]
    if fmt == "string":
        return val.encode("utf-8")
    if fmt == "hex":
        return bytes.fromhex(val)
    if fmt == "base64":
        return base64.b64decode(val)
    if fmt == "admin":
        return admin_bytes(val)
    raise ValueError(fmt)


def iso_to_unix(s):
    return int(time.mktime(time.strptime(s.rstrip("Z"), "%Y-%m-%dT%H:%M:%S"))
               - time.timezone)


def unix_to_iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def expected_wire_value(jv):
    """What the node must send for an imported JSON value (minus timestamp
    when the JSON has none)."""
    ttl = jv.get("ttl", 86400)
    p = jv.get("permissions")
    return {
        "index": jv["index"],
        "type": jv["type"],
        "data": data_bytes(jv.get("data")),
        "ttl_type": 1 if isinstance(ttl, str) else 0,
        "ttl": iso_to_unix(ttl) if isinstance(ttl, str) else ttl,
        "perms": int(p, 2) if p else PERM_DEFAULT,
        "refs": [(r["handle"], r["index"]) for r in jv.get("references", [])],
        "timestamp": (iso_to_unix(jv["timestamp"]) if "timestamp" in jv
                      else None),
    }


def is_public(jv):
    p = jv.get("permissions")
    return (int(p, 2) if p else PERM_DEFAULT) & PUBLIC_READ != 0


def compare_wire_values(got, record, what):
    """got: decoded values; record: the imported {handle, values}."""
    exp = [expected_wire_value(v) for v in record["values"] if is_public(v)]
    exp.sort(key=lambda v: v["index"])
    got = sorted(got, key=lambda v: v["index"])
    eq([v["index"] for v in got], [v["index"] for v in exp], what + " indexes")
    for g, e in zip(got, exp):
        for k in ("type", "data", "ttl_type", "ttl", "perms", "refs"):
            eq(g[k], e[k], "%s index %d %s" % (what, e["index"], k))
        if e["timestamp"] is not None:
            eq(g["timestamp"], e["timestamp"],
               "%s index %d timestamp" % (what, e["index"]))


def is_text(b):
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ord(ch) >= 0x20 or ch in "\t\n\r" for ch in s)


def expected_json_value(jv):
    """The REST form (protocol.md §8) of an imported JSON value."""
    e = expected_wire_value(jv)
    raw = e["data"]
    if e["type"] == "HS_ADMIN":
        a = jv["data"]["value"]
        data = {"format": "admin", "value": {
            "handle": a["handle"], "index": a["index"],
            "permissions": a.get("permissions", "111111111111")[-12:]
            .rjust(12, "0")}}
    elif is_text(raw):
        data = {"format": "string", "value": raw.decode("utf-8")}
    else:
        data = {"format": "base64",
                "value": base64.b64encode(raw).decode("ascii")}
    out = {"index": e["index"], "type": e["type"], "data": data,
           "ttl": unix_to_iso(e["ttl"]) if e["ttl_type"] else e["ttl"]}
    if e["timestamp"] is not None:
        out["timestamp"] = unix_to_iso(e["timestamp"])
    if e["perms"] != PERM_DEFAULT:
        out["permissions"] = jv["permissions"]
    if e["refs"]:
        out["references"] = [{"handle": h, "index": i} for h, i in e["refs"]]
    return out


def compare_json_values(got, record, what):
    exp = [expected_json_value(v) for v in record["values"] if is_public(v)]
    exp.sort(key=lambda v: v["index"])
    check(isinstance(got, list), "%s: values is not a list: %r" % (what, got))
    got = sorted(got, key=lambda v: v.get("index", -1))
    eq([v.get("index") for v in got], [v["index"] for v in exp],
       what + " indexes")
    for g, e in zip(got, exp):
        check(isinstance(g.get("timestamp"), str) and
              g["timestamp"].endswith("Z") and
              len(g["timestamp"]) == len("2025-01-01T00:00:00Z"),
              "%s index %d: timestamp not ISO-8601 Z: %r"
              % (what, e["index"], g.get("timestamp")))
        if "timestamp" not in e:
            g = dict(g)
            del g["timestamp"]
        eq(g, e, "%s index %d" % (what, e["index"]))


# ------------------------------------------------------------- transport

def udp_exchange(addr, data, reqid=None, timeout=2.0, sock=None,
                 want_fragments=False):
    """Sends one datagram and returns the reassembled response message
    (bytes; TC cleared), or (message, datagrams) with want_fragments.
    Returns None on timeout."""
    own = sock is None
    if own:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        if reqid is None and len(data) >= 20:
            reqid = struct.unpack(">I", data[8:12])[0]
        sock.sendto(data, addr)
        return udp_receive(sock, reqid, timeout, want_fragments)
    finally:
        if own:
            sock.close()


def udp_receive(sock, reqid, timeout, want_fragments=False):
    deadline = time.monotonic() + scaled(timeout)
    frags, total, dgrams = {}, None, []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return (None, dgrams) if want_fragments else None
        sock.settimeout(left)
        try:
            d, _ = sock.recvfrom(70000)
        except socket.timeout:
            continue
        if len(d) < 20:
            dgrams.append(d)
            continue
        e = parse_env(d)
        if reqid is not None and e["reqid"] != reqid:
            continue
        dgrams.append(d)
        if not e["flags"] & ENV_TC:
            return (d, dgrams) if want_fragments else d
        total = e["msglen"]
        frags[e["seq"]] = d[20:]
        n = (total + UDP_CHUNK - 1) // UDP_CHUNK
        if len(frags) == n and all(k in frags for k in range(n)):
            body = b"".join(frags[k] for k in range(n))
            first = bytearray(dgrams[0][:20])
            first[2] &= ~ENV_TC & 0xFF
            first[12:16] = b"\0\0\0\0"
            msg = bytes(first) + body
            return (msg, dgrams) if want_fragments else msg


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise TestFailure("connection closed after %d of %d bytes"
                              % (len(buf), n))
        buf += chunk
    return buf


def tcp_read_message(sock):
    env = recv_exact(sock, 20)
    n = struct.unpack(">I", env[16:20])[0]
    check(n <= 64 << 20, "absurd MessageLength %d" % n)
    return env + recv_exact(sock, n)


def wait_closed(sock, timeout):
    """True if the peer closes (EOF or reset) within timeout; any data
    received first is returned as the second item."""
    sock.settimeout(timeout)
    got = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            d = sock.recv(65536)
            if not d:
                return True, got
            got += d
    except socket.timeout:
        return False, got
    except (ConnectionResetError, BrokenPipeError):
        return True, got
    return False, got


# ------------------------------------------------------------------ node

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:",
                     "LeakSanitizer", "ERROR: UndefinedBehaviorSanitizer")


def free_port_pair():
    """A port number free for TCP and UDP on 127.0.0.1."""
    for _ in range(200):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise RuntimeError("no free port pair")


def free_tcp_port(avoid=()):
    for _ in range(200):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            if port not in avoid:
                return port
        finally:
            t.close()
    raise RuntimeError("no free port")


class Node:
    def __init__(self, name, config=None, records=None, redis_args=None):
        self.name = name
        self.extra_config = dict(config or {})
        # Tests skip the AOF for speed unless they test durability.
        self.redis_args = (["--appendonly", "no"] if redis_args is None
                           else list(redis_args))
        self.records = records
        self.dir = tempfile.mkdtemp(prefix="idnode-it-%s-" % name, dir="/tmp")
        self.sock_path = os.path.join(self.dir, "redis.sock")
        self.config_path = os.path.join(self.dir, "idnode.json")
        self.stderr_path = os.path.join(self.dir, "idnode.stderr")
        self.redis = None
        self.proc = None
        self.stderr_file = None
        self.exit_status = None
        self.handle_port = None
        self.http_port = None
        self.admin_port = None
        self.redis_starts = 0
        # Run in idnode's child before exec (limits of the fault tests).
        self.preexec = None

    # ------------------------------------------------------------ redis
    def start_redis(self):
        self.redis_starts += 1
        log = open(os.path.join(self.dir, "redis.%d.log" % self.redis_starts),
                   "w")
        self.redis = subprocess.Popen(
            ["redis-server", os.path.join(TOP, "ops", "redis.conf"),
             "--dir", self.dir, "--unixsocket", self.sock_path,
             "--port", "0"] + self.redis_args,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + scaled(10)
        while time.monotonic() < deadline:
            if self.redis.poll() is not None:
                raise RuntimeError("redis-server exited with %s"
                                   % self.redis.returncode)
            if self.redis_cli("PING").stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING")

    def redis_cli(self, *args):
        return subprocess.run(["redis-cli", "-s", self.sock_path] + list(args),
                              capture_output=True, text=True,
                              timeout=scaled(10))

    def stop_redis(self):
        if not self.redis:
            return
        if self.redis.poll() is None:
            try:
                os.kill(self.redis.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            try:
                self.redis_cli("SHUTDOWN", "NOSAVE")
            except subprocess.TimeoutExpired:
                pass
            try:
                self.redis.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.redis.kill()
                self.redis.wait()
        self.redis = None

    def kill_redis(self):
        self.redis.kill()
        self.redis.wait()
        self.redis = None

    # ----------------------------------------------------------- config
    def config(self, **over):
        c = {
            "workers": 2,
            "handle_bind": "127.0.0.1",
            "handle_port": self.handle_port,
            "http_bind": "127.0.0.1",
            "http_port": self.http_port,
            "admin_bind": "127.0.0.1",
            "admin_port": self.admin_port,
            "redis_socket": self.sock_path,
            "site_address": "127.0.0.1",
            "log_file": "",
        }
        c.update(self.extra_config)
        c.update(over)
        return c

    def write_config(self, **over):
        with open(self.config_path, "w") as f:
            json.dump(self.config(**over), f, indent=2)
            f.write("\n")

    # ----------------------------------------------------------- idnode
    def pick_ports(self):
        self.handle_port = free_port_pair()
        self.http_port = free_tcp_port(avoid=(self.handle_port,))
        self.admin_port = free_tcp_port(avoid=(self.handle_port,
                                               self.http_port))
        self.write_config()

    def start(self):
        self.pick_ports()
        self.start_redis()
        if self.records:
            self.import_records(self.records)
        for attempt in range(3):
            if attempt:
                self.pick_ports()
            if self.start_idnode(final=attempt == 2):
                return
        raise RuntimeError("idnode did not start")

    def start_idnode(self, final=True):
        self.exit_status = None
        self.stderr_file = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(BUILD, "idnode"), "-c", self.config_path],
            stdout=self.stderr_file, stderr=self.stderr_file,
            stdin=subprocess.DEVNULL, preexec_fn=self.preexec)
        deadline = time.monotonic() + scaled(10)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.exit_status = self.proc.returncode
                if final:
                    raise RuntimeError("idnode exited with %s at start:\n%s"
                                       % (self.proc.returncode,
                                          self.stderr_tail()))
                return False
            h = self.healthz()
            if h and h.get("pid") == self.proc.pid:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("idnode not healthy in time:\n"
                               + self.stderr_tail())
        self.wait_redis_links()
        return True

    def wait_redis_links(self):
        """Every worker connected to Redis, invalidation tracking on."""
        workers = self.config().get("workers", 2) or os.cpu_count()
        deadline = time.monotonic() + scaled(5)
        while time.monotonic() < deadline:
            log = self.stderr_text()
            if (log.count("event=redis_ready") >= workers and
                    log.count("event=redis_tracking state=on") >= workers):
                return
            time.sleep(0.05)

    def healthz(self):
        try:
            st, _, body = self.http("GET", "/healthz", timeout=1)
            return json.loads(body) if st == 200 else None
        except (OSError, ValueError, http.client.HTTPException):
            return None

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stderr_tail(self, n=30):
        return "\n".join(self.stderr_text().splitlines()[-n:])

    def sanitizer_report(self):
        text = self.stderr_text()
        for m in SANITIZER_MARKERS:
            i = text.find(m)
            if i >= 0:
                start = text.rfind("\n", 0, max(0, i - 200)) + 1
                return text[start:start + 6000]
        return None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop_idnode(self, timeout=5):
        """SIGTERM, then SIGKILL after `timeout`. Returns a list of
        problems (empty if it exited 0 in time)."""
        problems = []
        if self.proc is None:
            return problems
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=scaled(timeout))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problems.append("idnode did not exit within %.0f s of SIGTERM"
                                " (killed)" % scaled(timeout))
        if self.exit_status is None:
            self.exit_status = self.proc.returncode
        if self.exit_status != 0 and not problems:
            problems.append("idnode exit status %s (expected 0)"
                            % self.exit_status)
        self.proc = None
        if self.stderr_file:
            self.stderr_file.close()
            self.stderr_file = None
        return problems

    def shutdown(self):
        problems = self.stop_idnode()
        self.stop_redis()
        rep = self.sanitizer_report()
        if rep:
            problems.append("sanitizer report in idnode stderr:\n" + rep)
        return problems

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------ clients
    @property
    def haddr(self):
        return ("127.0.0.1", self.handle_port)

    def udp(self, data, timeout=2.0, sock=None, want_fragments=False):
        return udp_exchange(self.haddr, data, timeout=timeout, sock=sock,
                            want_fragments=want_fragments)

    def udp_resp(self, data, timeout=2.0, sock=None):
        raw = self.udp(data, timeout=timeout, sock=sock)
        check(raw is not None, "no UDP answer within %.1f s" % scaled(timeout))
        return Resp(raw)

    def tcp_connect(self, timeout=5.0):
        s = socket.create_connection(self.haddr, timeout=scaled(timeout))
        s.settimeout(scaled(timeout))
        return s

    def tcp_resp(self, data, sock=None):
        own = sock is None
        if own:
            sock = self.tcp_connect()
        try:
            sock.sendall(data)
            return Resp(tcp_read_message(sock))
        except socket.timeout:
            raise TestFailure("no TCP answer within %.1f s"
                              % (sock.gettimeout() or 0))
        finally:
            if own:
                sock.close()

    def resolve(self, handle, transport="udp", **kw):
        data = resolution(handle, **kw)
        if transport == "udp":
            r = self.udp_resp(data)
        else:
            r = self.tcp_resp(data)
        eq(r.reqid, struct.unpack(">I", data[8:12])[0], "RequestId")
        return r

    def http(self, method, path, timeout=5.0, conn=None, headers=None):
        own = conn is None
        if own:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port,
                                              timeout=scaled(timeout))
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            body = r.read()
            return r.status, r.headers, body
        finally:
            if own:
                conn.close()

    def http_json(self, path, conn=None):
        st, hdrs, body = self.http("GET", path, conn=conn)
        try:
            j = json.loads(body)
        except ValueError:
            raise TestFailure("GET %s: %d, body is not JSON: %r"
                              % (path, st, body[:300]))
        return st, j, hdrs, body

    def idctl(self, *args, timeout=20, input=None):
        return subprocess.run(
            [os.path.join(BUILD, "idctl"), "-c", self.config_path] +
            list(args), capture_output=True, text=True,
            timeout=scaled(timeout), input=input)

    def import_records(self, records, name="data.jsonl"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        p = self.idctl("import", path)
        if p.returncode != 0:
            raise TestFailure("idctl import failed (%d): %s"
                              % (p.returncode, p.stderr))
        return p


# ----------------------------------------------------------------- tests

class Group:
    """Tests sharing one node. `node=False`: no node (pure checks)."""
    all = []

    def __init__(self, name, config=None, records=None, node=True,
                 redis_args=None):
        self.name = name
        self.config = config
        self.records = records
        self.node = node
        self.redis_args = redis_args
        self.tests = []
        Group.all.append(self)

    def test(self, name):
        def deco(fn):
            self.tests.append(("%s: %s" % (self.name, name), fn))
            return fn
        return deco
