"""The pages under www/, served from the binary (core/static): the bytes
of every shipped file with its type, validators and security headers;
HEAD, 304, redirects; nothing else, however the path is spelt."""
import http.client
import os
import re

import harness
from harness import Group, check, eq, scaled

g = Group("static pages")

WWW = os.path.join(harness.TOP, "www")
TYPES = {".html": "text/html; charset=utf-8", ".svg": "image/svg+xml",
         ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8"}


def shipped():
    """{url path: bytes} of every file under www/."""
    out = {}
    for d, _, names in os.walk(WWW):
        for name in names:
            p = os.path.join(d, name)
            with open(p, "rb") as f:
                out["/" + os.path.relpath(p, WWW)] = f.read()
    return out


def raw_get(n, path, method="GET", headers=()):
    """A request with the path exactly as given (http.client sends the
    path as is; no client normalises it)."""
    c = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                   timeout=scaled(5))
    try:
        c.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers:
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


@g.test("every file of www/ is served byte for byte with its type, a "
        "strong ETag, no-cache, a strict CSP and nosniff")
def _(n):
    files = shipped()
    check("/trace/index.html" in files and "/trace/app.js" in files,
          "www/trace has index.html and app.js: %r" % sorted(files))
    etags = set()
    for path, body in sorted(files.items()):
        st, h, got = n.http("GET", path)
        eq(st, 200, "GET %s" % path)
        eq(got, body, "GET %s: the shipped bytes" % path)
        ext = os.path.splitext(path)[1]
        if ext in TYPES:
            eq(h["Content-Type"], TYPES[ext], "%s Content-Type" % path)
        etag = h["ETag"] or ""
        check(re.fullmatch(r'"[0-9a-f]{16}-[0-9a-f]+"', etag),
              "%s: strong ETag, got %r" % (path, etag))
        etags.add(etag)
        eq(h["Cache-Control"], "no-cache", "%s Cache-Control" % path)
        eq(h["X-Content-Type-Options"], "nosniff", "%s nosniff" % path)
        csp = h["Content-Security-Policy"] or ""
        check("default-src 'self'" in csp and "script-src 'self'" in csp
              and "unsafe" not in csp and "frame-ancestors 'none'" in csp,
              "%s: CSP %r" % (path, csp))
        eq(int(h["Content-Length"]), len(body), "%s Content-Length" % path)
    eq(len(etags), len(files), "one ETag per file")
    st, h, got = n.http("GET", "/trace/")
    eq((st, got), (200, files["/trace/index.html"]), "/trace/ is index.html")
    st, h, got = n.http("GET", "/trace/?x=1#/88.1/A")
    eq((st, got), (200, files["/trace/index.html"]), "query ignored")


@g.test("the page obeys its own CSP: no inline script or handlers, "
        "nothing loaded from another origin")
def _(n):
    _, _, html = n.http("GET", "/trace/")
    html = html.decode("utf-8")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I)
    check(scripts, "index.html loads a script")
    for attrs, body in scripts:
        check('src="' in attrs and not body.strip(),
              "inline script in index.html: %r" % (attrs + body)[:200])
    check(not re.search(r"\son[a-z]+\s*=", html, re.I),
          "inline event handler in index.html")
    check(not re.search(r"<style\b|\sstyle\s*=", html, re.I),
          "inline style in index.html")
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        check(not re.match(r"^[a-z]+:|^//", url, re.I),
              "index.html refers to another origin: %r" % url)
        if not url.startswith("#"):
            st, _, _ = n.http("GET", "/trace/" + url.lstrip("./"))
            eq(st, 200, "index.html's %r is served" % url)


@g.test("If-None-Match with the ETag (weak, in a list, or *) gives 304 "
        "without a body; another or a malformed one gives 200")
def _(n):
    _, h, body = n.http("GET", "/trace/app.js")
    etag = h["ETag"]
    for inm in (etag, "W/" + etag, '"other", ' + etag, "*"):
        st, h2, got = n.http("GET", "/trace/app.js",
                             headers={"If-None-Match": inm})
        eq((st, got), (304, b""), "If-None-Match %r" % inm)
        eq(h2["ETag"], etag, "304 ETag")
        eq(h2["Cache-Control"], "no-cache", "304 Cache-Control")
    for inm in ('"other"', etag[:-1], etag + " junk", etag.upper()):
        st, _, got = n.http("GET", "/trace/app.js",
                            headers={"If-None-Match": inm})
        eq((st, got), (200, body), "If-None-Match %r" % inm)
    st, _, got = n.http("GET", "/trace/index.html",
                        headers={"If-None-Match": etag})
    eq(st, 200, "another file's ETag")


@g.test("HEAD: the GET's headers and length, no body (the connection "
        "stays usable); /trace redirects; other methods 405")
def _(n):
    c = http.client.HTTPConnection("127.0.0.1", n.http_port,
                                   timeout=scaled(5))
    try:
        st, h, got = n.http("HEAD", "/trace/app.js", conn=c)
        _, hg, body = n.http("GET", "/trace/app.js", conn=c)
        eq((st, got), (200, b""), "HEAD")
        eq(int(h["Content-Length"]), len(body), "HEAD Content-Length")
        for k in ("Content-Type", "ETag", "Content-Security-Policy"):
            eq(h[k], hg[k], "HEAD %s" % k)
        st, _, got = n.http("HEAD", "/trace/", conn=c,
                            headers={"If-None-Match": hg["ETag"]})
        eq(st, 200, "HEAD / with app.js's ETag")
        st, _, again = n.http("GET", "/trace/app.js", conn=c)
        eq((st, again), (200, body), "GET after HEAD on one connection")
    finally:
        c.close()
    st, h, _ = n.http("GET", "/trace")
    eq((st, h["Location"]), (301, "/trace/"), "/trace redirects")
    st, _, _ = n.http("POST", "/trace/app.js")
    eq(st, 405, "POST a page")


@g.test("unknown pages and traversal attempts are 404, never a file "
        "of the node's directory")
def _(n):
    with open(n.config_path, "rb") as f:
        secret = f.read()[:40]
    for path in ("/trace/nope.js", "/trace/../idnode.json",
                 "/trace/%2e%2e/idnode.json", "/trace/%2E%2E%2Fidnode.json",
                 "/trace/..%2f..%2fetc%2fpasswd", "/trace/....//idnode.json",
                 "/trace//index.html", "/trace/./app.js",
                 "/trace/app.js/", "/trace/APP.JS", "/trace/app%2ejs",
                 "/trace/index.html%00", "/trace/" + "a/" * 200,
                 "/trace/" + n.config_path, "/idnode.json", "/www/trace/"):
        st, _, got = raw_get(n, path)
        eq(st, 404, "GET %s" % path)
        check(secret not in got and b"redis" not in got,
              "GET %s answered a file: %r" % (path, got[:100]))
