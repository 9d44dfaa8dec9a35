"""A headless Chromium driven over WebDriver (chromedriver's HTTP API,
W3C protocol) with urllib: no pip, no npm.  For the tests of the pages
the node serves (www/).

Chromium is started without anything that reaches the network (the
machines running tests have none): no QUIC, no component or safe-browsing
updates, no sync, a fresh profile in a temp dir.
"""
import atexit
import base64
import json
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zlib

import harness
from harness import TestFailure, check, scaled

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions",
         "--no-default-browser-check", "--disable-dev-shm-usage"]
# Debian's /usr/bin/chromium is a wrapper script; the driver wants the
# program.
BINARIES = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def find_tools():
    """(chromium, chromedriver) paths, or a failure saying what to
    install: a missing browser is a failed test, not a skipped one."""
    browser = next((b for b in BINARIES if os.access(b, os.X_OK)), None)
    driver = shutil.which("chromedriver")
    check(browser and driver,
          "chromium and chromedriver are needed (Debian packages chromium "
          "chromium-driver; run `sh tests/deps.sh` as root)")
    return browser, driver


_SHARED = {}


def shared():
    """The test process's one 1280x800 browser, started on first use and
    closed at exit however the group ends (a filter may skip the test
    that closes it)."""
    if "browser" not in _SHARED:
        _SHARED["browser"] = Browser(1280, 800)
        atexit.register(close_shared)
    return _SHARED["browser"]


def close_shared():
    b = _SHARED.pop("browser", None)
    if b:
        b.close()


def out_dir(name):
    """tests/out/NAME (or $TEST_OUT/NAME), where screenshots are kept."""
    d = os.path.join(os.environ.get("TEST_OUT",
                                    os.path.join(harness.TOP, "tests", "out")),
                     name)
    os.makedirs(d, exist_ok=True)
    return d


class Browser:
    """One chromedriver, one session; close() ends both."""

    def __init__(self, width=1280, height=800):
        browser, driver = find_tools()
        self.profile = tempfile.mkdtemp(prefix="idnode-chromium-")
        self.port = harness.free_tcp_port()
        self.log = open(os.path.join(self.profile, "chromedriver.log"), "w+")
        # Its own process group: chromium's helpers go with it.
        self.proc = subprocess.Popen(
            [driver, "--port=%d" % self.port], stdout=self.log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        self.sid = None
        try:
            self.wait_ready()
            caps = {"browserName": "chrome",
                    "goog:loggingPrefs": {"browser": "ALL"},
                    "goog:chromeOptions": {
                        "binary": browser,
                        "args": FLAGS + [
                            "--user-data-dir=" + os.path.join(self.profile,
                                                              "profile"),
                            "--window-size=%d,%d" % (width, height)]}}
            s = self.call("POST", "/session",
                          {"capabilities": {"alwaysMatch": caps}},
                          timeout=scaled(60))
            self.sid = s["sessionId"]
            # The viewport itself, not the window, is width x height.
            self.call("POST", self.path("/goog/cdp/execute"),
                      {"cmd": "Emulation.setDeviceMetricsOverride",
                       "params": {"width": width, "height": height,
                                  "deviceScaleFactor": 1, "mobile": False}})
        except Exception:
            self.close()
            raise

    def wait_ready(self):
        deadline = time.monotonic() + scaled(20)
        while time.monotonic() < deadline:
            check(self.proc.poll() is None, "chromedriver exited: %s"
                  % self.driver_log())
            try:
                if self.call("GET", "/status", timeout=2).get("ready"):
                    return
            except (OSError, TestFailure):
                pass
            time.sleep(0.1)
        raise TestFailure("chromedriver not ready: %s" % self.driver_log())

    def driver_log(self):
        self.log.seek(0)
        return self.log.read()[-2000:]

    def path(self, p):
        return "/session/%s%s" % (self.sid, p)

    def call(self, method, path, body=None, timeout=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.port, path), data=data,
            method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(
                    req, timeout=timeout or scaled(30)) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            raise TestFailure("WebDriver %s %s: %d %s" % (
                method, path, e.code, e.read()[:600].decode("utf-8",
                                                            "replace")))

    # ------------------------------------------------------- commands
    def go(self, url):
        self.call("POST", self.path("/url"), {"url": url})

    def js(self, script, *args):
        """Runs a function body in the page; its return value."""
        return self.call("POST", self.path("/execute/sync"),
                         {"script": script, "args": list(args)})

    def wait(self, script, what, timeout=20, *args):
        """Polls a script until it returns something truthy."""
        deadline = time.monotonic() + scaled(timeout)
        last = None
        while time.monotonic() < deadline:
            last = self.js(script, *args)
            if last:
                return last
            time.sleep(0.1)
        raise TestFailure("timed out waiting for %s (last %r)" % (what, last))

    def find(self, css):
        return self.call("POST", self.path("/element"),
                         {"using": "css selector", "value": css})[ELEMENT]

    def on_element(self, css, fn):
        """fn(element id), found again if the page replaced it meanwhile
        (a "stale element reference": a live page re-renders)."""
        for attempt in range(3):
            try:
                return fn(self.find(css))
            except TestFailure as e:
                if "stale element" not in str(e) or attempt == 2:
                    raise

    def click(self, css):
        self.on_element(css, lambda e: self.call(
            "POST", self.path("/element/%s/click" % e), {}))

    def type(self, css, text):
        def fill(e):
            self.call("POST", self.path("/element/%s/clear" % e), {})
            self.call("POST", self.path("/element/%s/value" % e),
                      {"text": text})
        self.on_element(css, fill)

    def screenshot(self):
        return base64.b64decode(self.call("GET", self.path("/screenshot")))

    def console(self):
        """The browser console entries since the last call."""
        return self.call("POST", self.path("/se/log"), {"type": "browser"})

    def close(self):
        if self.sid:
            try:
                self.call("DELETE", self.path(""), timeout=scaled(20))
            except (OSError, TestFailure):
                pass
            self.sid = None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


# ------------------------------------------------------------------ PNG

def png_decode(data):
    """(width, height, rows): rows of (r, g, b) tuples, for 8-bit RGB and
    RGBA PNGs (what Chromium writes); anything else is a failure."""
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        check(zlib.crc32(kind + body) == struct.unpack(
            ">I", data[pos + 8 + n:pos + 12 + n])[0], "PNG chunk CRC")
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    check(ihdr, "PNG without IHDR")
    w, h, depth, ctype, _, _, interlace = ihdr
    check(depth == 8 and ctype in (2, 6) and not interlace,
          "PNG: want 8-bit RGB(A), not interlaced; got %r" % (ihdr,))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    check(len(raw) == h * (stride + 1), "PNG data length")
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        png_unfilter(f, line, prev, bpp)
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def png_unfilter(f, line, prev, bpp):
    check(f <= 4, "PNG filter type %d" % f)
    if f == 0:
        return
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        if f == 1:
            line[i] = (line[i] + a) & 255
        elif f == 2:
            line[i] = (line[i] + b) & 255
        elif f == 3:
            line[i] = (line[i] + ((a + b) >> 1)) & 255
        else:
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + pred) & 255
